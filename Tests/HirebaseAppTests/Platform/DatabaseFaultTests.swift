import FluentPostgresDriver
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Testing
import Vapor
import VaporTesting
@testable import HirebaseApp

/// Issue 10, database faults: while PostgreSQL cannot be reached, or a pooler in front of it
/// accepts statements and never answers, every request that needs it gets 503 with `Retry-After`
/// and the contract's body within the configured bounds, and the process recovers by itself.
///
/// Bounds are asserted generously ("well under a 30 s proxy timeout"): the machine may be loaded.
@Suite("Database faults")
struct DatabaseFaultTests {
    /// Configures an app on `url` through the server's own database setup (no migrations).
    private func withServer(on url: String, _ environment: [String: String] = [:],
                            _ body: (Application) async throws -> Void) async throws {
        var variables = ["HIREBASE_ENV": "testing", "SUPABASE_JWT_SECRET": testJWTSecret, "LOG_LEVEL": "critical", "DATABASE_URL": url]
        variables.merge(environment) { $1 }
        let config = try AppConfig.load(from: variables) { _ in "" }
        let app = try await Application.make(.testing)
        do {
            try await configure(app, config: config, migrate: false, backgroundJobs: false)
            try await body(app)
        } catch {
            try await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
    }

    private func expectUnavailable(_ response: TestingHTTPResponse, _ comment: Comment? = nil,
                                   sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(response.status == .serviceUnavailable, comment, sourceLocation: sourceLocation)
        #expect(response.code == "service_unavailable", comment, sourceLocation: sourceLocation)
        #expect(response.headers.first(name: "Retry-After") == "5", comment, sourceLocation: sourceLocation)
        #expect(response["requestId"] != nil, comment, sourceLocation: sourceLocation)
    }

    /// A direct URL where nothing listens: refused at once, 503 without waiting for any bound.
    @Test func aClosedPortIs503WithRetryAfter() async throws {
        let port = try await SilentPostgresServer.closedPort()
        try await withServer(on: "postgres://nobody:nothing@127.0.0.1:\(port)/none") { app in
            let started = ContinuousClock.now
            let response = try await app.send(.GET, "/companies", as: TestUser())
            expectUnavailable(response)
            #expect(ContinuousClock.now - started < .seconds(20), "a refused connection answers at once; 20 s leaves room for a loaded machine")
            let ready = try await app.send(.GET, "/health/ready")
            #expect(ready.status == .serviceUnavailable)
            #expect(ready["status"] == "down")
        }
    }

    /// A peer that accepts the TCP connection and never says a word (a hung host, a pooler
    /// that cannot log in upstream): the connect timeout ends the wait.
    @Test func aPeerThatNeverAnswersIs503WithinTheConnectTimeout() async throws {
        let server = try await SilentPostgresServer.start(answersStartup: false)
        try await withServer(on: server.url, ["DATABASE_CONNECT_TIMEOUT_SECONDS": "1", "DATABASE_POOL_TIMEOUT_SECONDS": "2"]) { app in
            let started = ContinuousClock.now
            expectUnavailable(try await app.send(.GET, "/companies", as: TestUser()))
            #expect(ContinuousClock.now - started < .seconds(20), "bounded by the 1 s connect and 2 s pool timeouts")
        }
        try await server.stop()
    }

    /// The pooler's case: the connection opens (PgBouncer logs the client in itself), then every
    /// statement is queued and never answered. Before the deadline the request hung for PgBouncer's
    /// `query_wait_timeout` (120 s by default); now the statement's connection is closed after
    /// `DATABASE_QUERY_TIMEOUT_SECONDS` and the request answers 503, and so does readiness.
    @Test func aPoolerThatQueuesForeverIs503WithinTheQueryTimeout() async throws {
        let server = try await SilentPostgresServer.start(answersStartup: true)
        try await withServer(on: server.url, ["DATABASE_QUERY_TIMEOUT_SECONDS": "1", "DATABASE_MAX_CONNECTIONS": "1"]) { app in
            for _ in 0..<3 {
                // Three in a row: a connection the deadline closed must not hold the one-connection pool.
                let started = ContinuousClock.now
                expectUnavailable(try await app.send(.GET, "/companies", as: TestUser()))
                #expect(ContinuousClock.now - started < .seconds(20), "bounded by the 1 s query timeout")
            }
            let ready = try await app.send(.GET, "/health/ready")
            #expect(ready.status == .serviceUnavailable)
            #expect(ready["status"] == "down")
            // It is the statement's deadline that ended the wait (the start-up exchange succeeded).
            await #expect(throws: DatabaseTimeoutError.self) { try await app.db.sql.raw("SELECT 1").run() }
            await #expect(throws: DatabaseTimeoutError.self) {
                try await app.db.transaction { tx in try await tx.sql.raw("SELECT 1").run() }
            }
        }
        #expect(server.connections >= 3, "each timed-out connection was closed and a new one opened")
        try await server.stop()
    }

