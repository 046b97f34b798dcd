import Foundation
import Testing
import Vapor
import VaporTesting
@testable import HirebaseApp

/// Attacks on the paths changed for issue 9's plain middlewares, batched job moves and the
/// JSON log line: what each must still hold, pinned.
@Suite("Attacks on the changed paths")
struct ChangedPathsAttackTests {
    /// Whether `value` is a UUID written in lower case (a minted request id).
    func isMintedID(_ value: String?) -> Bool {
        guard let value else { return false }
        return UUID(uuidString: value) != nil && value == value.lowercased()
    }

    /// Hostile requests through the plain middleware chain: each answer is the contract's JSON
    /// error body with its status, the security headers, and an `X-Request-Id` that is the
    /// caller's only when it is 1-128 visible ASCII characters (else a minted one), echoed in the
    /// body; a CR/LF in the caller's id forges no header.
    @Test(arguments: TestDatabase.all)
    func hostileRequestsGetTheContractsErrorBodyAndHeaders(database: TestDatabase) async throws {
        try await withHirebase(on: database) { app in
            let user = TestUser("hostile")
            _ = try await app.send(.GET, "/csrf-token", as: user)
            let longest = String(repeating: "a", count: 128)
            let cases: [(name: String, id: String, echoed: Bool)] = [
                ("too long", String(repeating: "a", count: 129), false), ("longest", longest, true),
                ("non-ASCII", "req-é", false), ("CR/LF", "abc\r\nX-Forged: 1", false), ("space", "a b", false),
                ("empty", "", false),
            ]
            for (name, id, echoed) in cases {
                let answers: [(String, HTTPStatus, TestingHTTPResponse)] = [
                    ("404", .notFound, try await app.send(.GET, "/no-such-route", headers: ["X-Request-Id": id])),
                    ("405", .methodNotAllowed, try await app.send(.DELETE, "/health", headers: ["X-Request-Id": id])),
                    ("malformed", .badRequest, try await app.send(.POST, "/companies", as: user, headers: ["X-Request-Id": id], raw: #"{"name":"#)),
                    ("NUL", .badRequest, try await app.send(.POST, "/companies", as: user, headers: ["X-Request-Id": id],
                                                            raw: #"{"name":"a\u0000b"}"#)),
                    ("415", .unsupportedMediaType, try await app.send(.POST, "/companies", as: user,
                                                                      headers: ["X-Request-Id": id, "Content-Type": "text/plain"], raw: "name=a")),
                    ("401", .unauthorized, try await app.send(.POST, "/companies", headers: ["X-Request-Id": id], json: JSON(["name": "a"]))),
                    ("CSRF unauthenticated", .unauthorized, try await app.send(.POST, "/job-action", headers: ["X-Request-Id": id, "X-CSRF-Token": "unknown"],
                                                                               json: JSON(["jobId": UUID().uuidString, "action": "publish"]))),
                    ("CSRF unknown", .forbidden, try await app.send(.POST, "/job-action", as: user, headers: ["X-Request-Id": id, "X-CSRF-Token": "unknown"],
                                                                    json: JSON(["jobId": UUID().uuidString, "action": "publish"]))),
                    ("CSRF missing", .forbidden, try await app.send(.POST, "/job-action", as: user, headers: ["X-Request-Id": id],
                                                                    json: JSON(["jobId": UUID().uuidString, "action": "publish"]))),
                ]
                for (what, status, answer) in answers {
                    let label = "\(what), \(name) id"
                    #expect(answer.status == status, "\(label)")
                    #expect(answer.headers.first(name: .contentType) == "application/json; charset=utf-8", "\(label)")
                    #expect(answer.code != nil, "\(label)")
                    #expect(answer.headers[.xContentTypeOptions] == ["nosniff"], "\(label)")
                    #expect(answer.headers["Referrer-Policy"] == ["no-referrer"], "\(label)")
                    #expect(!answer.headers.contains(name: "X-Forged"), "\(label)")
                    let sent = answer.headers["X-Request-Id"]
                    #expect(sent.count == 1, "\(label)")
                    #expect(echoed ? sent.first == id : isMintedID(sent.first), "\(label)")
                    #expect(answer["requestId"] == sent.first, "\(label)")
                }
            }
        }
    }

    /// Bursts of job moves (publish, close, reopen mixed, legal or not) of one job from two
    /// instances over one database (each its own `ApplicationStore`: batcher and kept
    /// histories): the applied moves are exactly the stored history's entries after creation,
    /// each answer's history is the stored one as it was right after that move (a prefix of the
    /// final one ending with the move's own entry), and the final answer equals the stored job.
    @Test(arguments: TestDatabase.all)
    func burstsFromTwoInstancesAnswerTheStoredHistory(database: TestDatabase) async throws {
        try await withHirebase(on: database) { app in
            let scenario = try await Scenario.make(app)
            let jobID = try #require(UUID(uuidString: try await scenario.job(app)))
            let other = try await ServiceFactory.make(for: app, config: app.hirebase.config, overrides: ServiceOverrides())
            let services = [app.hirebase.applications, other.applications]
            let recruiter = AuthenticatedUser(id: scenario.recruiter.id, email: nil, isPlatformAdmin: false)
            let db = app.db
            let actions: [JobAction] = [.publish, .close, .reopen]
            var applied: [MovedJobAnswer] = []
            for round in 0..<6 {
                let answers = try await withThrowingTaskGroup(of: MovedJobAnswer?.self) { group in
                    for index in 0..<24 {
                        let service = services[index % 2]
                        let input = JobActionInput(jobID: jobID, action: actions[(index + round) % 3], subject: .job, note: "r\(round) i\(index)")
                        group.addTask {
                            guard let outcome = try await service.actInOneStatement(input, by: recruiter, atLeast: .recruiter, on: db) else {
                                return nil
                            }
                            guard case .movedJob(let answer) = outcome.moved else { return nil }
                            return answer
                        }
                    }
                    var answers: [MovedJobAnswer] = []
                    for try await answer in group { if let answer { answers.append(answer) } }
                    return answers
                }
                applied += answers
            }
            let stored = try #require(try await Job.find(jobID, on: db)).toDTO()
            let encoder = makeJSONEncoder(sortedKeys: true)
            let storedHistory = try stored.history.map { String(decoding: try encoder.encode($0), as: UTF8.self) }
            // One entry at creation, then one per applied move.
            #expect(storedHistory.count == applied.count + 1)
            #expect(applied.count >= 2)
            for answer in applied {
                let entries = try #require(try JSONSerialization.jsonObject(with: Data([UInt8(ascii: "[")] + answer.encodedHistory + [UInt8(ascii: "]")])) as? [Any])
                let shown = try entries.map { entry in
                    String(decoding: try JSONSerialization.data(withJSONObject: entry, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self)
                }
                let reference = try storedHistory.prefix(shown.count).map { text in
                    String(decoding: try JSONSerialization.data(withJSONObject: try JSONSerialization.jsonObject(with: Data(text.utf8)),
                                                                options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self)
                }
                #expect(shown == reference, "an answer's history is not the stored one at its move")
                #expect(answer.job.status == stored.history[shown.count - 1].to)
            }
            // The answer of the last applied move is the stored job.
            let last = try #require(applied.max { $0.encodedHistory.count < $1.encodedHistory.count })
            #expect(last.job.status == stored.status)
            let shown = try await app.send(.GET, "/jobs/\(jobID.uuidString.lowercased())", as: scenario.recruiter)
            #expect((shown.json["history"] as? [Any])?.count == storedHistory.count)
        }
    }

    /// PostgreSQL behind a relay that goes silent while batched job moves (`ApplicationStore`'s
    /// batcher: several jobs, two moves of some in one batch) wait: every move answers 503 with
    /// `Retry-After` within the query timeout's bound, none is applied (each job still as
    /// published, its history unchanged), and once the relay thaws the same moves are applied and
    /// their answers show the stored history (no kept history poisoned by the failed flush).
    @Test func aFrozenDatabaseUnderBatchedJobMovesIs503AndAppliesNothing() async throws {
        guard case .postgres(let url)? = TestDatabase.all.last else { return }
        guard let (proxy, relayed) = try await FreezableTCPProxy.start(before: url) else { return }
        try await withHirebase(on: .postgres(url: relayed),
                               environment: ["DATABASE_QUERY_TIMEOUT_SECONDS": "3", "DATABASE_CONNECT_TIMEOUT_SECONDS": "3"]) { app in
            let scenario = try await Scenario.make(app)
            let service = app.hirebase.applications
            let recruiter = AuthenticatedUser(id: scenario.recruiter.id, email: nil, isPlatformAdmin: false)
            let db = app.db
            var jobs: [UUID] = []
            for _ in 0..<4 {
                let job = try #require(UUID(uuidString: try await scenario.job(app)))
                // Published through the batcher, so that its history is kept before the freeze.
                _ = try #require(try await service.actInOneStatement(JobActionInput(jobID: job, action: .publish, subject: .job),
                                                                    by: recruiter, atLeast: .recruiter, on: db))
                jobs.append(job)
            }
            let published = jobs
            /// Each job: close, and for half of them reopen too (a second round of one batch).
            @Sendable func burst() async -> [String] {
                await withTaskGroup(of: String.self) { group in
                    for (index, job) in published.enumerated() {
                        let actions: [JobAction] = index.isMultiple(of: 2) ? [.close, .reopen] : [.close]
                        for action in actions {
                            group.addTask {
                                do {
                                    let moved = try await service.actInOneStatement(JobActionInput(jobID: job, action: action, subject: .job),
                                                                                    by: recruiter, atLeast: .recruiter, on: db)
                                    return moved == nil ? "not moved" : "moved"
                                } catch {
                                    let answer = ErrorRenderingMiddleware.appError(for: error)
                                    return "\(answer.status.code) \(answer.headers.first(name: "Retry-After") ?? "none")"
                                }
                            }
                        }
                    }
                    return await group.reduce(into: [String]()) { $0.append($1) }
                }
            }

            proxy.freeze()
            let started = ContinuousClock.now
            let frozen = await burst()
            #expect(frozen.count == 6)
            #expect(frozen.allSatisfy { $0 == "503 5" }, "\(frozen)")
            #expect(ContinuousClock.now - started < .seconds(30), "bounded by the 3 s timeouts")
            proxy.thaw()
            let recovered = try await eventually(within: 30) {
                try await app.send(.GET, "/jobs/\(jobs[0].uuidString.lowercased())", as: scenario.recruiter).status == .ok
            }
            #expect(recovered)
            for job in jobs {
                let stored = try #require(try await Job.find(job, on: db))
                #expect(stored.status == .open, "nothing applied while frozen")
                #expect(stored.history.items.map(\.to) == ["draft", "open"])
            }

            // The same moves once the path works: applied, each answer the stored job's history.
            for job in jobs {
                let moved = try #require(try await service.actInOneStatement(JobActionInput(jobID: job, action: .close, subject: .job),
                                                                            by: recruiter, atLeast: .recruiter, on: db))
                guard case .movedJob(let answer) = moved.moved else { Issue.record("not a job answer"); continue }
                let entries = try #require(try JSONSerialization.jsonObject(with: Data([UInt8(ascii: "[")] + answer.encodedHistory + [UInt8(ascii: "]")])) as? [[String: Any]])
                let stored = try #require(try await Job.find(job, on: db))
                #expect(entries.map { $0["to"] as? String } == stored.history.items.map(\.to))
                #expect(stored.history.items.map(\.to) == ["draft", "open", "closed"])
            }
        }
        try await proxy.close()
    }

    /// Over HTTP, a job's move answers are its read (`GET /jobs/{id}`) whatever came between two
    /// moves of this instance: a `PATCH` of the job (no version bump, no history change), another
    /// instance's move (its own store), an illegal move (409 `invalid_state_transition` naming the
    /// current status, nothing written), and a job created and moved at once.
    @Test(arguments: TestDatabase.all)
    func moveAnswersAreTheReadAcrossEditsAndOtherInstances(database: TestDatabase) async throws {
        try await withHirebase(on: database) { app in
            let scenario = try await Scenario.make(app)
            let job = try await scenario.job(app)
            let jobID = try #require(UUID(uuidString: job))
            func act(_ action: String) async throws -> TestingHTTPResponse {
                let token = try await scenario.csrf(app)
                return try await app.send(.POST, "/job-action", as: scenario.recruiter, headers: ["X-CSRF-Token": token],
                                          json: JSON(["jobId": job, "action": action, "reason": "r \"\(action)\" /\n"]))
            }
            func expectAsRead(_ moved: TestingHTTPResponse, _ what: String) async throws {
                #expect(moved.status == .ok, "\(what)")
                let shown = try await app.send(.GET, "/jobs/\(job)", as: scenario.recruiter)
                #expect(NSDictionary(dictionary: moved.json) == NSDictionary(dictionary: shown.json), "\(what)")
            }
            try await expectAsRead(try await act("publish"), "created and moved at once")
            let patched = try await app.send(.PATCH, "/jobs/\(job)", as: scenario.recruiter,
                                             headers: ["X-CSRF-Token": try await scenario.csrf(app)],
                                             json: JSON(["title": "Edited title", "description": "edited"]))
            #expect(patched.status == .ok)
            let closed = try await act("close")
            try await expectAsRead(closed, "after a PATCH")
            #expect(closed["title"] == "Edited title")

            let illegal = try await act("close")
            #expect(illegal.status == .conflict)
            #expect(illegal.code == "invalid_state_transition")
            #expect((illegal["detail"] ?? "").contains("closed"))
            #expect(try #require(try await Job.find(jobID, on: app.db)).history.items.count == 3)

            // Another instance reopens it (its own batcher and kept histories); this one's next
            // answer holds that move too.
            let other = try await ServiceFactory.make(for: app, config: app.hirebase.config, overrides: ServiceOverrides())
            let recruiter = AuthenticatedUser(id: scenario.recruiter.id, email: nil, isPlatformAdmin: false)
            _ = try #require(try await other.applications.actInOneStatement(JobActionInput(jobID: jobID, action: .reopen, subject: .job),
                                                                           by: recruiter, atLeast: .recruiter, on: app.db))
            try await expectAsRead(try await act("close"), "after another instance's move")
            #expect(try #require(try await Job.find(jobID, on: app.db)).history.items.map(\.to) == ["draft", "open", "closed", "open", "closed"])
        }
    }

