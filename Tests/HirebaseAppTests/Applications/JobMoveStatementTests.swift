import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting
@testable import HirebaseApp

/// `POST /job-action` on a job, first tried as one conditional `UPDATE` (`ApplicationStore.moveJob`):
/// the answers, the stored history and the refusals must be those of the checked path.
@Suite("Job moves in one statement")
struct JobMoveStatementTests {
    func act(_ app: Application, _ scenario: Scenario, _ body: [String: Any], as user: TestUser? = nil) async throws -> TestingHTTPResponse {
        let actor = user ?? scenario.recruiter
        let token = try await scenario.csrf(app, for: actor)
        return try await app.send(.POST, "/job-action", as: actor, headers: ["X-CSRF-Token": token], json: JSON(body))
    }

    func stored(_ app: Application, _ job: String) async throws -> Job {
        try #require(try await Job.find(UUID(uuidString: job), on: app.db))
    }

    @Test(arguments: TestDatabase.all)
    func theAnswerIsTheStoredJobAndTheHistoryGrowsByOne(database: TestDatabase) async throws {
        let clock = ManualClock()
        try await withHirebase(on: database, overrides: ServiceOverrides(clock: clock.wall)) { app in
            let scenario = try await Scenario.make(app)
            let job = try await scenario.job(app, extra: [
                "location": "Berlin", "remote": true, "employmentType": "full_time",
                "salary": ["min": 90000, "max": 120000.5, "currency": "usd", "period": "year"],
            ])
            clock.advance(by: .seconds(61))

            let published = try await act(app, scenario, ["jobId": job, "action": "publish", "note": "go"])
            #expect(published.status == .ok)
            let shown = try await app.send(.GET, "/jobs/\(job)", as: scenario.recruiter)
            // Every member the same as a read of the job (salary, skills, dates, history).
            #expect(NSDictionary(dictionary: published.json) == NSDictionary(dictionary: shown.json))
            let history = try #require(published.json["history"] as? [[String: Any]])
            #expect(history.map { $0["to"] as? String } == ["draft", "open"])
            #expect(history[1]["from"] as? String == "draft")
            #expect(history[1]["note"] as? String == "go")
            #expect(history[1]["actorId"] as? String == scenario.recruiter.id.uuidString.lowercased())

            let row = try await stored(app, job)
            #expect(row.status == .open)
            #expect(row.version == 1)
            #expect(row.history.items.map(\.at) == [clock.startDate, clock.date])

            // With the guard of the status seen, and back.
            let closed = try await act(app, scenario, ["jobId": job, "action": "close", "fromStage": "open"])
            #expect(closed["status"] == "closed")
            let reopened = try await act(app, scenario, ["jobId": job, "action": "reopen"])
            #expect(reopened["status"] == "open")
            // Archive moves from several statuses: the checked path makes it, on the same history.
            let archived = try await act(app, scenario, ["jobId": job, "action": "archive", "reason": "filled"])
            #expect(archived["status"] == "archived")
            let final = try await stored(app, job)
            #expect(final.version == 4)
            #expect(final.history.items.map(\.to) == ["draft", "open", "closed", "open", "archived"])
            #expect(final.history.items.map(\.from) == [nil, "draft", "open", "closed", "open"])
            #expect(final.history.items.last?.reason == "filled")
        }
    }

