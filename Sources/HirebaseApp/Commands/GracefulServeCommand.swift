@preconcurrency import Dispatch
import Foundation
import NIOConcurrencyHelpers
import Vapor

/// `hirebase serve`: Vapor's `serve` (the same options) with the shutdown a rolling deploy
/// behind a load balancer needs. On SIGTERM or SIGINT:
///
/// 1. **drain** for `SHUTDOWN_DRAIN_SECONDS` (`--drain-seconds`): requests are served as before,
///    with `Connection: close` (`DrainingMiddleware`), while `GET /health/ready` answers 503
///    `draining`, so that a balancer polling it takes the instance out before anything is refused;
/// 2. **stop**: the listener closes (new connections are refused; a proxy retries them on another
///    instance), idle keep-alive connections are closed, and in-flight requests are answered,
///    within `SHUTDOWN_GRACE_SECONDS` (`--grace-seconds`);
/// 3. `execute` returns and the application shuts down: lifecycle handlers (job workers release
///    their leases, listeners) and then the databases.
///
/// A second signal during the drain ends it at once. Should the whole stop take more than the
/// grace plus 10 s (a handler that hangs), the process exits with status 1 anyway.
final class GracefulServeCommand: AsyncCommand, Sendable {
    struct Signature: CommandSignature, Sendable {
        @Option(name: "hostname", short: "H", help: "Set the hostname the server will run on.")
        var hostname: String?

        @Option(name: "port", short: "p", help: "Set the port the server will run on.")
        var port: Int?

        @Option(name: "bind", short: "b", help: "Convenience for setting hostname and port together.")
        var bind: String?

        @Option(name: "unix-socket", short: nil, help: "Set the path for the unix domain socket file the server will bind to.")
        var socketPath: String?

        @Option(name: "drain-seconds", short: nil, help: "Seconds to keep serving after SIGTERM while /health/ready answers 503 (overrides SHUTDOWN_DRAIN_SECONDS).")
        var drainSeconds: Double?

        @Option(name: "grace-seconds", short: nil, help: "Seconds in-flight work may take after the drain (overrides SHUTDOWN_GRACE_SECONDS).")
        var graceSeconds: Double?

        init() {}
    }

    /// What a command line asks for, checked.
    struct Plan: Equatable, Sendable {
        /// `nil`: the server's configured default (127.0.0.1:8080).
        var address: BindAddress?
        var drainSeconds: Double
        var graceSeconds: Double
    }


    let signature = Signature()

    /// Whether an overdue stop ends the process (`exit(1)` at the grace plus 10 s); off in tests,
    /// which run the stop inside the test process.
    let exitsWhenOverdue: Bool

    /// - Parameter exitsWhenOverdue: see the property; true for the `hirebase` executable.
    init(exitsWhenOverdue: Bool = true) {
        self.exitsWhenOverdue = exitsWhenOverdue
    }

    var help: String { "Begins serving the app over HTTP; on SIGTERM drains, then stops within a grace period." }

    private struct Running {
        var server: (any Server)?
        var promise: EventLoopPromise<Void>?
        var signalSources: [any DispatchSourceSignal] = []
        var drain: Task<Void, Never>?
        var stopping = false
    }

    private let running = NIOLockedValueBox(Running())

    /// Reads the options over the configured defaults (`SHUTDOWN_DRAIN_SECONDS`, `SHUTDOWN_GRACE_SECONDS`).
    ///
    /// - Throws: `CommandUsageError` for options that contradict each other (a socket and a port, `--bind`
    ///   and `--hostname`), a `--bind` that is not `host:port`, or seconds outside the settings' ranges.
    static func plan(_ signature: Signature, drainDefault: Double, graceDefault: Double) throws -> Plan {
        let address: BindAddress?
        switch (signature.hostname, signature.port, signature.bind, signature.socketPath) {
        case (.none, .none, .none, .none):
            address = nil
        case (.none, .none, .none, .some(let path)):
            address = .unixDomainSocket(path: path)
        case (.none, .none, .some(let bind), .none):
            let parts = bind.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, let port = Int(parts[1]), (0...65535).contains(port) else {
                throw CommandUsageError("--bind must be host:port (got \(bind))")
            }
            address = .hostname(String(parts[0]), port: port)
        case (let hostname, let port, .none, .none):
            if let port, !(0...65535).contains(port) { throw CommandUsageError("--port must be in 0...65535") }
            address = .hostname(hostname, port: port)
        default:
            throw CommandUsageError("--unix-socket, --bind and --hostname/--port exclude each other")
        }
        let drain = signature.drainSeconds ?? drainDefault
        let grace = signature.graceSeconds ?? graceDefault
        guard drain.isFinite, (0...300).contains(drain) else { throw CommandUsageError("--drain-seconds must be in 0...300") }
        guard grace.isFinite, (0...3600).contains(grace) else { throw CommandUsageError("--grace-seconds must be in 0...3600") }
        return Plan(address: address, drainSeconds: drain, graceSeconds: grace)
    }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let config = app.hirebase.config
        let plan = try Self.plan(signature, drainDefault: config.shutdownDrainSeconds, graceDefault: config.shutdownGraceSeconds)
        try await start(app, plan: plan)

