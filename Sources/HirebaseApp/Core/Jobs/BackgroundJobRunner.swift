import Fluent
import Foundation
import Logging

/// Why a job's run failed, and whether another run may succeed.
public struct BackgroundJobFailure: Error, Sendable, Equatable {
    /// A short, safe description (stored in `last_error`; no secret, no personal data).
    public var message: String
    /// `false`: the job becomes `dead` at once (retrying cannot help).
    public var retryable: Bool

    public init(_ message: String, retryable: Bool = true) {
        self.message = message
        self.retryable = retryable
    }
}

/// One kind of job: its name, its retry policy and what a run does.
public struct BackgroundJobKind: Sendable {
    public typealias Handler = @Sendable (ClaimedJob, any Database) async throws -> Void

    /// The name stored in `background_jobs.kind`.
    public var name: String
    /// Runs before the job is `dead` (stored on each job when queued).
    public var maxAttempts: Int
    /// The first retry's delay in seconds; each further one doubles (see `RetryBackoff`).
    public var retryBaseSeconds: Double
    /// Runs the job. Throws `BackgroundJobFailure` (or anything, counted as retryable).
    public var run: Handler
    /// Runs once the job is `dead`, whichever way it died: a non-retryable failure, its last
    /// attempt failed, or its last attempt interrupted (the worker died holding it, so `run` never
    /// got to say so). Makes the death visible where users look (the grading's `failed`). An error
    /// thrown here is logged; the job stays dead.
    public var onDead: Handler?

    public init(name: String, maxAttempts: Int, retryBaseSeconds: Double, onDead: Handler? = nil, run: @escaping Handler) {
        self.name = name
        self.maxAttempts = maxAttempts
        self.retryBaseSeconds = retryBaseSeconds
        self.onDead = onDead
        self.run = run
    }
}

/// A job queued once per period across all instances (the sweeps): its run for the period
/// starting at `t` is keyed `"<kind>@<t>"`, so only the first instance to queue it does.
public struct PeriodicJob: Sendable {
    public var kind: String
    /// The period in seconds.
    public var interval: Double

    public init(kind: String, interval: Double) {
        self.kind = kind
        self.interval = interval
    }

    /// The unique key of the run for the period containing `date`.
    func key(at date: Date) -> String {
        let start = (date.timeIntervalSince1970 / interval).rounded(.down) * interval
        return "\(kind)@\(Int64(start * 1000))"
    }
}

/// Exponential backoff with "equal jitter" (AWS Architecture Blog, "Exponential Backoff And
/// Jitter", 2015): the n-th retry waits between half and all of `base × 2^(n-1)`, at most an hour,
/// so retries of many jobs failed together (a provider outage) spread out instead of returning
/// together.
public struct RetryBackoff: Sendable {
    /// A number in 0..<1 (`Double.random` unless a test fixes it).
    let random: @Sendable () -> Double

    public init(random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }) {
        self.random = random
    }

    /// The delay in seconds after failed attempt `attempt` (1-based).
    public func delay(afterAttempt attempt: Int, base: Double) -> Double {
        let full = min(base * pow(2, Double(max(attempt, 1) - 1)), 3600)
        return full / 2 + full / 2 * random()
    }
}

/// Claims and runs jobs of the known kinds: the one place that decides what a job's outcome does
/// to its row (done, retried with backoff, dead).
///
/// A run holds a lease of `lease` seconds, renewed every third of it while it runs, so a long
/// run keeps its job and a killed process's job is taken over once the lease lapses (at-least-once:
/// handlers are idempotent — an e-mail carries its outbox id as the provider's idempotency key).
public struct BackgroundJobRunner: Sendable {
    let kinds: [String: BackgroundJobKind]
    public let periodic: [PeriodicJob]
    let store: BackgroundJobStore
    let clock: WallClock
    /// Seconds a claim holds a job before another worker may take it over.
    let lease: Double
    let backoff: RetryBackoff
    let logger: Logger
    /// Where runs' outcomes are counted (`hirebase_jobs_*_total{kind}`).
    let metrics: JobQueueMetrics

