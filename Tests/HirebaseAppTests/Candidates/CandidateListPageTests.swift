import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting
@testable import HirebaseApp

/// `GET /candidates` read without Fluent models (`KeysetPageQuery`): the same rows, order, cursors
/// and JSON as the model-based list it replaced.
@Suite("Candidate list pages")
struct CandidateListPageTests {
    /// Paging by 2 through 5 candidates (3 pages) returns each exactly once, in the order of
    /// (`created_at_us`, id) descending, and never another company's candidate.
    @Test(arguments: TestDatabase.all)
    func pagesThroughEveryCandidateOnceInOrder(database: TestDatabase) async throws {
        try await withHirebase(on: database) { app in
            let scenario = try await Scenario.make(app)
            var created: [String] = []
            for index in 0..<5 { created.append(try await scenario.candidate(app, email: "c\(index)@example.com", name: "C\(index)")) }
            let other = try await Scenario.make(app)
            let foreign = try await other.candidate(app, email: "c0@example.com")

            var seen: [String] = []
            var cursor: String?
            var pages = 0
            repeat {
                let path = "/candidates?companyId=\(scenario.companyID)&limit=2" + (cursor.map { "&cursor=\($0)" } ?? "")
                let page = try await app.send(.GET, path, as: scenario.recruiter)
                try #require(page.status == .ok)
                let items = page.json["items"] as? [[String: Any]] ?? []
                #expect(items.count <= 2)
                seen += items.compactMap { $0["id"] as? String }
                cursor = page["nextCursor"]
                pages += 1
            } while cursor != nil && pages < 10

            let companyID = try #require(UUID(uuidString: scenario.companyID))
            let expected = try await Candidate.query(on: app.db).filter(\.$companyID == companyID)
                .sort(\.$createdAtMicros, .descending).sort(\.$id, .descending).all().compactMap { $0.id?.uuidString.lowercased() }
            #expect(pages == 3)
            #expect(seen == expected)
            #expect(Set(seen) == Set(created) && seen.count == 5)
            #expect(!seen.contains(foreign))
        }
    }

    /// A listed candidate's JSON is the JSON of `GET /candidates/{id}`, member for member (every
    /// optional field set, skills in their order, after an edit so both timestamps are present).
    @Test(arguments: TestDatabase.all)
    func listedItemMatchesTheSingleRead(database: TestDatabase) async throws {
        try await withHirebase(on: database) { app in
            let scenario = try await Scenario.make(app)
            _ = try await scenario.candidate(app, email: "plain@example.com")
            let id = try await scenario.candidate(app, email: "Full@Example.com", name: "Full Name", skills: ["zig", "Swift", "ada"], extra: [
                "headline": "Backend engineer", "yearsExperience": 7.25, "location": "Lyon, France", "resumeText": "Ten years of été.",
            ])
            let patched = try await app.send(.PATCH, "/candidates/\(id)", as: scenario.recruiter, json: JSON(["name": "Renamed"]))
            try #require(patched.status == .ok)

            let list = try await app.send(.GET, "/candidates?companyId=\(scenario.companyID)", as: scenario.recruiter)
            try #require(list.status == .ok)
            let items = list.json["items"] as? [[String: Any]] ?? []
            #expect(items.count == 2)
            let listed = try #require(items.first { $0["id"] as? String == id })
            let single = try await app.send(.GET, "/candidates/\(id)", as: scenario.recruiter)
            try #require(single.status == .ok)
            let shown = single.json

            #expect(Set(listed.keys) == Set(shown.keys))
            for key in shown.keys.sorted() {
                #expect(NSDictionary(dictionary: [key: listed[key] ?? NSNull()]) == NSDictionary(dictionary: [key: shown[key] ?? NSNull()]), "\(key)")
            }
            #expect(listed["skills"] as? [String] == ["zig", "Swift", "ada"] || listed["skills"] as? [String] == shown["skills"] as? [String])
            #expect(listed["id"] as? String == id.lowercased() && listed["companyId"] as? String == scenario.companyID.lowercased())
            #expect(listed["updatedAt"] is String && listed["createdAt"] is String)
        }
    }
}