        let sources = TerminationSignals.observe(label: "hirebase.serve.signals", logger: app.logger) { [self] _ in
            self.requestStop(app, plan: plan)
        }
        running.withLockedValue { $0.signalSources = sources }
    }

    /// Starts the HTTP server and marks the application running (what `execute` waits for).
    func start(_ app: Application, plan: Plan) async throws {
        // Vapor bounds the quiescing of the server by this (its own default is 10 s).
        app.http.server.configuration.shutdownTimeout = .milliseconds(Int64(plan.graceSeconds * 1000))
        let server = app.server
        try await server.start(address: plan.address)
        let promise = app.eventLoopGroup.next().makePromise(of: Void.self)
        app.running = .start(using: promise)
        running.withLockedValue {
            $0.server = server
            $0.promise = promise
        }
        // Stopped without a signal (`app.running.stop()`): still close the server, at once.
        promise.futureResult.whenComplete { [self] _ in
            let server = running.withLockedValue { state -> (any Server)? in
                state.signalSources.forEach { $0.cancel() }
                state.signalSources = []
                guard !state.stopping else { return nil }
                state.stopping = true
                return state.server
            }
            if let server { Task { await server.shutdown() } }
        }
    }

    /// The first call drains then stops; a call during the drain ends the drain at once.
    func requestStop(_ app: Application, plan: Plan) {
        let state = app.shutdownState
        if !state.beginDraining(drain: .milliseconds(Int64(plan.drainSeconds * 1000)), grace: .milliseconds(Int64(plan.graceSeconds * 1000))) {
            running.withLockedValue { $0.drain }?.cancel()
            return
        }
        let drain = Task {
            if plan.drainSeconds > 0 {
                app.logger.notice("shutdown: draining; /health/ready answers 503", metadata: [
                    "drain-seconds": .stringConvertible(plan.drainSeconds), "grace-seconds": .stringConvertible(plan.graceSeconds)])
                try? await Task.sleep(for: .milliseconds(Int64(plan.drainSeconds * 1000)))
            }
        }
        running.withLockedValue { $0.drain = drain }
        Task {
            await drain.value
            await self.stop(app, plan: plan)
        }
    }

    /// Closes the listener, lets in-flight requests finish within the grace, then lets `execute`
    /// return (the application's shutdown follows in `Bootstrap`).
    func stop(_ app: Application, plan: Plan) async {
        let grace = Duration.milliseconds(Int64(plan.graceSeconds * 1000))
        app.shutdownState.beginStopping(grace: grace)
        let (server, promise) = running.withLockedValue { state -> ((any Server)?, EventLoopPromise<Void>?) in
            guard !state.stopping else { return (nil, nil) }
            state.stopping = true
            return (state.server, state.promise)
        }
        guard let promise else { return }
        app.logger.notice("shutdown: listener closed; finishing in-flight requests", metadata: ["grace-seconds": .stringConvertible(plan.graceSeconds)])
        if exitsWhenOverdue {
            let logger = app.logger
            Thread.detachNewThread {
                // A thread, not a task: a stuck cooperative pool must not keep the bound from firing.
                Thread.sleep(forTimeInterval: plan.graceSeconds + 10)
                logger.critical("shutdown: not finished within the grace period plus 10 s; exiting", metadata: [
                    "grace-seconds": .stringConvertible(plan.graceSeconds)])
                exit(1)
            }
        }
        let started = ContinuousClock.now
        await server?.shutdown()
        let took = started.duration(to: .now)
        app.logger.notice("shutdown: HTTP server stopped", metadata: [
            "duration-ms": .stringConvertible(took.components.seconds * 1000 + took.components.attoseconds / 1_000_000_000_000_000)])
        promise.succeed(())
    }
}
