import Foundation
import Testing
import Vapor
import VaporTesting
@testable import HirebaseApp

/// `GET /assessments/invitations` read without Fluent models (`KeysetPageQuery`): each listed
/// invitation is what `GET /assessments/invitations/{id}` shows a member.
@Suite("Invitation list pages")
struct InvitationListPageTests {
    /// Open, member-scored (score, raw and max score, passed, scoredBy, completedAt) and cancelled
    /// invitations, one with a job-less name: every listed item equals the single read, member for
    /// member, delivery included; paging by 2 returns each once, newest first.
    @Test(arguments: TestDatabase.all)
    func listedItemsMatchTheSingleRead(database: TestDatabase) async throws {
        try await withHirebase(on: database) { app in
            let scenario = try await Scenario.make(app)
            let open = try await scenario.invite(app, email: "open@example.com", extra: ["candidateName": "Ada Été"])
            let scored = try await scenario.invite(app, email: "scored@example.com")
            let cancelled = try await scenario.invite(app, email: "cancelled@example.com")
            let score = try await app.send(.POST, "/assessments/invitations/\(scored.id)/submit", as: scenario.recruiter, json: JSON(["score": 90]))
            try #require(score.status == .ok, "\(String(buffer: score.body))")
            let cancel = try await app.send(.POST, "/assessments/invitations/\(cancelled.id)/cancel", as: scenario.recruiter,
                                            headers: ["X-CSRF-Token": try await scenario.csrf(app)])
            try #require(cancel.status == .ok)

            var listed: [[String: Any]] = []
            var cursor: String?
            var pages = 0
            repeat {
                let page = try await app.send(.GET, "/assessments/invitations?limit=2" + (cursor.map { "&cursor=\($0)" } ?? ""), as: scenario.recruiter)
                try #require(page.status == .ok)
                listed += page.json["items"] as? [[String: Any]] ?? []
                cursor = page["nextCursor"]
                pages += 1
            } while cursor != nil && pages < 10
            #expect(pages == 2)
            #expect(listed.compactMap { $0["id"] as? String } == [cancelled.id, scored.id, open.id])

            for item in listed {
                let id = try #require(item["id"] as? String)
                let single = try await app.send(.GET, "/assessments/invitations/\(id)", as: scenario.recruiter)
                try #require(single.status == .ok)
                let shown = single.json
                #expect(Set(item.keys) == Set(shown.keys), "\(id)")
                for key in shown.keys.sorted() {
                    #expect(NSDictionary(dictionary: [key: item[key] ?? NSNull()]) == NSDictionary(dictionary: [key: shown[key] ?? NSNull()]), "\(id) \(key)")
                }
            }
            let scoredItem = try #require(listed.first { $0["id"] as? String == scored.id })
            #expect(scoredItem["score"] as? Int == 90 && scoredItem["scoredBy"] is String && scoredItem["completedAt"] is String)
            #expect(listed.allSatisfy { $0["delivery"] is [String: Any] })
        }
    }
}
