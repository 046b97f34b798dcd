import BillingCore
import Fluent
import FluentPostgresDriver
import Foundation
import NIOPosix
import PostgresNIO
import SQLKit
import Testing
import Vapor
import VaporTesting
@testable import HirebaseApp

/// Attacks on the hot paths issue 9 made faster: the CSRF group commit, the kept status body and
/// its refresh ahead, and the auth fast path. Each test stands for an answer a hostile caller or
/// a bad day must not change.
@Suite("Issue 9 hot paths under attack")
struct HotPathAttackTests {
    // MARK: - CSRF group commit

    /// Several users issuing tokens at once over HTTP (one batch holds several users' issues):
    /// every answer is a 200 whose token is stored for its own caller; then each user presents
    /// each of their tokens three times at once, and one of another user's: exactly one use of
    /// each own token wins, and no foreign one ever does (nor spends the token).
    @Test(arguments: TestDatabase.all)
    func burstsOfManyUsersOnlyEverGetAndSpendTheirOwnTokens(database: TestDatabase) async throws {
        try await withHirebase(on: database) { app in
            let users = (0..<4).map { TestUser("burst\($0)") }
            for user in users { _ = try await app.send(.GET, "/csrf-token", as: user) }
            let issued = try await withThrowingTaskGroup(of: (Int, UInt, String?).self) { group in
                for (index, user) in users.enumerated() {
                    for _ in 0..<12 {
                        group.addTask {
                            let response = try await app.send(.GET, "/csrf-token", as: user)
                            return (index, response.status.code, response["csrfToken"])
                        }
                    }
                }
                return try await group.reduce(into: [(Int, UInt, String?)]()) { $0.append($1) }
            }
            #expect(issued.allSatisfy { $0.1 == 200 && $0.2 != nil }, "\(issued.map(\.1))")
            var tokens = [[String]](repeating: [], count: users.count)
            for (index, _, token) in issued { if let token { tokens[index].append(token) } }
            for (index, user) in users.enumerated() {
                for token in tokens[index] {
                    let row = try await CSRFToken.query(on: app.db).filter(\.$tokenHash == SecretToken.hash(token)).first()
                    #expect(row?.userID == user.id, "a token answered to one user is stored for another")
                }
                let live = try await CSRFToken.query(on: app.db).filter(\.$userID == user.id).filter(\.$usedAt == nil).count()
                #expect(live <= app.hirebase.csrf.maxLiveTokensPerUser)
            }
            let csrf = app.hirebase.csrf
            let wins = try await withThrowingTaskGroup(of: (owner: Int, by: Int, token: String, won: Bool).self) { group in
                for (index, user) in users.enumerated() {
                    for token in tokens[index] {
                        for _ in 0..<3 {
                            group.addTask { (index, index, token, try await csrf.consume(token, for: user.id, on: app.db)) }
                        }
                        let thief = (index + 1) % users.count
                        group.addTask { (index, thief, token, try await csrf.consume(token, for: users[thief].id, on: app.db)) }
                    }
                }
                return try await group.reduce(into: [(owner: Int, by: Int, token: String, won: Bool)]()) { $0.append($1) }
            }
            #expect(wins.filter { $0.owner != $0.by && $0.won }.isEmpty, "another user's token was accepted")
            for index in users.indices {
                for token in tokens[index] {
                    #expect(wins.filter { $0.token == token && $0.by == index && $0.won }.count == 1)
                }
            }
        }
    }

    /// One token sent with many guarded writes at once over HTTP: exactly one 2xx, every other
    /// answer 403 `csrf_token_invalid` (`CSRFTests.concurrentRequestsWithOneTokenCancelOnce` on
    /// both databases).
    @Test(arguments: TestDatabase.all)
    func oneTokenOnManyGuardedWritesAtOnceHasOneWinner(database: TestDatabase) async throws {
        try await withHirebase(on: database) { app in
            let scenario = try await Scenario.make(app)
            var ids: [String] = []
            for index in 0..<12 { ids.append(try await scenario.invite(app, email: "w\(index)@example.com").id) }
            let token = try await scenario.csrf(app)
            let headers = try await scenario.recruiter.headers(["X-CSRF-Token": token])
            let answers = try await withThrowingTaskGroup(of: (UInt, String?).self) { group in
                for id in ids {
                    group.addTask {
                        let response = try await app.send(.POST, "/assessments/invitations/\(id)/cancel", headers: headers)
                        return (response.status.code, response.code)
                    }
                }
                return try await group.reduce(into: [(UInt, String?)]()) { $0.append($1) }
            }
            #expect(answers.filter { (200..<300).contains($0.0) }.count == 1, "\(answers)")
            #expect(answers.filter { $0.0 == 403 && $0.1 == "csrf_token_invalid" }.count == ids.count - 1, "\(answers)")
        }
    }

