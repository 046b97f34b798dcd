import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting
@testable import HirebaseApp

@Suite("POST /match-candidates")
struct MatchCandidatesTests {
    @Test(arguments: TestDatabase.all)
    func ranksByFitWithAliasesAndExplanations(database: TestDatabase) async throws {
        try await withHirebase(on: database) { app in
            let scenario = try await Scenario.make(app)
            let job = try await scenario.job(app, skills: ["Swift", "PostgreSQL", "Kubernetes"], extra: ["remote": true])
            let strong = try await scenario.candidate(app, email: "strong@example.com", name: "Strong", skills: ["swift 5.9", "postgres", "k8s"],
                                                      extra: ["headline": "Backend engineer building APIs in Swift"])
            let partial = try await scenario.candidate(app, email: "partial@example.com", name: "Partial", skills: ["Swift"])
            let none = try await scenario.candidate(app, email: "none@example.com", name: "None", skills: ["Excel"])

            let response = try await app.send(.POST, "/match-candidates", as: scenario.recruiter, json: JSON(["jobId": job]))
            #expect(response.status == .ok)
            #expect(response["jobId"] == job)
            #expect(response.json["evaluated"] as? Int == 3)
            let results = try #require(response.json["results"] as? [[String: Any]])
            #expect(results.compactMap { $0["candidateId"] as? String } == [strong, partial, none])
            let top = results[0]
            #expect(top["name"] as? String == "Strong")
            #expect(Set(top["matchedSkills"] as? [String] ?? []) == ["Swift", "PostgreSQL", "Kubernetes"])
            #expect((top["missingSkills"] as? [String])?.isEmpty == true)
            #expect((top["explanation"] as? String)?.isEmpty == false)
            #expect((results[1]["missingSkills"] as? [String])?.count == 2)

            let limited = try await app.send(.POST, "/match-candidates", as: scenario.recruiter, json: JSON(["jobId": job, "limit": 1]))
            #expect((limited.json["results"] as? [Any])?.count == 1)
            let strict = try await app.send(.POST, "/match-candidates", as: scenario.recruiter, json: JSON(["jobId": job, "minScore": 100]))
            #expect((strict.json["results"] as? [[String: Any]] ?? []).allSatisfy { $0["score"] as? Int == 100 })
        }
    }

    @Test func personalFieldsNeverChangeScoresAndEditsAreSeen() async throws {
        try await withHirebase(on: .sqlite) { app in
            let scenario = try await Scenario.make(app)
            let job = try await scenario.job(app, skills: ["Go", "Redis"])
            let id = try await scenario.candidate(app, email: "a@example.com", name: "Alice", skills: ["Go"], extra: ["yearsExperience": 3])
            _ = try await scenario.candidate(app, email: "b@example.com", name: "Bob", skills: ["Redis", "Go"])
            func scores() async throws -> [String: Int] {
                let response = try await app.send(.POST, "/match-candidates", as: scenario.recruiter, json: JSON(["jobId": job]))
                let results = response.json["results"] as? [[String: Any]] ?? []
                return Dictionary(uniqueKeysWithValues: results.compactMap { r in (r["candidateId"] as? String).map { ($0, r["score"] as? Int ?? -1) } })
            }
            let before = try await scores()
            let renamed = try await app.send(.PATCH, "/candidates/\(id)", as: scenario.recruiter, json: JSON(["name": "Zed Q. Public", "email": "zed@other.example"]))
            #expect(renamed.status == .ok)
            #expect(try await scores() == before)
            // A change that matters is seen at once (the cached pool is rebuilt).
            _ = try await app.send(.PATCH, "/candidates/\(id)", as: scenario.recruiter, json: JSON(["skills": ["Go", "Redis"]]))
            let after = try await scores()
            #expect(after[id]! > before[id]!)
            #expect(try await scores() == after)
        }
    }

    @Test func validationAndRights() async throws {
        try await withHirebase(on: .sqlite) { app in
            let scenario = try await Scenario.make(app)
            let job = try await scenario.job(app)
            for body in [["limit": 0, "jobId": job], ["limit": 101, "jobId": job], ["minScore": 101, "jobId": job], [String: Any]()] {
                #expect(try await app.send(.POST, "/match-candidates", as: scenario.recruiter, json: JSON(body)).status == .badRequest)
            }
            let other = try await Scenario.make(app)
            #expect(try await app.send(.POST, "/match-candidates", as: other.recruiter, json: JSON(["jobId": job])).status == .notFound)
            let viewer = try await scenario.addMember(app, role: "viewer", name: "viewer")
            #expect(try await app.send(.POST, "/match-candidates", as: viewer, json: JSON(["jobId": job])).status == .forbidden)
            let empty = try await app.send(.POST, "/match-candidates", as: scenario.recruiter, json: JSON(["jobId": job]))
            #expect(empty.json["evaluated"] as? Int == 0)
            #expect((empty.json["results"] as? [Any])?.isEmpty == true)
        }
    }
}
