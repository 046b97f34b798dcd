import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting
@testable import HirebaseApp

/// `POST /candidates` as one conditional insert (`CandidateStore.insert`: the membership and the
/// e-mail checked by the statement that inserts): the same answers as the role check followed by
/// a model save it replaced, in the same order (400, then 401, 404 / 403, then 409).
@Suite("Candidate creation")
struct CandidateCreateTests {
    /// The 201 body is the stored candidate as `GET /candidates/{id}` shows it, both timestamps
    /// set, and the row carries the list order's `created_at_us`.
    @Test(arguments: TestDatabase.all)
    func createdCandidateIsStoredAsAnswered(database: TestDatabase) async throws {
        try await withHirebase(on: database) { app in
            let scenario = try await Scenario.make(app)
            let created = try await app.send(.POST, "/candidates", as: scenario.recruiter, json: JSON([
                "companyId": scenario.companyID, "email": "  Ada.Lovelace@Example.COM ", "name": " Ada ", "headline": "  ",
                "skills": ["Swift", "PostgreSQL"], "yearsExperience": 7.5, "location": "London", "resumeText": "Engines.",
            ]))
            #expect(created.status == .created)
            let id = try #require(created["id"])
            #expect(id == id.lowercased())
            #expect(created["companyId"] == scenario.companyID)
            #expect(created["name"] == "Ada")
            #expect(created.json["headline"] == nil)
            #expect(created.json["skills"] as? [String] == ["Swift", "PostgreSQL"])
            #expect(created.json["yearsExperience"] as? Double == 7.5)
            let createdAt = try #require(created["createdAt"])
            #expect(created["updatedAt"] == createdAt)

            let shown = try await app.send(.GET, "/candidates/\(id)", as: scenario.recruiter)
            #expect(shown.status == .ok)
            for field in ["id", "companyId", "email", "name", "location", "resumeText", "createdAt", "updatedAt"] {
                #expect(shown[field] == created[field], "\(field)")
            }
            #expect(shown.json["skills"] as? [String] == ["Swift", "PostgreSQL"])
            #expect(shown.json["yearsExperience"] as? Double == 7.5)
            let row = try #require(try await Candidate.find(UUID(uuidString: id), on: app.db))
            #expect(row.emailKey == EmailLookupKey.of(row.email))
            #expect(row.createdBy == scenario.recruiter.id)
            #expect(row.createdAtMicros > 0)
            #expect(row.updatedAt != nil && row.createdAt == row.updatedAt)
        }
    }

