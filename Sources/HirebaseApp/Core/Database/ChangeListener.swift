import Logging
import NIOConcurrencyHelpers
import NIOCore
import FluentPostgresDriver
import PostgresNIO
import Vapor

/// Receives every instance's `ChangeAnnouncement`s: one PostgreSQL connection of its own (a
/// session, so never through a transaction-mode pooler: `DATABASE_DIRECT_URL`) that runs
/// `LISTEN hirebase_changes` and hands each notification to `deliver`.
///
/// - `deliver(.listening)` once `LISTEN` is in place, `deliver(.interrupted)` when the
///   connection is lost or cannot be opened: between the two, announcements may have been
///   missed, so a cache that relies on them must fall back to its short TTL.
/// - A lost connection is opened again after 0.5 s, doubling up to 30 s.
/// - A heartbeat (`SELECT 1` every `heartbeat`, answered within 5 s, else the connection is
///   closed) notices a connection that died without closing (a dropped network path), which
///   `LISTEN` alone never would: within `heartbeat` + 5 s.
final class ChangeListener: LifecycleHandler, Sendable {
    /// What the listener reports.
    enum Event: Sendable, Equatable {
        case listening
        case interrupted
        case announced(ChangeAnnouncement)
    }

    private let configuration: PostgresConnection.Configuration
    private let eventLoopGroup: any EventLoopGroup
    private let logger: Logger
    private let heartbeat: Duration
    private let deliver: @Sendable (Event) -> Void
    private let task = NIOLockedValueBox<Task<Void, Never>?>(nil)

    /// - Parameters:
    ///   - url: a `postgres://` URL of a direct (session) connection.
    ///   - heartbeat: how often the connection is checked.
    ///   - applicationName: the session's `application_name` (what `pg_stat_activity` shows).
    ///   - deliver: called for each event, on the listener's task; must not block.
    /// - Throws: when `url` cannot be read.
    init(url: String, eventLoopGroup: any EventLoopGroup, logger: Logger, heartbeat: Duration = .seconds(10),
         applicationName: String = "hirebase-listener", deliver: @escaping @Sendable (Event) -> Void) throws {
        var configuration = try SQLPostgresConfiguration(url: url).coreConfiguration
        configuration.options.additionalStartupParameters.append(("application_name", applicationName))
        self.configuration = configuration
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
        self.heartbeat = heartbeat
        self.deliver = deliver
    }

    /// Starts listening in the background (again after `stop`).
    func start() {
        task.withLockedValue { task in
            guard task == nil else { return }
            task = Task { await self.run() }
        }
    }

    /// Stops listening and waits until the connection is closed.
    func stop() async {
        let running = task.withLockedValue { task in
            defer { task = nil }
            return task
        }
        running?.cancel()
        await running?.value
    }

    func didBootAsync(_ application: Application) async throws { start() }

    func shutdownAsync(_ application: Application) async { await stop() }

    private func run() async {
        var failures = 0
        while !Task.isCancelled {
            let listened = NIOLockedValueBox(false)
            do {
                try await listenOnce { listened.withLockedValue { $0 = true } }
            } catch is CancellationError {
            } catch {
                if !Task.isCancelled {
                    logger.warning("change notifications interrupted; caches fall back to their TTL", metadata: ["error": .string(String(reflecting: error))])
                }
            }
            deliver(.interrupted)
            guard !Task.isCancelled else { return }
            // Back-off starts over after a connection that worked.
            failures = listened.withLockedValue { $0 } ? 1 : failures + 1
            let delay = min(30.0, 0.5 * pow(2.0, Double(min(failures - 1, 10))))
            try? await Task.sleep(for: .milliseconds(Int(delay * 1000)))
        }
    }

    private struct ConnectionEnded: Error {}
    private struct HeartbeatTimedOut: Error {}

    private struct SetupTimedOut: Error {}