    /// PostgreSQL behind a relay that goes silent (nothing closed, nothing answered) and comes
    /// back: 503 with `Retry-After` while silent, then the same app serves again, although
    /// every connection of its pool was stuck in a statement when the path went silent.
    @Test func aSilentPathIs503AndTheSameProcessRecovers() async throws {
        guard case .postgres(let url)? = TestDatabase.all.last else { return }
        guard let (proxy, relayed) = try await FreezableTCPProxy.start(before: url) else { return }
        let user = TestUser()
        try await withHirebase(on: .postgres(url: relayed),
                               // 3 s, not less: the app migrates through the relay first, and a statement of a loaded
                               // suite took longer than 1.5 s.
                               environment: ["DATABASE_QUERY_TIMEOUT_SECONDS": "3", "DATABASE_CONNECT_TIMEOUT_SECONDS": "3"]) { app in
            let created = try await app.send(.POST, "/companies", as: user, json: JSON(["name": "Acme"]))
            #expect(created.status == .created)

            proxy.freeze()
            let started = ContinuousClock.now
            let during = try await app.send(.GET, "/companies", as: user)
            expectUnavailable(during, "while the path is silent")
            #expect(ContinuousClock.now - started < .seconds(20), "bounded by the 3 s timeouts")

            proxy.thaw()
            let recovered = try await eventually(within: 30) {
                try await app.send(.GET, "/companies", as: user).status == .ok
            }
            #expect(recovered, "the same process answers again once the path works")
            let list = try await app.send(.GET, "/companies", as: user)
            #expect(list.status == .ok)
            #expect(String(buffer: list.body).contains("Acme"))
        }
        try await proxy.close()
    }