    /// Callers cancelled while their consumptions are queued or in a flush (a client gone): the
    /// others of the same batches get their answers, nobody hangs, and no token is spent twice
    /// (a cancelled caller's token is either still usable or spent, never both).
    @Test(arguments: TestDatabase.all)
    func cancelledConsumersLeaveTheOthersAnswersAndSpendNoTokenTwice(database: TestDatabase) async throws {
        try await withHirebase(on: database) { app in
            let user = TestUser()
            _ = try await app.send(.GET, "/csrf-token", as: user)
            let csrf = app.hirebase.csrf
            for round in 0..<3 {
                var tokens: [String] = []
                for _ in 0..<20 { tokens.append(try await csrf.issue(for: user.id, on: app.db).token) }
                let tasks = tokens.map { token in Task { try await csrf.consume(token, for: user.id, on: app.db) } }
                for (index, task) in tasks.enumerated() where index % 2 == 1 {
                    if round > 0 { await Task.yield() }
                    task.cancel()
                }
                for (index, (token, task)) in zip(tokens, tasks).enumerated() {
                    let first: Bool?
                    do { first = try await task.value } catch is CancellationError { first = nil }
                    if index % 2 == 0 {
                        #expect(first == true, "round \(round): a caller that was not cancelled lost its answer")
                        continue
                    }
                    let again = try await csrf.consume(token, for: user.id, on: app.db)
                    #expect(!(first == true && again), "round \(round): a token spent twice")
                }
            }
        }
    }

    /// Giant, empty, non-ASCII and doubled `X-CSRF-Token` headers: 403 `csrf_token_invalid`,
    /// never a 500; a valid token behind an invalid first header is not spent.
    @Test func malformedCSRFHeadersAre403AndSpendNothing() async throws {
        try await withHirebase(on: .sqlite) { app in
            let scenario = try await Scenario.make(app)
            let invitation = try await scenario.invite(app).id
            let token = try await scenario.csrf(app)
            let hostile = ["", " ", String(repeating: "a", count: 257), String(repeating: "x", count: 100_000),
                           String(repeating: "é", count: 100), token.uppercased(), token + "=", String(token.dropLast())]
            for value in hostile {
                var headers = try await scenario.recruiter.headers()
                headers.add(name: "X-CSRF-Token", value: value)
                headers.add(name: "X-CSRF-Token", value: token)
                let response = try await app.send(.POST, "/assessments/invitations/\(invitation)/cancel", headers: headers)
                #expect(response.status == .forbidden, "\(value.prefix(20)) (\(value.utf8.count) bytes)")
                #expect(response.code == "csrf_token_invalid")
            }
            let used = try await app.send(.POST, "/assessments/invitations/\(invitation)/cancel",
                                          headers: try await scenario.recruiter.headers(["X-CSRF-Token": token]))
            #expect(used.status == .ok, "the valid token sent second was spent by a refused request")
        }
    }