    /// - Parameter metrics: the app's (`HirebaseMetrics.jobs`); by default counted nowhere.
    init(kinds: [BackgroundJobKind], periodic: [PeriodicJob], store: BackgroundJobStore = BackgroundJobStore(), clock: WallClock,
         lease: Double, backoff: RetryBackoff = RetryBackoff(), logger: Logger, metrics: JobQueueMetrics = .discarded) {
        self.kinds = Dictionary(kinds.map { ($0.name, $0) }) { first, _ in first }
        self.periodic = periodic
        self.store = store
        self.clock = clock
        self.lease = lease
        self.backoff = backoff
        self.logger = logger
        self.metrics = metrics
    }

    /// The registered kinds' names, sorted: the `kind` label's values besides `other`.
    var kindNames: [String] { kinds.keys.sorted() }

    /// Queues a job of a known kind with that kind's attempt limit.
    /// - Throws: a database error; a programming error (500) for an unknown kind.
    @discardableResult
    public func enqueue(_ kind: String, payload: String? = nil, uniqueKey: String? = nil, runAt: Date? = nil, on db: any Database) async throws -> Bool {
        guard let registered = kinds[kind] else { throw AppError(.internalServerError, detail: "Internal server error") }
        let now = clock.now()
        return try await store.enqueue(kind: kind, payload: payload, uniqueKey: uniqueKey, maxAttempts: registered.maxAttempts,
                                       runAt: runAt ?? now, now: now, on: db)
    }

    /// Queues each periodic job's run for the current period unless some instance did.
    /// - Returns: how many this call queued.
    @discardableResult
    public func enqueuePeriodic(on db: any Database) async throws -> Int {
        let now = clock.now()
        var queued = 0
        for job in periodic where try await enqueue(job.kind, uniqueKey: job.key(at: now), runAt: now, on: db) {
            queued += 1
        }
        return queued
    }

    /// What one look at the queue did.
    public enum Outcome: Sendable, Equatable {
        /// A job was claimed and run to its outcome.
        case ran
        /// No job was due.
        case idle
        /// The queue could not be read (the database is unreachable); logged.
        case unavailable
    }

    /// Seconds until the earliest periodic job's next period starts (a few milliseconds past it,
    /// so the key read then is the new period's).
    func secondsUntilNextPeriod() -> Double {
        let now = clock.now().timeIntervalSince1970
        let left = periodic.map { $0.interval - now.truncatingRemainder(dividingBy: $0.interval) }.min() ?? 1
        return left + 0.005
    }

    /// Claims one due job and runs it to its outcome.
    public func runNext(worker: String, on db: any Database) async -> Outcome {
        let claimed: ClaimedJob?
        do {
            let now = clock.now()
            claimed = try await store.claim(worker: worker, at: now, leaseUntil: now.addingTimeInterval(lease), on: db)
        } catch {
            logger.warning("job queue unreachable", metadata: ["worker": .string(worker), "error": .string(Self.describe(error))])
            return .unavailable
        }
        guard let job = claimed else { return .idle }
        await run(job, worker: worker, on: db)
        return .ran
    }

    /// Runs every job due now, one after another (tests and `hirebase worker --once`).
    /// - Returns: how many ran.
    @discardableResult
    public func runDue(worker: String = "inline", on db: any Database) async -> Int {
        var count = 0
        while await runNext(worker: worker, on: db) == .ran { count += 1 }
        return count
    }