    @Test(arguments: TestDatabase.all)
    func theStatementAloneMovesOnlyWhatItMay(database: TestDatabase) async throws {
        try await withHirebase(on: database) { app in
            let scenario = try await Scenario.make(app)
            let jobID = try #require(UUID(uuidString: try await scenario.job(app)))
            let service = app.hirebase.applications
            let recruiter = AuthenticatedUser(id: scenario.recruiter.id, email: nil, isPlatformAdmin: false)
            let viewer = AuthenticatedUser(id: try await scenario.addMember(app, role: "viewer", name: "viewer").id, email: nil, isPlatformAdmin: false)
            func move(_ action: JobAction, from expected: String? = nil, by user: AuthenticatedUser = recruiter) async throws -> JobActionOutcome? {
                try await service.actInOneStatement(JobActionInput(jobID: jobID, action: action, subject: .job, expectedStage: expected),
                                                    by: user, atLeast: .recruiter, on: app.db)
            }

            // Refused: another status, another guard, too small a role, a stranger, several sources.
            #expect(try await move(.close) == nil)
            #expect(try await move(.publish, from: "open") == nil)
            #expect(try await move(.publish, by: viewer) == nil)
            #expect(try await move(.publish, by: AuthenticatedUser(id: UUID(), email: nil, isPlatformAdmin: false)) == nil)
            #expect(try await move(.archive) == nil)
            #expect(try await stored(app, jobID.uuidString).version == 0)

            let published = try #require(try await move(.publish, from: "draft"))
            #expect((published.from, published.to) == ("draft", "open"))
            guard case .movedJob(let shown) = published.moved else { Issue.record("expected the job"); return }
            #expect(shown.job.status == "open")
            var headers = HTTPHeaders()
            let body = try shown.body(using: makeJSONEncoder(), headers: &headers, allocator: ByteBufferAllocator())
            let answer = try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any]
            #expect((answer?["history"] as? [[String: Any]])?.map { $0["to"] as? String } == ["draft", "open"])
            let admin = AuthenticatedUser(id: UUID(), email: nil, isPlatformAdmin: true)
            #expect(try await move(.archive, from: "open", by: admin)?.to == "archived")
            let row = try await stored(app, jobID.uuidString)
            #expect(row.status == .archived)
            #expect(row.version == 2)
            #expect(row.history.items.map(\.from) == [nil, "draft", "open"])
        }
    }

    @Test(arguments: TestDatabase.all)
    func refusalsAreTheCheckedPathsAndChangeNothing(database: TestDatabase) async throws {
        try await withHirebase(on: database) { app in
            let scenario = try await Scenario.make(app)
            let job = try await scenario.job(app)

            let wrongState = try await act(app, scenario, ["jobId": job, "action": "close"])
            #expect(wrongState.status == .conflict)
            #expect(wrongState.code == "invalid_state_transition")
            #expect(wrongState["detail"] == "Cannot close a job that is draft")
            let staleScreen = try await act(app, scenario, ["jobId": job, "action": "publish", "fromStage": "closed"])
            #expect(staleScreen.code == "invalid_state_transition")
            #expect(staleScreen["detail"] == "The job is draft, not closed")
            let viewer = try await scenario.addMember(app, role: "viewer", name: "viewer")
            #expect(try await act(app, scenario, ["jobId": job, "action": "publish"], as: viewer).status == .forbidden)
            let stranger = TestUser("stranger")
            #expect(try await act(app, scenario, ["jobId": job, "action": "publish"], as: stranger).status == .notFound)
            #expect(try await act(app, scenario, ["jobId": UUID().uuidString, "action": "publish"]).status == .notFound)
            let unchanged = try await stored(app, job)
            #expect(unchanged.status == .draft)
            #expect(unchanged.version == 0)
            #expect(unchanged.history.items.count == 1)

            // A platform admin acts as owner of every company.
            let admin = TestUser("platform", admin: true)
            let byAdmin = try await act(app, scenario, ["jobId": job, "action": "publish"], as: admin)
            #expect(byAdmin["status"] == "open")
            #expect(try await stored(app, job).history.items.last?.actorId == admin.id)
        }
    }

    @Test(arguments: TestDatabase.all)
    func theLastRoomInTheHistoryIsUsedAndAFullOneRefuses(database: TestDatabase) async throws {
        try await withHirebase(on: database) { app in
            let scenario = try await Scenario.make(app)
            let job = try await scenario.job(app)
            let jobID = try #require(UUID(uuidString: job))
            let almost = JSONList(items: Array(repeating: StageChange(at: Date(timeIntervalSince1970: 1_700_000_000), actorId: UUID(), from: "draft", to: "draft"),
                                               count: JSONList<StageChange>.maxChanges - 1))
            try await app.db.sql.update(Job.schema).set("history", to: SQLBind(almost)).where("id", .equal, SQLBind(jobID)).run()

            let last = try await act(app, scenario, ["jobId": job, "action": "publish"])
            #expect(last.status == .ok)
            #expect((last.json["history"] as? [Any])?.count == JSONList<StageChange>.maxChanges)
            let refused = try await act(app, scenario, ["jobId": job, "action": "close"])
            #expect(refused.status == .conflict)
            #expect(refused.code == "history_full")
            let row = try await stored(app, job)
            #expect(row.status == .open)
            #expect(row.history.items.count == JSONList<StageChange>.maxChanges)
            #expect(row.history.items.first == almost.items.first)
        }
    }

    @Test(arguments: TestDatabase.all)
    func ofConcurrentClosesExactlyOneApplies(database: TestDatabase) async throws {
        try await withHirebase(on: database) { app in
            let scenario = try await Scenario.make(app)
            let job = try await scenario.job(app)
            #expect(try await act(app, scenario, ["jobId": job, "action": "publish"]).status == .ok)
            var headers: [HTTPHeaders] = []
            for _ in 0..<8 { headers.append(try await scenario.recruiter.headers(["X-CSRF-Token": try await scenario.csrf(app)])) }

            let statuses = try await withThrowingTaskGroup(of: UInt.self) { group in
                for header in headers {
                    group.addTask { try await app.send(.POST, "/job-action", headers: header, json: JSON(["jobId": job, "action": "close"])).status.code }
                }
                return try await group.reduce(into: [UInt]()) { $0.append($1) }
            }

            #expect(statuses.filter { $0 == 200 }.count == 1)
            #expect(statuses.filter { $0 == 409 }.count == 7)
            let row = try await stored(app, job)
            #expect(row.version == 2)
            #expect(row.history.items.map(\.to) == ["draft", "open", "closed"])
        }
    }
}