    /// Opens the connection within `setupLimit`: on a silent path the TCP connect may succeed
    /// and the start-up exchange never answer. A connection that opens after the limit is closed.
    private func connect(on loop: any EventLoop) async throws -> PostgresConnection {
        let promise = loop.makePromise(of: PostgresConnection.self)
        let timedOut = NIOLockedValueBox(false)
        let timer = loop.scheduleTask(in: Self.setupLimit) {
            timedOut.withLockedValue { $0 = true }
            promise.fail(SetupTimedOut())
        }
        PostgresConnection.connect(on: loop, configuration: configuration, id: 1, logger: logger).whenComplete { result in
            timer.cancel()
            switch result {
            case .success(let connection):
                if timedOut.withLockedValue({ $0 }) { connection.close().whenComplete { _ in } } else { promise.succeed(connection) }
            case .failure(let error):
                promise.fail(error)
            }
        }
        return try await promise.futureResult.get()
    }

    /// The longest wait for a connection, and then for its `LISTEN`.
    static let setupLimit = TimeAmount.seconds(10)

    private func listenOnce(connected: @Sendable () -> Void) async throws {
        let loop = eventLoopGroup.next()
        let connection = try await connect(on: loop)
        // `LISTEN` may wait for an answer that never comes, too: closing ends the wait.
        let setup = loop.scheduleTask(in: Self.setupLimit) { connection.close().whenComplete { _ in } }
        do {
            try await connection.listen(on: ChangeAnnouncement.channel) { notifications in
                setup.cancel()
                connected()
                deliver(.listening)
                logger.info("listening for change announcements")
                try await withThrowingTaskGroup(of: Void.self) { group in
                    let (deliver, heartbeat, logger) = (self.deliver, self.heartbeat, self.logger)
                    group.addTask {
                        for try await notification in notifications {
                            if let change = ChangeAnnouncement(payload: notification.payload) { deliver(.announced(change)) }
                        }
                        throw ConnectionEnded()
                    }
                    group.addTask {
                        while true {
                            try await Task.sleep(for: heartbeat)
                            // On a silent connection the query never answers and cannot be
                            // cancelled: closing the connection is what ends it (and the listen).
                            try await Self.withDeadline(.seconds(5), onExpiry: { connection.close().whenComplete { _ in } }) {
                                _ = try await connection.query("SELECT 1", logger: logger).collect()
                            }
                        }
                    }
                    defer { group.cancelAll() }
                    try await group.next()
                }
            }
        } catch {
            setup.cancel()
            try? await connection.close()
            throw error
        }
        setup.cancel()
        try? await connection.close()
    }

    /// Runs `body`, or calls `onExpiry` after `limit` and throws `HeartbeatTimedOut`. The group
    /// still waits for `body` to end: `onExpiry` must make it end (a query does not heed
    /// cancellation while it waits for its answer).
    private static func withDeadline(_ limit: Duration, onExpiry: @escaping @Sendable () -> Void,
                                     _ body: @escaping @Sendable () async throws -> Void) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: limit)
                onExpiry()
                throw HeartbeatTimedOut()
            }
            defer { group.cancelAll() }
            try await group.next()
        }
    }
}

extension ChangeListener {
    /// The listener that keeps `services`' caches fresh, when `config` names a connection for it.
    /// - Parameter applicationName: the listener session's `application_name`.
    static func make(for app: Application, config: AppConfig, services: HirebaseServices,
                     applicationName: String = "hirebase-listener") throws -> ChangeListener? {
        guard case .postgres(let url)? = config.changeNotifications else { return nil }
        let cache = services.billing.cache
        return try ChangeListener(url: url, eventLoopGroup: app.eventLoopGroup, logger: Logger(label: "hirebase.notifications"),
                                  applicationName: applicationName) { event in
            switch event {
            case .listening: cache.setFreshness(.announced)
            case .interrupted: cache.setFreshness(.unannounced)
            case .announced(.billing(let userID)): cache.drop(userID)
            case .announced(.usage(let userID)): cache.dropUsage(userID)
            }
        }
    }
}