    /// A pooler that accepts every statement and never answers (PostgreSQL gone behind it), while
    /// issues and consumptions wait in batches: every waiter gets the unavailable answer (503 with
    /// `Retry-After`) within the query timeout's bound, none hangs; the app then shuts down with
    /// callers still queued, each of them answered (503), and later callers are refused at once.
    @Test func aSilentDatabaseUnderABatchAnswersEveryWaiterAndShutdownEndsTheRest() async throws {
        let server = try await SilentPostgresServer.start(answersStartup: true)
        let config = try AppConfig.load(from: ["HIREBASE_ENV": "testing", "SUPABASE_JWT_SECRET": testJWTSecret, "LOG_LEVEL": "critical",
                                               "DATABASE_URL": server.url, "DATABASE_QUERY_TIMEOUT_SECONDS": "1",
                                               "DATABASE_MAX_CONNECTIONS": "4"]) { _ in "" }
        let app = try await Application.make(.testing)
        try await configure(app, config: config, migrate: false, backgroundJobs: false)
        let (csrf, db) = (app.hirebase.csrf, app.db)
        /// What a caller's request would answer: its status and `Retry-After`, or "answered".
        @Sendable func attempt(_ index: Int) async -> String {
            do {
                if index % 2 == 0 {
                    _ = try await csrf.issue(for: UUID(), on: db)
                } else {
                    _ = try await csrf.consume("token-\(index)", for: UUID(), on: db)
                }
                return "answered"
            } catch {
                let answer = ErrorRenderingMiddleware.appError(for: error)
                return "\(answer.status.code) \(answer.headers.first(name: "Retry-After") ?? "none")"
            }
        }
        let started = ContinuousClock.now
        let outcomes = await withTaskGroup(of: String.self) { group in
            for index in 0..<40 { group.addTask { await attempt(index) } }
            return await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(outcomes.count == 40)
        #expect(outcomes.allSatisfy { $0 == "503 5" }, "\(Set(outcomes))")
        #expect(ContinuousClock.now - started < .seconds(20), "two flushes of at most 1 s each; 20 s leaves room for a loaded machine")

        let stopping = ContinuousClock.now
        let queued = Task {
            await withTaskGroup(of: String.self) { group in
                for index in 0..<20 { group.addTask { await attempt(index) } }
                return await group.reduce(into: [String]()) { $0.append($1) }
            }
        }
        try await Task.sleep(for: .milliseconds(200))
        try await app.asyncShutdown()
        let ended = await queued.value
        #expect(ended.allSatisfy { $0 == "503 5" || $0 == "503 1" }, "\(Set(ended))")
        #expect(ContinuousClock.now - stopping < .seconds(20), "shutdown waits for the flush in flight, bounded by its deadline")
        #expect(await attempt(0) == "503 1", "a caller after shutdown is refused at once")
        try await server.stop()
    }

    /// PostgreSQL behind a relay that goes silent while tokens are issued and spent over HTTP by
    /// callers known without a query (cached token, recorded user): each request answers 503
    /// with `Retry-After`, none hangs, and the same process serves again once the relay thaws.
    @Test func aFrozenDatabaseMidFlushIs503ForEveryGuardedRequestAndRecovers() async throws {
        guard case .postgres(let url)? = TestDatabase.all.last else { return }
        guard let (proxy, relayed) = try await FreezableTCPProxy.start(before: url) else { return }
        try await withHirebase(on: .postgres(url: relayed),
                               // 3 s, not less: the app migrates through the relay first, and a statement of a loaded
                               // suite took longer than 1.5 s.
                               environment: ["DATABASE_QUERY_TIMEOUT_SECONDS": "3", "DATABASE_CONNECT_TIMEOUT_SECONDS": "3"]) { app in
            let scenario = try await Scenario.make(app)
            let invitation = try await scenario.invite(app).id
            // One token string for every request: verified and cached before the freeze.
            let authorization = try await scenario.recruiter.headers()
            var tokens: [String] = []
            for _ in 0..<8 { tokens.append(try #require(try await app.send(.GET, "/csrf-token", headers: authorization)["csrfToken"])) }

            proxy.freeze()
            let started = ContinuousClock.now
            let answers = try await withThrowingTaskGroup(of: (UInt, String?, String?).self) { group in
                for token in tokens {
                    group.addTask {
                        var headers = authorization
                        headers.add(name: "X-CSRF-Token", value: token)
                        let response = try await app.send(.POST, "/assessments/invitations/\(invitation)/cancel", headers: headers)
                        return (response.status.code, response.code, response.headers.first(name: "Retry-After"))
                    }
                    group.addTask {
                        let response = try await app.send(.GET, "/csrf-token", headers: authorization)
                        return (response.status.code, response.code, response.headers.first(name: "Retry-After"))
                    }
                }
                return try await group.reduce(into: [(UInt, String?, String?)]()) { $0.append($1) }
            }
            #expect(answers.allSatisfy { $0.0 == 503 && $0.1 == "service_unavailable" && $0.2 != nil }, "\(answers)")
            #expect(ContinuousClock.now - started < .seconds(30), "bounded by the 3 s timeouts")

            proxy.thaw()
            let recovered = try await eventually(within: 30) {
                try await app.send(.GET, "/csrf-token", headers: authorization).status == .ok
            }
            #expect(recovered, "the same process issues tokens again once the path works")
        }
        try await proxy.close()
    }

    /// The errors of statements sent with `PostgresData` binds (the CSRF batches, keyset pages,
    /// matching's id reads) are PostgresNIO's legacy `PostgresError`: a connection lost under
    /// one, or a server saying it is shutting down, is 503 like the same failure as a `PSQLError`
    /// (a CSRF-guarded write answered 500 `internal_error` for a connection closed while the
    /// database path was frozen); a wrong statement stays a 500.
    @Test func legacyPostgresErrorsOfALostDatabaseAre503() async throws {
        #expect(ErrorRenderingMiddleware.isDatabaseUnavailable(PostgresError.connectionClosed))
        #expect(ErrorRenderingMiddleware.isDatabaseUnavailable(PostgresError.protocol("Unexpected connection close")))
        #expect(ErrorRenderingMiddleware.isDatabaseUnavailable(PostgresError.protocol("Unexpected message: ErrorResponse")))
        #expect(!ErrorRenderingMiddleware.isDatabaseUnavailable(PostgresError.protocol("Server does not support TLS")))
        #expect(ErrorRenderingMiddleware.appError(for: PostgresError.connectionClosed).headers.first(name: "Retry-After") == "5")
        guard case .postgres(let url)? = TestDatabase.all.last else { return }
        try await withHirebase(on: .postgres(url: url)) { app in
            let postgres = try #require(app.db as? any PostgresDatabase)
            let stopping = await #expect(throws: PostgresError.self) {
                _ = try await postgres.query("DO $$ BEGIN RAISE EXCEPTION 'stopping' USING ERRCODE = '57P01'; END $$", []).get()
            }
            #expect(stopping.map(ErrorRenderingMiddleware.isDatabaseUnavailable) == true, "\(String(reflecting: stopping))")
            let wrong = await #expect(throws: PostgresError.self) { _ = try await postgres.query("SELECT 1 / 0", []).get() }
            #expect(wrong.map(ErrorRenderingMiddleware.isDatabaseUnavailable) == false)
        }
    }

    // MARK: - Subscription status: kept body, refresh ahead

    /// An admin reading two users' statuses in turn, and each user their own, after each used a
    /// different amount: every body names its own user with its own usage, from the first read
    /// and from a kept body alike, and a consumption on this instance shows at once.
    @Test(arguments: TestDatabase.all)
    func keptBodiesNeverCrossUsers(database: TestDatabase) async throws {
        try await withHirebase(on: database, environment: billingEnvironment) { app in
            let (a, b, admin) = (TestUser("a"), TestUser("b"), TestUser("admin", admin: true))
            func consume(_ user: TestUser, _ quantity: Int) async throws {
                let response = try await app.send(.POST, "/verify-billing", as: user,
                                                  json: JSON(["feature": "job_scraping", "consume": true, "quantity": quantity]))
                #expect(response.status == .ok)
            }
            func used(_ response: TestingHTTPResponse) -> Int? {
                ((response.json["usage"] as? [String: Any])?["job_scraping"] as? [String: Any])?["used"] as? Int
            }
            try await consume(a, 2)
            try await consume(b, 1)
            for round in 0..<3 {
                for (user, expected) in [(a, 2 + round), (b, 1)] {
                    let asAdmin = try await app.send(.GET, "/subscription-status?userId=\(user.id.uuidString.lowercased())", as: admin)
                    let own = try await app.send(.GET, "/subscription-status", as: user)
                    for response in [asAdmin, own] {
                        #expect(response.status == .ok)
                        #expect(response["userId"] == user.id.uuidString.lowercased())
                        #expect(used(response) == expected, "round \(round)")
                    }
                    #expect(asAdmin.body == own.body)
                }
                try await consume(a, 1)
            }
        }
    }

    /// A kept body across the end of the month (the free plan's period): the first read after
    /// it shows the new period and no usage, not the kept body of the old one.
    @Test(arguments: TestDatabase.all)
    func aKeptBodyIsNotServedIntoTheNextMonth(database: TestDatabase) async throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let monthStart = try #require(calendar.dateInterval(of: .month, for: Date())?.end)
        let clock = ManualClock(startDate: monthStart.addingTimeInterval(-10))
        try await withHirebase(on: database, environment: billingEnvironment, overrides: ServiceOverrides(clock: clock.wall)) { app in
            let user = TestUser()
            // Valid across the clock's month end, whatever today's date.
            let headers: HTTPHeaders = ["Authorization": "Bearer \(try await user.token(expiresIn: 70 * 86_400))"]
            let consumed = try await app.send(.POST, "/verify-billing", headers: headers,
                                              json: JSON(["feature": "job_scraping", "consume": true, "quantity": 2]))
            #expect(consumed.status == .ok)
            let first = try await app.send(.GET, "/subscription-status", headers: headers)
            let kept = try await app.send(.GET, "/subscription-status", headers: headers)
            #expect(first.body == kept.body)
            #expect(((kept.json["usage"] as? [String: Any])?["job_scraping"] as? [String: Any])?["used"] as? Int == 2)
            clock.advance(by: .seconds(11))
            let next = try await app.send(.GET, "/subscription-status", headers: headers)
            #expect(next.status == .ok)
            let month = String(ISO8601DateFormatter().string(from: monthStart).prefix(10))
            #expect(next["periodStart"]?.hasPrefix(month) == true, "\(next.json)")
            #expect(((next.json["usage"] as? [String: Any])?["job_scraping"] as? [String: Any])?["used"] as? Int == 0)
        }
    }

    /// A refresh ahead that fails (the usage table is gone: the database's error) leaves the
    /// entry served as it is, 200 with the same body, and the next reader tries again; no 500.
    @Test(arguments: TestDatabase.all)
    func aFailedRefreshAheadStillAnswersTheCachedStatus(database: TestDatabase) async throws {
        let clock = ManualClock()
        try await withHirebase(on: database, environment: billingEnvironment.merging(["BILLING_CACHE_TTL_SECONDS": "5"]) { $1 },
                               overrides: ServiceOverrides(clock: clock.wall)) { app in
            let user = TestUser()
            let first = try await app.send(.GET, "/subscription-status", as: user)
            let kept = try await app.send(.GET, "/subscription-status", as: user)
            #expect(first.status == .ok && kept.body == first.body)
            try await (app.db as! any SQLDatabase).raw("DROP TABLE \(ident: UsageCounter.schema)").run()
            // Past every user's refresh point (80% of 5 s at most), before the TTL.
            clock.advance(by: .milliseconds(4_500))
            for _ in 0..<3 {
                let during = try await app.send(.GET, "/subscription-status", as: user)
                #expect(during.status == .ok)
                #expect(during.body == first.body)
            }
        }
    }

    // MARK: - Auth fast path

    /// A token verified (and cached) before its `exp` is refused once the clock passes `exp`
    /// plus the leeway, on the path that hands a known caller on without a task.
    @Test func aCachedTokenIsRefusedAfterItsExpiry() async throws {
        let clock = ManualClock()
        try await withHirebase(on: .sqlite, overrides: ServiceOverrides(clock: clock.wall)) { app in
            let user = TestUser()
            let headers: HTTPHeaders = ["Authorization": "Bearer \(try await user.token(expiresIn: 120))"]
            #expect(try await app.send(.GET, "/subscription-status", headers: headers).status == .ok)
            #expect(try await app.send(.GET, "/subscription-status", headers: headers).status == .ok)
            clock.advance(by: .seconds(120 + 3_600))
            let late = try await app.send(.GET, "/subscription-status", headers: headers)
            #expect(late.status == .unauthorized)
            #expect(try await app.send(.GET, "/csrf-token", headers: headers).status == .unauthorized)
        }
    }

    /// One caller, known without a query (token cached, user recorded), bursting reads (counted
    /// in memory, charged on the path without a task) and writes (counted in the database) at
    /// once: exactly the limit of each class answers, every other request is 429 with the
    /// `RateLimit-*` headers.
    @Test(arguments: TestDatabase.all)
    func aKnownCallersBurstGetsExactlyEachClassesLimit(database: TestDatabase) async throws {
        try await withHirebase(on: database, environment: ["RATE_LIMITS": "read=4/m,write=6/m,costly=off,anonymous=off"]) { app in
            let user = TestUser()
            let headers = try await user.headers()
            #expect(try await app.send(.GET, "/subscription-status", headers: headers).status == .ok)
            let answers = try await withThrowingTaskGroup(of: (String, UInt, String?).self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        let read = try await app.send(.GET, "/subscription-status", headers: headers)
                        return ("read", read.status.code, read.headers.first(name: "RateLimit-Limit"))
                    }
                    group.addTask {
                        let write = try await app.send(.GET, "/csrf-token", headers: headers)
                        return ("write", write.status.code, write.headers.first(name: "RateLimit-Limit"))
                    }
                }
                return try await group.reduce(into: [(String, UInt, String?)]()) { $0.append($1) }
            }
            let reads = answers.filter { $0.0 == "read" }, writes = answers.filter { $0.0 == "write" }
            #expect(reads.filter { $0.1 == 200 }.count == 3, "one read of four was the warm-up")
            #expect(writes.filter { $0.1 == 200 }.count == 6)
            #expect(answers.allSatisfy { $0.1 == 200 || $0.1 == 429 })
            #expect(reads.allSatisfy { $0.2 == "4" } && writes.allSatisfy { $0.2 == "6" })
            #expect(try await CSRFToken.query(on: app.db).filter(\.$userID == user.id).count() == 6)
        }
    }

    /// A token consumed inside a transaction (one statement of it, not batched) while the batcher
    /// consumes the same token on other connections: exactly one wins, whichever commits first.
    @Test func aTokenSpentInATransactionAndByTheBatcherAtOnceHasOneWinner() async throws {
        guard case .postgres(let url)? = TestDatabase.all.last else { return }
        try await withHirebase(on: .postgres(url: url)) { app in
            let user = TestUser()
            _ = try await app.send(.GET, "/csrf-token", as: user)
            let csrf = app.hirebase.csrf
            for _ in 0..<10 {
                let (token, _) = try await csrf.issue(for: user.id, on: app.db)
                let wins = try await withThrowingTaskGroup(of: Bool.self) { group in
                    group.addTask {
                        try await app.db.transaction { tx in
                            let won = try await csrf.consume(token, for: user.id, on: tx)
                            try await Task.sleep(for: .milliseconds(20))
                            return won
                        }
                    }
                    for _ in 0..<4 { group.addTask { try await csrf.consume(token, for: user.id, on: app.db) } }
                    return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
                }
                #expect(wins == 1)
            }
        }
    }

    /// Hostile `Authorization` values (a 100 KB token, tabs, runs of spaces, a vertical tab, a
    /// lone scheme): the fast reading answers as Vapor's getter does.
    @Test(arguments: [
        "Bearer " + String(repeating: "a", count: 100_000), String(repeating: " ", count: 5_000) + "Bearer x",
        "Bearer\t\tx", "\tBearer x", "Bearer x\t", "Bearer \u{0B}x", "bearer    x     ", "BEARER", "Bearer " + String(repeating: " ", count: 1_000),
        "Bearer x " + String(repeating: "é", count: 10), "Bearer x.y.z extra", "Bearer\u{3000}x", "B\u{0}earer x",
    ])
    func hostileAuthorizationValuesAgreeWithVapor(value: String) {
        var headers = HTTPHeaders()
        headers.add(name: .authorization, value: value)
        #expect(headers.bearerToken == headers.bearerAuthorization?.token)
    }
}