    /// A transaction whose connection dies under it (PgBouncer's FATAL `server conn crashed?` when
    /// PostgreSQL stops, a terminated backend) cannot be rolled back either: the error thrown is
    /// the transaction's own, not the failed `ROLLBACK`'s. Through PgBouncer the `ROLLBACK`'s error
    /// (PostgresNIO's `unexpectedBackendMessage`) was thrown instead, and the request answered 500
    /// where the cause was a lost database (503).
    @Test(arguments: TestDatabase.all)
    func aFailedRollbackKeepsTheTransactionsError(database: TestDatabase) async throws {
        if case .sqlite = database { return }
        struct Cause: Error {}
        try await withHirebase(on: database) { app in
            let error = await #expect(throws: (any Error).self) {
                try await app.db.transaction { tx in
                    // Ends this transaction's own backend: the connection is closed under it.
                    _ = try? await (tx as! any SQLDatabase).raw("SELECT pg_terminate_backend(pg_backend_pid())").run()
                    throw Cause()
                }
            }
            // The transaction's own error; or, when a statement on the dead connection never
            // completed (seen on a loaded machine, as behind PgBouncer), the deadline's. Never the
            // ROLLBACK's `PSQLError`, which answered 500.
            #expect(error is Cause || error is DatabaseTimeoutError, "\(String(reflecting: error))")
            // The pool dropped the dead connection: the next statement gets a new one.
            let rows = try await (app.db as! any SQLDatabase).raw("SELECT 1 AS one").all()
            #expect(rows.count == 1)
        }
    }

    /// PgBouncer, when PostgreSQL stops as a statement completes, sends FATAL 08P01
    /// `server conn crashed?` after the statement's CommandComplete, where no error is allowed.
    /// PostgresNIO throws `unexpectedBackendMessage` for it and closes the connection; that is a
    /// lost database (503 with `Retry-After`), not a fault of ours (it answered 500, seen in the
    /// multi-instance check d behind PgBouncer).
    @Test func anErrorAfterCommandCompleteIs503() async throws {
        let server = try await SilentPostgresServer.start(answersStartup: true, crashesAfterCommandComplete: true)
        try await withServer(on: server.url, ["DATABASE_QUERY_TIMEOUT_SECONDS": "20", "DATABASE_MAX_CONNECTIONS": "1"]) { app in
            let sql = app.db as! any SQLDatabase
            // The first statement completes; the next one, queued on the same connection before
            // its ReadyForQuery, gets the FATAL. The queueing cannot be observed from outside, so
            // the FATAL is sent half a second after the next statement started, in up to five
            // rounds (each on a new connection) until one statement was queued in time.
            var caught: PSQLError?
            for _ in 0..<5 where caught == nil {
                do {
                    _ = try await sql.raw("SELECT 1").all()
                    let next = Task { try await sql.raw("SELECT 2").all() }
                    try await Task.sleep(for: .milliseconds(500))
                    server.sendPendingFatals()
                    _ = try await next.value
                } catch let error as PSQLError {
                    caught = error
                }
                server.sendPendingFatals()
            }
            let error = try #require(caught, "no statement was queued behind the crashed one in five rounds")
            #expect(error.code == .unexpectedBackendMessage, "the fault this test stands for: \(String(reflecting: error))")
            let answer = ErrorRenderingMiddleware.appError(for: error)
            #expect(answer.status == .serviceUnavailable)
            #expect(answer.headers.first(name: "Retry-After") == "5")
            // The pool dropped the crashed connection: the next statement opens a new one.
            _ = try await sql.raw("SELECT 3").all()
        }
        #expect(server.connections >= 2, "each crashed connection was closed and a new one opened")
        try await server.stop()
    }

    @Test func badPoolSettingsAreProblems() {
        #expect {
            try AppConfig.load(from: [
                "SUPABASE_JWT_SECRET": testJWTSecret, "DATABASE_URL": "postgres://u:p@db/h",
                "DATABASE_MAX_CONNECTIONS": "0", "DATABASE_CONNECT_TIMEOUT_SECONDS": "soon",
                "DATABASE_POOL_TIMEOUT_SECONDS": "-1", "DATABASE_QUERY_TIMEOUT_SECONDS": "0",
            ]) { _ in "x" }
        } throws: { error in
            let problems = (error as? ConfigurationError)?.problems ?? []
            return ["DATABASE_MAX_CONNECTIONS", "DATABASE_CONNECT_TIMEOUT_SECONDS", "DATABASE_POOL_TIMEOUT_SECONDS", "DATABASE_QUERY_TIMEOUT_SECONDS"]
                .allSatisfy { name in problems.contains { $0.contains(name) } }
        }
        #expect(throws: ConfigurationError.self) {
            try AppConfig.load(from: ["SUPABASE_JWT_SECRET": testJWTSecret, "DATABASE_URL": "postgres://u:p@db/h", "DATABASE_MAX_CONNECTIONS": "2.5"]) { _ in "x" }
        }
    }

    @Test func theReportNamesThePoolTheMigrationsAndThePoolerFallback() throws {
        let base = ["SUPABASE_JWT_SECRET": testJWTSecret, "DATABASE_URL": "postgres://u:p@aws-0-eu.pooler.supabase.com:6543/postgres"]
        let pooled = try AppConfig.load(from: base) { _ in "x" }
        #expect(pooled.databaseLimits == .defaults)
        #expect(pooled.migrationDatabase == pooled.database)
        #expect(pooled.report.configured.contains { $0.contains("database pool") && $0.contains("10 s a statement") })
        #expect(pooled.report.warnings.contains { $0.contains("looks like a transaction-mode pooler") && $0.contains("DATABASE_NOTIFICATIONS=off") })

        let direct = try AppConfig.load(from: base.merging([
            "DATABASE_DIRECT_URL": "postgres://u:p@db.example.supabase.co:5432/postgres", "DATABASE_MAX_CONNECTIONS": "12",
            "DATABASE_POOL_TIMEOUT_SECONDS": "20", "DATABASE_QUERY_TIMEOUT_SECONDS": "20",
        ]) { $1 }) { _ in "x" }
        #expect(direct.databaseLimits.maxConnections == 12)
        #expect(direct.migrationDatabase == .postgres(url: "postgres://u:p@db.example.supabase.co:5432/postgres"))
        #expect(direct.report.configured.contains { $0.contains("migrations: over DATABASE_DIRECT_URL") })
        #expect(!direct.report.warnings.contains { $0.contains("looks like a transaction-mode pooler") })
        #expect(direct.report.warnings.contains { $0.contains("30 s proxy timeout") })

        let sqlite = try AppConfig.load(from: ["SUPABASE_JWT_SECRET": testJWTSecret, "DATABASE_QUERY_TIMEOUT_SECONDS": "3"]) { _ in "x" }
        #expect(sqlite.report.warnings.contains { $0.contains("PostgreSQL only; ignored with SQLite") && $0.contains("TIMEOUT") })
    }
}

