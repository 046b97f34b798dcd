import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting
@testable import HirebaseApp

/// A job move's answer with its history kept encoded (`MovedJobAnswer`, `JobHistoryCache`): the
/// bytes must be the encoder's for the stored job, whether the history came back from the
/// statement or was the kept one plus the new entry, and a kept history another instance (or the
/// checked path) made stale must never be used.
@Suite("Moved job answers")
struct MovedJobAnswerTests {
    /// The app's encoder with sorted keys: one value, one byte sequence.
    func sortedEncoder() -> JSONEncoder {
        makeJSONEncoder(sortedKeys: true)
    }

    /// `answer`'s body as `sortedEncoder` writes it.
    func bytes(_ answer: MovedJobAnswer) throws -> [UInt8] {
        var headers = HTTPHeaders()
        let body = try answer.body(using: sortedEncoder(), headers: &headers, allocator: ByteBufferAllocator())
        #expect(headers.contentType == .json)
        return Array(body.readableBytesView)
    }

    /// The stored job's API shape as `sortedEncoder` writes it (a fresh read, Fluent's decoding).
    func storedBytes(_ app: Application, _ jobID: UUID) async throws -> [UInt8] {
        let job = try #require(try await Job.find(jobID, on: app.db))
        return Array(try sortedEncoder().encode(job.toDTO()))
    }

    @Test(arguments: TestDatabase.all)
    func anAnswerIsTheStoredJobsEncodingWhetherTheHistoryWasKeptOrRead(database: TestDatabase) async throws {
        try await withHirebase(on: database) { app in
            let scenario = try await Scenario.make(app)
            // A description holding the very members the answer's history goes into.
            let job = try await scenario.job(app, extra: [
                "description": #"x "history":[] / \ "q" é 🎉"#, "location": "Berlin", "remote": true,
                "salary": ["min": 90000, "max": 120000.5, "currency": "usd", "period": "year"],
            ])
            let jobID = try #require(UUID(uuidString: job))
            let cache = JobHistoryCache(sortedKeys: true)
            let store = ApplicationStore(histories: cache)
            let other = ApplicationStore(histories: JobHistoryCache(sortedKeys: true)) // another instance
            let actor = scenario.recruiter.id
            func move(_ store: ApplicationStore, _ from: JobStatus, _ to: JobStatus, reason: String? = nil) async throws -> MovedJobAnswer {
                let change = StageChange(at: Date().wholeSeconds, actorId: actor, from: from.rawValue, to: to.rawValue, reason: reason, note: nil)
                return try #require(try await store.moveJob(jobID, from: from, to: to, appending: change, at: Date(), by: actor,
                                                            atLeast: .recruiter, on: app.db))
            }

            // Nothing kept: the history comes back from the statement.
            let published = try await move(store, .draft, .open, reason: "go \"now\" / é\t\u{1}")
            #expect(try bytes(published) == (try await storedBytes(app, jobID)))
            #expect(cache.entry(for: jobID)?.version == 1)
            // Kept at the version before: the kept entries and the new one.
            let closed = try await move(store, .open, .closed)
            #expect(try bytes(closed) == (try await storedBytes(app, jobID)))
            #expect(cache.entry(for: jobID)?.version == 2)
            // Another instance moves the job: the kept history is stale, and is not used.
            _ = try await move(other, .closed, .open)
            let closedAgain = try await move(store, .open, .closed)
            #expect(try bytes(closedAgain) == (try await storedBytes(app, jobID)))
            #expect(cache.entry(for: jobID)?.version == 4)
            // The checked path's version-checked move (no cache) makes it stale as well.
            let row = try #require(try await Job.find(jobID, on: app.db))
            var history = row.history
            try history.record(StageChange(at: Date().wholeSeconds, actorId: actor, from: "closed", to: "open"), of: "job")
            #expect(try await store.move(row, to: .open, history: history, at: Date(), on: app.db))
            let last = try await move(store, .open, .closed)
            #expect(try bytes(last) == (try await storedBytes(app, jobID)))
            #expect(cache.entry(for: jobID)?.version == 6)
            #expect(try #require(try await Job.find(jobID, on: app.db)).history.items.map(\.to)
                    == ["draft", "open", "closed", "open", "closed", "open", "closed"])

            // A refused move changes nothing, kept or stored.
            let refused = try await store.moveJob(jobID, from: .open, to: .closed,
                                                  appending: StageChange(at: Date(), actorId: actor, from: "open", to: "closed"),
                                                  at: Date(), by: actor, atLeast: .recruiter, on: app.db)
            #expect(refused == nil)
            #expect(cache.entry(for: jobID)?.version == 6)
        }
    }

    @Test(arguments: TestDatabase.all)
    func answersOverHTTPShowTheJobAsItsReadDoes(database: TestDatabase) async throws {
        try await withHirebase(on: database) { app in
            let scenario = try await Scenario.make(app)
            let job = try await scenario.job(app)
            for action in ["publish", "close", "reopen", "close"] {
                let token = try await scenario.csrf(app)
                let moved = try await app.send(.POST, "/job-action", as: scenario.recruiter, headers: ["X-CSRF-Token": token],
                                               json: JSON(["jobId": job, "action": action, "note": "n / \(action)"]))
                #expect(moved.status == .ok)
                #expect(moved.headers.contentType == .json)
                let shown = try await app.send(.GET, "/jobs/\(job)", as: scenario.recruiter)
                #expect(NSDictionary(dictionary: moved.json) == NSDictionary(dictionary: shown.json), "after \(action)")
            }
        }
    }

    @Test func theCacheKeepsItsBudget() throws {
        let cache = JobHistoryCache(budgetBytes: 100)
        let (first, second) = (UUID(), UUID())
        cache.keep(.init(version: 1, encodedHistory: Array(repeating: 1, count: 60)), for: first)
        cache.keep(.init(version: 3, encodedHistory: Array(repeating: 2, count: 60)), for: second)
        #expect(cache.entry(for: first) == nil)
        #expect(cache.entry(for: second)?.version == 3)
        // A history over the whole budget is kept alone (until the next one).
        cache.keep(.init(version: 4, encodedHistory: Array(repeating: 3, count: 150)), for: first)
        #expect(cache.entry(for: second) == nil)
        #expect(cache.entry(for: first)?.version == 4)
        // Appending to an empty or a kept history: the encoder's entries joined by commas.
        let entry = StageChangeDTO(at: Date(timeIntervalSince1970: 1_700_000_000), actorId: "a", from: nil, to: "open")
        let sorted = JobHistoryCache(sortedKeys: true)
        let one = try sorted.encode([], appending: entry)
        let two = try sorted.encode(one, appending: entry)
        #expect(two == Array(try makeJSONEncoder(sortedKeys: true).encode([entry, entry]).dropFirst().dropLast()))
    }
}