    private func run(_ job: ClaimedJob, worker: String, on db: any Database) async {
        var metadata: Logger.Metadata = ["job-id": .string(job.id.lowercased), "kind": .string(job.kind),
                                         "attempt": .stringConvertible(job.attempt), "worker": .string(worker)]
        let outcome: BackgroundJobFailure?
        if job.attempt > job.maxAttempts {
            // Taken over after its last attempt's lease lapsed: that worker died with it (a crash,
            // kill -9, out of memory), perhaps because of this job. Running it again and again
            // would crash one instance after another; it is dead until a person requeues it.
            outcome = BackgroundJobFailure("its last attempt was interrupted (the worker died holding it)", retryable: false)
        } else if let kind = kinds[job.kind] {
            outcome = await withLeaseRenewed(job, worker: worker, on: db) {
                do {
                    try await kind.run(job, db)
                    return nil
                } catch let failure as BackgroundJobFailure {
                    return failure
                } catch {
                    return BackgroundJobFailure(Self.describe(error))
                }
            }
        } else {
            outcome = BackgroundJobFailure("no handler for kind \(job.kind)", retryable: false)
        }
        if outcome != nil, Task.isCancelled {
            // Cancelled by a shutdown past its grace: not a failure of the job. Its lease is
            // released (`BackgroundWorkers.stop`) or lapses; the attempt is not counted, and a
            // last attempt does not make it dead.
            logger.notice("job interrupted by shutdown", metadata: metadata)
            return
        }
        let now = clock.now()
        do {
            let held: Bool
            let message: Logger.Message
            let level: Logger.Level
            let counted: JobQueueMetrics.RunOutcome
            if let failure = outcome {
                metadata["error"] = .string(failure.message)
                if failure.retryable, !job.isFinalAttempt {
                    let delay = backoff.delay(afterAttempt: job.attempt, base: kinds[job.kind]?.retryBaseSeconds ?? 5)
                    held = try await store.retry(job.id, worker: worker, at: now.addingTimeInterval(delay), error: failure.message, now: now, on: db)
                    metadata["retry-in-s"] = .stringConvertible((delay * 1000).rounded() / 1000)
                    (message, level, counted) = ("job failed; will retry", .warning, .retried)
                } else {
                    held = try await store.bury(job.id, worker: worker, error: failure.message, now: now, on: db)
                    (message, level, counted) = ("job dead", .error, .dead)
                }
            } else {
                held = try await store.complete(job.id, worker: worker, at: now, on: db)
                (message, level, counted) = ("job done", .debug, .completed)
            }
            guard held else {
                // The lease lapsed and another worker took the job over: its outcome counts.
                logger.warning("job outcome not recorded: the lease was taken over by another worker", metadata: metadata)
                return
            }
            metrics.record(counted, kind: kinds[job.kind] == nil ? JobQueueMetrics.otherKind : job.kind)
            logger.log(level: level, message, metadata: metadata)
            if counted == .dead, let onDead = kinds[job.kind]?.onDead {
                do {
                    try await onDead(job, db)
                } catch {
                    metadata["hook-error"] = .string(Self.describe(error))
                    logger.error("the dead job's follow-up failed", metadata: metadata)
                }
            }
        } catch {
            // The lease lapses and another run takes the job over: nothing is lost.
            metadata["store-error"] = .string(Self.describe(error))
            logger.error("job outcome could not be saved", metadata: metadata)
        }
    }

    /// Runs `body` while renewing the job's lease every third of `lease`.
    private func withLeaseRenewed(_ job: ClaimedJob, worker: String, on db: any Database,
                                  _ body: @escaping @Sendable () async -> BackgroundJobFailure?) async -> BackgroundJobFailure? {
        let (store, clock, lease, logger) = (self.store, self.clock, self.lease, self.logger)
        return await withTaskGroup(of: BackgroundJobFailure?.self) { group in
            group.addTask {
                while true {
                    try? await Task.sleep(for: .milliseconds(Int(lease * 1000 / 3)))
                    if Task.isCancelled { return nil }
                    let held = (try? await store.renew(job.id, worker: worker, until: clock.now().addingTimeInterval(lease), on: db)) ?? true
                    if !held {
                        logger.warning("job lease lost to another worker", metadata: ["job-id": .string(job.id.lowercased), "worker": .string(worker)])
                        return nil
                    }
                }
            }
            let result = await body()
            group.cancelAll()
            return result
        }
    }

    /// An error's description for `last_error` and logs: secrets and e-mail addresses masked
    /// (`Redaction.scrub`), at most 300 characters.
    static func describe(_ error: any Error) -> String {
        String(Redaction.scrub(String(describing: error)).prefix(300))
    }
}