/// A stand-in for PostgreSQL (or a pooler in front of it) on 127.0.0.1 that never answers a
/// statement. With `answersStartup` it completes the start-up exchange first (trust
/// authentication, as PgBouncer does for a client it logs in itself); without, it says nothing.
final class SilentPostgresServer: Sendable {
    private let channel: any Channel
    private let accepted: NIOLockedValueBox<[any Channel]>
    private let pendingFatals: NIOLockedValueBox<[@Sendable () -> Void]>

    /// Connections accepted so far.
    var connections: Int { accepted.withLockedValue { $0.count } }
    var url: String { "postgres://hirebase:secret@127.0.0.1:\(channel.localAddress?.port ?? 0)/hirebase" }

    private init(channel: any Channel, accepted: NIOLockedValueBox<[any Channel]>,
                 pendingFatals: NIOLockedValueBox<[@Sendable () -> Void]>) {
        self.channel = channel
        self.accepted = accepted
        self.pendingFatals = pendingFatals
    }

    /// Sends the FATAL of every connection that answered a statement's CommandComplete and waits
    /// (`crashesAfterCommandComplete`), and closes those connections.
    func sendPendingFatals() {
        for send in pendingFatals.withLockedValue({ pending in defer { pending = [] }; return pending }) { send() }
    }