    /// The same address twice, also concurrently: one 201, every other answer 409
    /// `duplicate_candidate` naming the one that was created; one row.
    @Test(arguments: TestDatabase.all)
    func concurrentDuplicatesCreateOneAndNameIt(database: TestDatabase) async throws {
        try await withHirebase(on: database) { app in
            let scenario = try await Scenario.make(app)
            let body = JSON(["companyId": scenario.companyID, "email": "twin@example.com", "name": "Twin"])
            let statuses = try await withThrowingTaskGroup(of: (HTTPStatus, String?, String?).self) { group in
                for index in 0..<8 {
                    let email = index % 2 == 0 ? "twin@example.com" : " TWIN@Example.com"
                    group.addTask {
                        let answer = try await app.send(.POST, "/candidates", as: scenario.recruiter,
                                                        json: JSON(["companyId": scenario.companyID, "email": email, "name": "Twin"]))
                        return (answer.status, answer["id"], answer["existingId"])
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let created = statuses.filter { $0.0 == .created }
            #expect(created.count == 1)
            let id = try #require(created.first?.1)
            #expect(statuses.filter { $0.0 == .conflict }.allSatisfy { $0.2 == id })
            #expect(statuses.filter { $0.0 == .conflict }.count == 7)
            let again = try await app.send(.POST, "/candidates", as: scenario.recruiter, json: body)
            #expect(again.status == .conflict)
            #expect(again.code == "duplicate_candidate")
            #expect(again["existingId"] == id)
            let companyID = try #require(UUID(uuidString: scenario.companyID))
            #expect(try await Candidate.query(on: app.db).filter(\.$companyID == companyID).count() == 1)
        }
    }

    /// Membership comes before the duplicate check: a stranger is 404 and a viewer 403, also for
    /// an address the company has; neither writes a row. A recruiter added later may create.
    @Test(arguments: TestDatabase.all)
    func onlyRecruitersAndStrongerCreateAndRefusalsComeFirst(database: TestDatabase) async throws {
        try await withHirebase(on: database) { app in
            let scenario = try await Scenario.make(app)
            _ = try await scenario.candidate(app, email: "taken@example.com")
            let viewer = try await scenario.addMember(app, role: "viewer", name: "viewer")
            for email in ["taken@example.com", "fresh@example.com"] {
                let body = JSON(["companyId": scenario.companyID, "email": email, "name": "N"])
                let stranger = try await app.send(.POST, "/candidates", as: TestUser("stranger"), json: body)
                #expect(stranger.status == .notFound)
                #expect(stranger.code == "not_found")
                let viewed = try await app.send(.POST, "/candidates", as: viewer, json: body)
                #expect(viewed.status == .forbidden)
                #expect(viewed.code == "forbidden")
            }
            let missing = try await app.send(.POST, "/candidates", as: scenario.recruiter,
                                             json: JSON(["companyId": UUID().uuidString, "email": "x@example.com", "name": "N"]))
            #expect(missing.status == .notFound)
            let invalid = try await app.send(.POST, "/candidates", as: TestUser("stranger"),
                                             json: JSON(["companyId": scenario.companyID, "email": "not an address", "name": "N"]))
            #expect(invalid.status == .badRequest)
            let anonymous = try await app.send(.POST, "/candidates", json: JSON(["companyId": scenario.companyID, "email": "a@example.com", "name": "N"]))
            #expect(anonymous.status == .unauthorized)
            let companyID = try #require(UUID(uuidString: scenario.companyID))
            #expect(try await Candidate.query(on: app.db).filter(\.$companyID == companyID).count() == 1)

            let recruiter = try await scenario.addMember(app, role: "recruiter", name: "late recruiter")
            let created = try await app.send(.POST, "/candidates", as: recruiter,
                                             json: JSON(["companyId": scenario.companyID, "email": "fresh@example.com", "name": "N"]))
            #expect(created.status == .created)
            let admin = try await scenario.addMember(app, role: "admin", name: "admin")
            let byAdmin = try await app.send(.POST, "/candidates", as: admin, json: JSON(["companyId": scenario.companyID, "email": "by-admin@example.com", "name": "N"]))
            #expect(byAdmin.status == .created)
        }
    }

    /// A platform admin adds candidates to any existing company without a membership (as an
    /// owner would); a company that does not exist is still 404, a taken address still 409.
    @Test(arguments: TestDatabase.all)
    func platformAdminsCreateInAnyExistingCompany(database: TestDatabase) async throws {
        try await withHirebase(on: database) { app in
            let scenario = try await Scenario.make(app)
            let first = try await scenario.candidate(app, email: "known@example.com")
            let admin = TestUser("platform admin", admin: true)
            let created = try await app.send(.POST, "/candidates", as: admin, json: JSON(["companyId": scenario.companyID, "email": "new@example.com", "name": "N"]))
            #expect(created.status == .created)
            let createdID = try #require(created["id"])
            let row = try #require(try await Candidate.find(UUID(uuidString: createdID), on: app.db))
            #expect(row.createdBy == admin.id)
            let taken = try await app.send(.POST, "/candidates", as: admin, json: JSON(["companyId": scenario.companyID, "email": "KNOWN@example.com", "name": "N"]))
            #expect(taken.status == .conflict)
            #expect(taken["existingId"] == first)
            let nowhere = try await app.send(.POST, "/candidates", as: admin, json: JSON(["companyId": UUID().uuidString, "email": "n@example.com", "name": "N"]))
            #expect(nowhere.status == .notFound)
        }
    }

    /// A candidate created after the matching pool was built joins it by an update (its
    /// `updated_at` is stamped by the insert), not a rebuild.
    @Test(arguments: TestDatabase.all)
    func aNewCandidateJoinsThePreparedPool(database: TestDatabase) async throws {
        try await withHirebase(on: database) { app in
            let scenario = try await Scenario.make(app)
            let company = try #require(UUID(uuidString: scenario.companyID))
            _ = try await scenario.candidate(app, email: "first@example.com", skills: ["Go"])
            let cache = app.hirebase.candidatePools
            #expect(try await cache.pool(for: company, on: app.db).count == 1)
            let addedID = try await scenario.candidate(app, email: "second@example.com", skills: ["Kafka"])
            let added = try #require(UUID(uuidString: addedID))
            let pool = try await cache.pool(for: company, on: app.db)
            #expect(pool.count == 2)
            #expect(pool.contains(added))
            #expect(await cache.buildCount == 1)
        }
    }
}
