import Fluent
import Foundation
import PostgresKit
import Testing
import Vapor
import VaporTesting
@testable import HirebaseApp

/// Concurrent job moves of one process on PostgreSQL share one statement (`ApplicationStore.moves`,
/// `writeMoves`): every move of a batch is applied or refused exactly as it would be alone, the
/// moves of one job in submission order, and a failed statement answers each of its callers.
@Suite("Job moves in batches")
struct JobMoveBatchTests {
    /// A move of `jobID` from `from` to `to` by `actor` (`nil`: a platform admin), as
    /// `ApplicationStore.moveJob` submits it; `change` overrides the appended list's JSON text.
    func move(_ jobID: UUID, _ from: JobStatus, _ to: JobStatus, by actor: UUID?, on db: any Database,
              change: String? = nil) throws -> ApplicationStore.PostgresJobMove {
        let entry = StageChange(at: Date().wholeSeconds, actorId: actor ?? UUID(), from: from.rawValue, to: to.rawValue)
        let text = try change ?? String(decoding: try JSONEncoder().encode(JSONList(items: [entry])), as: UTF8.self)
        return .init(database: db, jobID: jobID, from: from, to: to, change: text, at: Date(), keptNext: -1, actor: actor,
                     roles: CompanyRole.allCases.filter { $0 >= .recruiter })
    }

    func stored(_ app: Application, _ id: UUID) async throws -> Job {
        try #require(try await Job.find(id, on: app.db))
    }

    func newJob(_ app: Application, _ scenario: Scenario) async throws -> UUID {
        try #require(UUID(uuidString: try await scenario.job(app)))
    }

    @Test func oneBatchAppliesEachMoveAsAloneAndAJobsMovesInOrder() async throws {
        guard case .postgres(let url)? = TestDatabase.all.last else { return }
        try await withHirebase(on: .postgres(url: url)) { app in
            let scenario = try await Scenario.make(app)
            let (a, b, c, d, e) = (try await newJob(app, scenario), try await newJob(app, scenario), try await newJob(app, scenario),
                                   try await newJob(app, scenario), try await newJob(app, scenario))
            let recruiter = scenario.recruiter.id
            let viewer = try await scenario.addMember(app, role: "viewer", name: "viewer").id
            let batch = [
                try move(a, .draft, .open, by: recruiter, on: app.db),
                try move(b, .draft, .open, by: recruiter, on: app.db),
                // A's second and third moves: after its first, in that order.
                try move(a, .draft, .open, by: recruiter, on: app.db),
                try move(a, .open, .closed, by: recruiter, on: app.db),
                // Illegal from C's status; too small a role; a platform admin.
                try move(c, .open, .closed, by: recruiter, on: app.db),
                try move(d, .draft, .open, by: viewer, on: app.db),
                try move(e, .draft, .open, by: nil, on: app.db),
            ]
            let outcomes = await ApplicationStore.writeMoves(batch)
            let rows = try outcomes.map { try $0.get()?.sql() }
            #expect(rows.map { $0 != nil } == [true, true, false, true, false, false, true])
            #expect(try rows[3]?.decode(column: "status", as: String.self) == "closed")
            #expect(try rows[3]?.decode(column: "version", as: Int.self) == 2)

            let movedA = try await stored(app, a)
            #expect(movedA.status == .closed)
            #expect(movedA.version == 2)
            #expect(movedA.history.items.map(\.to) == ["draft", "open", "closed"])
            for (id, status, version) in [(b, JobStatus.open, 1), (c, .draft, 0), (d, .draft, 0), (e, .open, 1)] {
                let job = try await stored(app, id)
                #expect(job.status == status)
                #expect(job.version == version)
                #expect(job.history.items.count == version + 1)
            }
        }
    }

