import Foundation
import Testing
import Vapor
import VaporTesting
@testable import HirebaseApp

@Suite("Companies and members")
struct CompaniesTests {
    @Test(arguments: TestDatabase.all)
    func creatorBecomesOwner(database: TestDatabase) async throws {
        try await withHirebase(on: database) { app in
            let owner = TestUser()
            let created = try await app.send(.POST, "/companies", as: owner, json: JSON(["name": "  Acme  "]))
            #expect(created.status == .created)
            #expect(created["name"] == "Acme")
            #expect(created["role"] == "owner")
            let id = try #require(created["id"])
            #expect(id == id.lowercased())
            let mine = try await app.send(.GET, "/companies", as: owner)
            let list = try #require(try JSONSerialization.jsonObject(with: Data(buffer: mine.body)) as? [[String: Any]])
            #expect(list.count == 1)
        }
    }

    @Test func emptyNameIs400() async throws {
        try await withHirebase(on: .sqlite) { app in
            let response = try await app.send(.POST, "/companies", as: TestUser(), json: JSON(["name": "   "]))
            #expect(response.status == .badRequest)
            let errors = try #require(response.json["errors"] as? [[String: String]])
            #expect(errors == [["field": "name", "message": "is required"]])
        }
    }

    @Test func membersAreAddedByIdOrEmailWithRoleRules() async throws {
        try await withHirebase(on: .sqlite) { app in
            let scenario = try await Scenario.make(app)
            let path = "/companies/\(scenario.companyID)/members"
            let colleague = TestUser("colleague")
            _ = try await app.send(.GET, "/csrf-token", as: colleague)

            let byEmail = try await app.send(.POST, path, as: scenario.recruiter, json: JSON(["email": colleague.email.uppercased(), "role": "recruiter"]))
            #expect(byEmail.status == .created)
            #expect(byEmail["userId"] == colleague.id.uuidString.lowercased())

            let again = try await app.send(.POST, path, as: scenario.recruiter, json: JSON(["userId": colleague.id.uuidString, "role": "viewer"]))
            #expect(again.status == .conflict)

            let unknownUser = try await app.send(.POST, path, as: scenario.recruiter, json: JSON(["email": "nobody@example.com", "role": "viewer"]))
            #expect(unknownUser.status == .notFound)
            #expect(unknownUser["detail"] == "No such user: they must sign in once before they can be added")

            let badRole = try await app.send(.POST, path, as: scenario.recruiter, json: JSON(["userId": UUID().uuidString, "role": "boss"]))
            #expect(badRole.status == .badRequest)

            let neither = try await app.send(.POST, path, as: scenario.recruiter, json: JSON(["role": "viewer"]))
            #expect(neither.status == .badRequest)

            // A recruiter may not add members; a stranger does not learn the company exists.
            let newcomer = TestUser("newcomer")
            _ = try await app.send(.GET, "/csrf-token", as: newcomer)
            let byRecruiter = try await app.send(.POST, path, as: colleague, json: JSON(["userId": newcomer.id.uuidString, "role": "viewer"]))
            #expect(byRecruiter.status == .forbidden)
            let byStranger = try await app.send(.POST, path, as: newcomer, json: JSON(["userId": newcomer.id.uuidString, "role": "owner"]))
            #expect(byStranger.status == .notFound)
        }
    }

    @Test func onlyOwnersAddOwners() async throws {
        try await withHirebase(on: .sqlite) { app in
            let scenario = try await Scenario.make(app)
            let admin = try await scenario.addMember(app, role: "admin", name: "admin")
            let target = TestUser("target")
            _ = try await app.send(.GET, "/csrf-token", as: target)
            let path = "/companies/\(scenario.companyID)/members"
            let refused = try await app.send(.POST, path, as: admin, json: JSON(["userId": target.id.uuidString, "role": "owner"]))
            #expect(refused.status == .forbidden)
            let allowed = try await app.send(.POST, path, as: admin, json: JSON(["userId": target.id.uuidString, "role": "recruiter"]))
            #expect(allowed.status == .created)
        }
    }

    @Test func platformAdminSeesAnyCompany() async throws {
        try await withHirebase(on: .sqlite) { app in
            let scenario = try await Scenario.make(app)
            let admin = TestUser("platform", admin: true)
            let response = try await app.send(.GET, "/companies/\(scenario.companyID)", as: admin)
            #expect(response.status == .ok)
            let stranger = try await app.send(.GET, "/companies/\(scenario.companyID)", as: TestUser("stranger"))
            #expect(stranger.status == .notFound)
            let notUUID = try await app.send(.GET, "/companies/xyz", as: admin)
            #expect(notUUID.status == .notFound)
        }
    }
}