    /// Without `crashesAfterCommandComplete` statements are never answered. With it, every
    /// connection answers its first statement as PgBouncer does when PostgreSQL stops under it:
    /// the statement's ParseComplete to CommandComplete, and then, at `sendPendingFatals()`,
    /// FATAL 08P01 `server conn crashed?` where ReadyForQuery belongs, and the connection closes.
    static func start(answersStartup: Bool, crashesAfterCommandComplete: Bool = false) async throws -> SilentPostgresServer {
        let accepted = NIOLockedValueBox([any Channel]())
        let pendingFatals = NIOLockedValueBox([@Sendable () -> Void]())
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { child in
                accepted.withLockedValue { $0.append(child) }
                return child.pipeline.addHandler(StartupOnly(answers: answersStartup, crashes: crashesAfterCommandComplete ? pendingFatals : nil))
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return SilentPostgresServer(channel: channel, accepted: accepted, pendingFatals: pendingFatals)
    }

    /// A loopback port where nothing listens (bound, then closed).
    static func closedPort() async throws -> Int {
        let server = try await start(answersStartup: false)
        let port = server.channel.localAddress?.port ?? 1
        try await server.stop()
        return port
    }

    func stop() async throws {
        for child in accepted.withLockedValue({ $0 }) { try? await child.close() }
        try await channel.close()
    }

    /// Refuses TLS (`N`), answers the start-up message with AuthenticationOk, BackendKeyData and
    /// ReadyForQuery, then ignores every byte (or, with `crashes`, answers the first statement
    /// and fails the connection after its CommandComplete).
    private final class StartupOnly: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let answers: Bool
        /// Where a crashed connection leaves the sending of its FATAL; `nil`: never crash.
        let crashes: NIOLockedValueBox<[@Sendable () -> Void]>?
        private let started = NIOLockedValueBox(false)
        private let crashed = NIOLockedValueBox(false)

        init(answers: Bool, crashes: NIOLockedValueBox<[@Sendable () -> Void]>?) {
            self.answers = answers
            self.crashes = crashes
        }

        /// One backend message: its type byte, then a length that counts itself and the body.
        private static func message(_ type: Character, into buffer: inout ByteBuffer, _ body: (inout ByteBuffer) -> Void) {
            var payload = ByteBuffer()
            body(&payload)
            buffer.writeString(String(type))
            buffer.writeInteger(Int32(4 + payload.readableBytes))
            buffer.writeBuffer(&payload)
        }

        /// PgBouncer's answer to a statement whose server connection died as it completed: the
        /// extended-query replies up to CommandComplete, then `ErrorResponse` FATAL 08P01 where
        /// PostgreSQL's ReadyForQuery would be.
        private func crash(context: ChannelHandlerContext) {
            guard !crashed.withLockedValue({ $0 }) else { return }
            crashed.withLockedValue { $0 = true }
            var reply = context.channel.allocator.buffer(capacity: 128)
            Self.message("1", into: &reply) { _ in }                                  // ParseComplete
            Self.message("t", into: &reply) { $0.writeInteger(Int16(0)) }             // ParameterDescription
            Self.message("T", into: &reply) { body in                                 // RowDescription: one text column
                body.writeInteger(Int16(1))
                body.writeNullTerminatedString("x")
                body.writeInteger(Int32(0)); body.writeInteger(Int16(0))
                body.writeInteger(Int32(25)); body.writeInteger(Int16(-1)); body.writeInteger(Int32(-1)); body.writeInteger(Int16(0))
            }
            Self.message("2", into: &reply) { _ in }                                  // BindComplete
            Self.message("C", into: &reply) { $0.writeNullTerminatedString("SELECT 0") } // CommandComplete
            context.writeAndFlush(wrapOutboundOut(reply), promise: nil)
            // The FATAL comes later, when the connection is back in the pool and the next
            // statement is queued on it: that statement is the one that fails.
            let fatal = {
                var buffer = ByteBuffer()
                Self.message("E", into: &buffer) { body in                             // ErrorResponse
                    for (field, value) in [("S", "FATAL"), ("V", "FATAL"), ("C", "08P01"), ("M", "server conn crashed?")] {
                        body.writeString(field); body.writeNullTerminatedString(value)
                    }
                    body.writeInteger(UInt8(0))
                }
                return buffer
            }()
            let channel = context.channel
            crashes?.withLockedValue { pending in
                pending.append { channel.writeAndFlush(fatal).whenComplete { _ in channel.close(promise: nil) } }
            }
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            guard answers else { return }
            guard !started.withLockedValue({ $0 }) else {
                if crashes != nil { crash(context: context) }
                return
            }
            var message = unwrapInboundIn(data)
            var reply = context.channel.allocator.buffer(capacity: 32)
            // SSLRequest: length 8, code 80877103.
            if message.readableBytes == 8, message.getInteger(at: message.readerIndex + 4, as: Int32.self) == 80_877_103 {
                reply.writeString("N")
            } else {
                started.withLockedValue { $0 = true }
                reply.writeString("R"); reply.writeInteger(Int32(8)); reply.writeInteger(Int32(0))
                reply.writeString("K"); reply.writeInteger(Int32(12)); reply.writeInteger(Int32(4242)); reply.writeInteger(Int32(1))
                reply.writeString("Z"); reply.writeInteger(Int32(5)); reply.writeString("I")
            }
            message.moveReaderIndex(forwardBy: message.readableBytes)
            context.writeAndFlush(wrapOutboundOut(reply), promise: nil)
        }
    }
}