    @Test func aFailedStatementAnswersEachCallerWithItsError() async throws {
        guard case .postgres(let url)? = TestDatabase.all.last else { return }
        try await withHirebase(on: .postgres(url: url)) { app in
            let scenario = try await Scenario.make(app)
            let (a, b) = (try await newJob(app, scenario), try await newJob(app, scenario))
            let recruiter = scenario.recruiter.id
            // Not JSON: the statement fails; A's second move (the next round) gets the error too.
            let outcomes = await ApplicationStore.writeMoves([
                try move(a, .draft, .open, by: recruiter, on: app.db, change: "{not json"),
                try move(b, .draft, .open, by: recruiter, on: app.db),
                try move(a, .draft, .open, by: recruiter, on: app.db),
            ])
            for outcome in outcomes {
                #expect(throws: (any Error).self) { try outcome.get() }
            }
            // A later round's failure leaves the earlier round's moves made and answered.
            let later = await ApplicationStore.writeMoves([
                try move(a, .draft, .open, by: recruiter, on: app.db),
                try move(a, .open, .closed, by: recruiter, on: app.db, change: "{not json"),
            ])
            #expect(try later[0].get() != nil)
            #expect(throws: (any Error).self) { try later[1].get() }
            #expect(try await stored(app, a).version == 1)
            #expect(try await stored(app, b).version == 0)

            // Through the batcher: concurrent callers each get the error.
            let store = ApplicationStore()
            let failures = try await withThrowingTaskGroup(of: Bool.self) { group in
                for job in [a, b] {
                    let item = try move(job, .open, .closed, by: recruiter, on: app.db, change: "{not json")
                    group.addTask { (try? await store.moves.submit(item).get()) == nil }
                }
                return try await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(failures == [true, true])
            // A stopping store refuses with 503.
            await store.shutdown()
            let refused = await #expect(throws: AppError.self) {
                try await store.moveJob(b, from: .draft, to: .open, appending: StageChange(at: Date(), actorId: recruiter, from: "draft", to: "open"),
                                        at: Date(), by: recruiter, atLeast: .recruiter, on: app.db)
            }
            #expect(refused?.status == .serviceUnavailable)
            #expect(try await stored(app, b).version == 0)
        }
    }

    @Test(arguments: TestDatabase.all)
    func concurrentMovesOfManyJobsAreAllAppliedAndAnsweredAsRead(database: TestDatabase) async throws {
        try await withHirebase(on: database) { app in
            let scenario = try await Scenario.make(app)
            var jobs: [String] = []
            for _ in 0..<6 { jobs.append(try await scenario.job(app)) }
            // Each job: publish and close at once. Sequentially, either order is one 200 and one
            // 409 (close of a draft) or two 200s (publish, then close).
            var requests: [(job: String, action: String, headers: HTTPHeaders)] = []
            for job in jobs {
                for action in ["publish", "close"] {
                    requests.append((job, action, try await scenario.recruiter.headers(["X-CSRF-Token": try await scenario.csrf(app)])))
                }
            }
            let answers = try await withThrowingTaskGroup(of: (String, String, TestingHTTPResponse).self) { group in
                for request in requests {
                    group.addTask {
                        (request.job, request.action,
                         try await app.send(.POST, "/job-action", headers: request.headers, json: JSON(["jobId": request.job, "action": request.action])))
                    }
                }
                return try await group.reduce(into: [(String, String, TestingHTTPResponse)]()) { $0.append($1) }
            }
            for job in jobs {
                let mine = answers.filter { $0.0 == job }
                let publish = try #require(mine.first { $0.1 == "publish" }?.2)
                let close = try #require(mine.first { $0.1 == "close" }?.2)
                #expect(publish.status == .ok)
                let row = try await stored(app, try #require(UUID(uuidString: job)))
                if close.status == .ok {
                    #expect(row.status == .closed)
                    #expect(row.history.items.map(\.to) == ["draft", "open", "closed"])
                } else {
                    #expect(close.status == .conflict)
                    #expect(close.code == "invalid_state_transition")
                    #expect(close["detail"] == "Cannot close a job that is draft")
                    #expect(row.status == .open)
                    #expect(row.history.items.map(\.to) == ["draft", "open"])
                }
                #expect(row.version == row.history.items.count - 1)
                // The latest answer is the job as a read shows it.
                let latest = close.status == .ok ? close : publish
                let shown = try await app.send(.GET, "/jobs/\(job)", as: scenario.recruiter)
                #expect(NSDictionary(dictionary: latest.json) == NSDictionary(dictionary: shown.json))
            }
        }
    }
}