    /// Found here: the trigger search was case-sensitive while the patterns it leads to ignore
    /// case, so a header name in another casing (`X-CSRF-TOKEN`, as HTTP allows and clients send)
    /// or `BeaRer` left its secret in the line. Each casing is masked now.
    @Test func secretsBehindAHeaderNameInAnyCaseAreMasked() {
        let secret = "s3cr3tVALUEzz"
        for line in ["X-CSRF-TOKEN: \(secret)", "x-Csrf-ToKen: \(secret)", "X-CSRF-Token: \(secret)", "BeaRer \(secret)", "BEARER \(secret)",
                     "AUTHORIZATION: Basic \(secret)", "authoriZation: Basic \(secret)", "STRIPE-SIGNATURE: t=1,v1=\(secret)",
                     "[\"X-CSRF-TOKEN\": \"\(secret)\"]", "héllo X-CSRF-TOKEN: \(secret)"] {
            #expect(!Redaction.scrub(line).contains(secret), "\(line)")
        }
    }

    /// A JSON log line stays one line and reads back as the members given, whatever a value holds
    /// (line breaks, quotes, backslashes, NUL, a forged second line).
    @Test func aJSONLogLineCannotBeBrokenOrForged() throws {
        let hostile = "a\nb\r\n{\"level\":\"critical\",\"message\":\"forged\"}\u{2028}\u{2029}\u{0}\\\"/é🎉"
        let members = ["message": hostile, "level": "info", "label": "x\ny", "request-id": hostile]
        let line = try #require(HirebaseLogHandler.jsonLine(members))
        #expect(!line.contains("\n") && !line.contains("\r"))
        #expect(!line.unicodeScalars.contains { $0 == "\u{0}" })
        let read = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])
        #expect(read == members)
    }
}
