import Fluent
import Foundation
import Logging
import NIOConcurrencyHelpers
import Vapor

/// The workers of one process: `count` loops that claim and run due jobs, and one scheduler that
/// queues the periodic jobs' runs. Started by `serve` (`JOB_WORKERS`, 0 = none) and by
/// `hirebase worker`.
///
/// Shutdown (SIGTERM): the loops stop claiming; jobs already running may finish within `grace`;
/// after that they are cancelled and their leases released, so another instance takes them at
/// once instead of after the lease.
public final class BackgroundWorkers: LifecycleHandler, Sendable {
    let count: Int
    /// Seconds between looks for due jobs when none was due.
    let pollSeconds: Double
    /// How long a shutdown waits for running jobs.
    let grace: Duration
    let runner: @Sendable () -> BackgroundJobRunner
    let database: @Sendable () -> any Database
    /// True once the process is shutting down (no new claims from then on).
    let stopClaiming: @Sendable () -> Bool
    /// When running jobs must be done by, if the process has set a deadline (`serve`).
    let shutdownDeadline: @Sendable () -> ContinuousClock.Instant?
    let logger = Logger(label: "hirebase.jobs")
    /// Names of this process's workers (`host:pid:n`), as stored in `locked_by`.
    let workerNames: [String]
    private let state = NIOLockedValueBox<(stopping: Bool, tasks: [Task<Void, Never>])>((false, []))

    /// - Parameters:
    ///   - runner: read when starting (the app's runner, built by `ServiceFactory`).
    ///   - database: the database the workers use (read when starting).
    ///   - stopClaiming: true once no new job may be claimed (a shutdown began).
    ///   - shutdownDeadline: the moment running jobs must be done by, when the process set one;
    ///     otherwise `grace` from the call to `stop`.
    public init(count: Int, pollSeconds: Double, grace: Duration, runner: @escaping @Sendable () -> BackgroundJobRunner,
                database: @escaping @Sendable () -> any Database, stopClaiming: @escaping @Sendable () -> Bool = { false },
                shutdownDeadline: @escaping @Sendable () -> ContinuousClock.Instant? = { nil }) {
        self.count = count
        self.pollSeconds = pollSeconds
        self.grace = grace
        self.runner = runner
        self.database = database
        self.stopClaiming = stopClaiming
        self.shutdownDeadline = shutdownDeadline
        let host = ProcessInfo.processInfo.hostName
        let pid = ProcessInfo.processInfo.processIdentifier
        let instance = UUID().uuidString.prefix(8).lowercased()
        self.workerNames = (0..<count).map { "\(host):\(pid):\(instance):\($0)" }
    }

    /// The workers of `app` per its configuration: they stop claiming as soon as a SIGTERM
    /// begins the drain (`app.shutdownState`), and running jobs have until `serve`'s shutdown
    /// deadline (the end of the drain plus `SHUTDOWN_GRACE_SECONDS`).
    static func make(for app: Application, config: AppConfig, count: Int) -> BackgroundWorkers {
        let shutdown = app.shutdownState
        return BackgroundWorkers(count: count, pollSeconds: config.jobs.pollSeconds, grace: .milliseconds(Int(config.shutdownGraceSeconds * 1000)),
                                 runner: { app.hirebase.backgroundJobs }, database: { app.db }, stopClaiming: { shutdown.isShuttingDown },
                                 shutdownDeadline: { shutdown.graceDeadline })
    }

    var isStopping: Bool { state.withLockedValue { $0.stopping } || stopClaiming() }

    public func didBootAsync(_ application: Application) async throws {
        start()
    }

    /// Starts the loops and the scheduler.
    func start() {
        guard count > 0 else { return }
        let runner = self.runner()
        let db = database()
        var tasks: [Task<Void, Never>] = workerNames.map { name in
            Task { [self] in
                // While the database is unreachable the wait doubles, up to 30 s, so a stopped
                // database costs a log line per worker now and then rather than every poll.
                var wait = pollSeconds
                while !isStopping {
                    switch await runner.runNext(worker: name, on: db) {
                    case .ran:
                        wait = pollSeconds
                    case .idle:
                        wait = pollSeconds
                        await pause(pollSeconds)
                    case .unavailable:
                        await pause(wait)
                        wait = min(max(wait * 2, pollSeconds), 30)
                    }
                }
            }
        }
        if !runner.periodic.isEmpty {
            tasks.append(Task { [self] in
                while !isStopping {
                    do {
                        try await runner.enqueuePeriodic(on: db)
                        // This period's runs are queued (here or by another instance): nothing to
                        // do until the next period starts.
                        await pause(runner.secondsUntilNextPeriod())
                    } catch {
                        logger.warning("periodic jobs could not be queued", metadata: ["error": .string(BackgroundJobRunner.describe(error))])
                        await pause(pollSeconds)
                    }
                }
            })
        }
        state.withLockedValue { $0.tasks = tasks }
        logger.info("job workers started", metadata: ["count": .stringConvertible(count)])
    }

    /// Sleeps `seconds`, waking early (within 100 ms) when stopping.
    private func pause(_ seconds: Double) async {
        let deadline = ContinuousClock.now.advanced(by: .milliseconds(Int(seconds * 1000)))
        while !isStopping, ContinuousClock.now < deadline {
            try? await Task.sleep(for: min(.milliseconds(100), deadline - ContinuousClock.now))
        }
    }

    public func shutdownAsync(_ application: Application) async {
        await stop()
    }

    /// Stops claiming, waits up to `grace` for running jobs, then cancels them and releases their
    /// leases.
    func stop() async {
        let tasks = state.withLockedValue { state -> [Task<Void, Never>] in
            state.stopping = true
            defer { state.tasks = [] }
            return state.tasks
        }
        guard !tasks.isEmpty else { return }
        // Polled rather than raced in a task group: a group waits for all its children, and
        // waiting for a task's value does not end when the waiter is cancelled.
        let allDone = NIOLockedValueBox(false)
        Task {
            for task in tasks { await task.value }
            allDone.withLockedValue { $0 = true }
        }
        // `serve`'s shutdown deadline when there is one (it also bounds the whole process), else
        // the grace from now (`hirebase worker`, tests).
        let deadline = shutdownDeadline() ?? ContinuousClock.now.advanced(by: grace)
        while !allDone.withLockedValue({ $0 }), ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
        let finished = allDone.withLockedValue { $0 }
        if !finished {
            for task in tasks { task.cancel() }
            let released = (try? await BackgroundJobStore().release(heldBy: workerNames, now: Date(), on: database())) ?? 0
            logger.warning("job workers stopped before their jobs finished; leases released", metadata: ["released": .stringConvertible(released)])
        } else {
            logger.info("job workers stopped")
        }
    }
}
