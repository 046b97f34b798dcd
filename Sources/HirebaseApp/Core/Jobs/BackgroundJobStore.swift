import Fluent
import Foundation
import SQLKit

/// A job's state in `background_jobs`.
public enum BackgroundJobStatus: String, Codable, Sendable, CaseIterable {
    /// Waiting for `run_at` (a retry is a queued job with `attempts > 0`).
    case queued
    /// Claimed by a worker until `locked_until`; a lapsed lease is taken over by another.
    case running
    /// Finished; deleted after `BackgroundJobStore.doneRetention`.
    case done
    /// Failed `max_attempts` times, or failed for good: kept with `last_error` until a person
    /// requeues it (`hirebase jobs retry ID`); never deleted by Hirebase.
    case dead
}

/// A job a worker has claimed.
public struct ClaimedJob: Sendable, Equatable {
    public var id: UUID
    /// The handler's name (`email.deliver`, `invitations.remind`, ...).
    public var kind: String
    /// The handler's input (JSON text), if any.
    public var payload: String?
    /// This run's number, 1 for the first.
    public var attempt: Int
    public var maxAttempts: Int

    /// Whether a failure of this run makes the job `dead`.
    public var isFinalAttempt: Bool { attempt >= maxAttempts }
}

/// One row of `hirebase jobs`.
public struct BackgroundJobRow: Sendable, Equatable {
    public var id: UUID
    public var kind: String
    public var status: BackgroundJobStatus
    public var attempts: Int
    public var maxAttempts: Int
    public var runAt: Date
    public var lockedBy: String?
    public var lastError: String?
}

/// Every query of the job queue (`background_jobs`, migration 19).
///
/// Claiming is one `UPDATE ... WHERE id IN (SELECT ... LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING`
/// on PostgreSQL: of several workers on several instances, each takes a different job and none
/// waits for another's row lock. SQLite has one writer, so the same statement without the row-lock
/// clause is just as exclusive within the one process that may use the file. Every change of a
/// claimed job names the worker (`locked_by`) and `status = 'running'`, so a worker whose lease
/// lapsed and was taken over cannot overwrite the new owner's outcome.
public struct BackgroundJobStore: Sendable {
    /// How long finished jobs are kept before the `cleanup` job deletes them (a day: three
    /// periodic runs a minute by default would pile up otherwise).
    public static let doneRetention: TimeInterval = 86_400

    public init() {}

    /// Queues a job (inside the caller's transaction, with the change that causes it).
    /// - Parameter uniqueKey: when set and a job with this key exists (in any state), nothing is
    ///   queued: the periodic scheduler's "once per period", an e-mail's one delivery job.
    /// - Returns: whether a job was queued.
    @discardableResult
    public func enqueue(kind: String, payload: String? = nil, uniqueKey: String? = nil, maxAttempts: Int, runAt: Date, now: Date,
                        on db: any Database) async throws -> Bool {
        let rows = try await db.sql.raw("""
            INSERT INTO background_jobs (id, kind, payload, status, attempts, max_attempts, run_at, unique_key, created_at_us, updated_at)
            VALUES (\(bind: UUID()), \(bind: kind), \(bind: payload), 'queued', 0, \(bind: maxAttempts), \(bind: runAt), \(bind: uniqueKey),
                    \(bind: now.microsecondsSince1970), \(bind: now))
            ON CONFLICT (unique_key) DO NOTHING
            RETURNING id
            """).all()
        return rows.count == 1
    }

    /// Claims the job due longest ago (queued and due, or running with a lapsed lease), counts
    /// the attempt and leases it to `worker` until `leaseUntil`.
    /// - Returns: the job, or `nil` when none is due.
    public func claim(worker: String, at now: Date, leaseUntil: Date, on db: any Database) async throws -> ClaimedJob? {
        let sql = try db.sql
        let lock: SQLQueryString = db.isPostgres ? "FOR UPDATE SKIP LOCKED" : ""
        let rows = try await sql.raw("""
            UPDATE background_jobs
            SET status = 'running', attempts = attempts + 1, locked_until = \(bind: leaseUntil), locked_by = \(bind: worker), updated_at = \(bind: now)
            WHERE id IN (
                SELECT id FROM background_jobs
                WHERE (status = 'queued' AND run_at <= \(bind: now)) OR (status = 'running' AND locked_until < \(bind: now))
                ORDER BY run_at LIMIT 1 \(lock))
            RETURNING id, kind, payload, attempts, max_attempts
            """).all()
        guard let row = rows.first else { return nil }
        return ClaimedJob(id: try row.decode(column: "id", as: UUID.self), kind: try row.decode(column: "kind", as: String.self),
                          payload: try row.decode(column: "payload", as: String?.self), attempt: try row.decode(column: "attempts", as: Int.self),
                          maxAttempts: try row.decode(column: "max_attempts", as: Int.self))
    }

    /// Extends `worker`'s lease of a running job.
    /// - Returns: whether the worker still holds it.
    public func renew(_ id: UUID, worker: String, until leaseUntil: Date, on db: any Database) async throws -> Bool {
        try await update(id, worker: worker, set: "locked_until = \(bind: leaseUntil)", on: db)
    }

    /// Marks `worker`'s running job done.
    /// - Returns: whether the worker still held it (false: its lease lapsed and another took it).
    @discardableResult
    public func complete(_ id: UUID, worker: String, at now: Date, on db: any Database) async throws -> Bool {
        try await update(id, worker: worker, set: "status = 'done', locked_until = NULL, finished_at = \(bind: now), updated_at = \(bind: now)", on: db)
    }

    /// Puts `worker`'s failed job back in the queue, due at `runAt`, with its error.
    /// - Returns: whether the worker still held it.
    @discardableResult
    public func retry(_ id: UUID, worker: String, at runAt: Date, error: String, now: Date, on db: any Database) async throws -> Bool {
        try await update(id, worker: worker, set: """
            status = 'queued', run_at = \(bind: runAt), locked_until = NULL, locked_by = NULL, last_error = \(bind: error), updated_at = \(bind: now)
            """, on: db)
    }

    /// Marks `worker`'s failed job `dead`, with its error.
    /// - Returns: whether the worker still held it.
    @discardableResult
    public func bury(_ id: UUID, worker: String, error: String, now: Date, on db: any Database) async throws -> Bool {
        try await update(id, worker: worker, set: """
            status = 'dead', locked_until = NULL, last_error = \(bind: error), finished_at = \(bind: now), updated_at = \(bind: now)
            """, on: db)
    }

    /// Gives back the jobs these workers still hold (a shutdown that could not wait for them):
    /// queued again, due at once, the interrupted attempt not counted.
    /// - Returns: how many were released.
    @discardableResult
    public func release(heldBy workers: [String], now: Date, on db: any Database) async throws -> Int {
        guard !workers.isEmpty else { return 0 }
        return try await db.sql.raw("""
            UPDATE background_jobs
            SET status = 'queued', attempts = attempts - 1, run_at = \(bind: now), locked_until = NULL, locked_by = NULL, updated_at = \(bind: now)
            WHERE status = 'running' AND locked_by IN (\(binds: workers))
            RETURNING id
            """).all().count
    }

    /// Requeues a dead (or waiting) job with fresh attempts, due at once.
    /// - Returns: whether a job was requeued (false: no such job, or it is running or done).
    public func requeue(_ id: UUID, now: Date, on db: any Database) async throws -> Bool {
        try await db.sql.raw("""
            UPDATE background_jobs SET status = 'queued', attempts = 0, run_at = \(bind: now), finished_at = NULL, updated_at = \(bind: now)
            WHERE id = \(bind: id) AND status IN ('dead', 'queued')
            RETURNING id
            """).all().count == 1
    }

    /// The kind and payload of job `id`, if it exists.
    public func kindAndPayload(of id: UUID, on db: any Database) async throws -> (kind: String, payload: String?)? {
        guard let row = try await db.sql.raw("SELECT kind, payload FROM background_jobs WHERE id = \(bind: id)").first() else { return nil }
        return (try row.decode(column: "kind", as: String.self), try row.decode(column: "payload", as: String?.self))
    }

    /// Jobs not done (queued, running, dead), due first, at most `limit`.
    public func list(statuses: [BackgroundJobStatus] = [.queued, .running, .dead], limit: Int, on db: any Database) async throws -> [BackgroundJobRow] {
        try await db.sql.raw("""
            SELECT id, kind, status, attempts, max_attempts, run_at, locked_by, last_error FROM background_jobs
            WHERE status IN (\(binds: statuses.map(\.rawValue))) ORDER BY run_at, id LIMIT \(bind: limit)
            """).all().map { row in
            BackgroundJobRow(id: try row.decode(column: "id", as: UUID.self), kind: try row.decode(column: "kind", as: String.self),
                             status: BackgroundJobStatus(rawValue: try row.decode(column: "status", as: String.self)) ?? .dead,
                             attempts: try row.decode(column: "attempts", as: Int.self), maxAttempts: try row.decode(column: "max_attempts", as: Int.self),
                             runAt: try row.decode(column: "run_at", as: Date.self), lockedBy: try row.decode(column: "locked_by", as: String?.self),
                             lastError: try row.decode(column: "last_error", as: String?.self))
        }
    }

    /// How many jobs are in each state; `retrying` counts queued jobs that failed before.
    public func counts(on db: any Database) async throws -> (queued: Int, retrying: Int, running: Int, done: Int, dead: Int) {
        let rows = try await db.sql.raw("""
            SELECT status, CASE WHEN attempts > 0 THEN 1 ELSE 0 END AS retried, COUNT(*) AS n FROM background_jobs GROUP BY status, retried
            """).all()
        var counts = (queued: 0, retrying: 0, running: 0, done: 0, dead: 0)
        for row in rows {
            let n = try row.decode(column: "n", as: Int.self)
            switch try row.decode(column: "status", as: String.self) {
            case "queued" where try row.decode(column: "retried", as: Int.self) == 1: counts.retrying += n
            case "queued": counts.queued += n
            case "running": counts.running += n
            case "done": counts.done += n
            default: counts.dead += n
            }
        }
        return counts
    }

    /// One group of the jobs not done, for the queue's metrics (`queueStats`).
    public struct QueueStat: Sendable, Equatable {
        /// The kind stored in the rows (registered or not).
        public var kind: String
        /// `queued`, `running` or `dead` (never `done`).
        public var status: BackgroundJobStatus
        /// Whether the jobs have been run before (`attempts > 0`): a queued one is a retry.
        public var retried: Bool
        /// How many jobs the group holds.
        public var count: Int
        /// The earliest `run_at` among the group's queued jobs that are due at `now`; `nil` when
        /// none is (or the group is not queued).
        public var oldestDue: Date?
    }

    /// The jobs not done, counted by kind, status and whether they ran before, with the oldest
    /// due time of the queued ones: one grouped query over the `(status, run_at)` index, which
    /// skips the done jobs kept for a day. Read when `/metrics` is scraped.
    public func queueStats(now: Date, on db: any Database) async throws -> [QueueStat] {
        try await db.sql.raw("""
            SELECT kind, status, CASE WHEN attempts > 0 THEN 1 ELSE 0 END AS retried, COUNT(*) AS n,
                   MIN(CASE WHEN status = 'queued' AND run_at <= \(bind: now) THEN run_at END) AS oldest_due
            FROM background_jobs WHERE status IN ('queued', 'running', 'dead')
            GROUP BY kind, status, retried
            """).all().map { row in
            QueueStat(kind: try row.decode(column: "kind", as: String.self),
                      status: BackgroundJobStatus(rawValue: try row.decode(column: "status", as: String.self)) ?? .dead,
                      retried: try row.decode(column: "retried", as: Int.self) == 1, count: try row.decode(column: "n", as: Int.self),
                      oldestDue: try row.decode(column: "oldest_due", as: Date?.self))
        }
    }

    /// Deletes jobs finished (`done`) before `cutoff`; dead jobs stay.
    /// - Returns: how many were deleted.
    @discardableResult
    public func deleteDone(finishedBefore cutoff: Date, on db: any Database) async throws -> Int {
        try await db.sql.raw("DELETE FROM background_jobs WHERE status = 'done' AND finished_at < \(bind: cutoff) RETURNING id").all().count
    }

    /// One change of `worker`'s running job `id`.
    private func update(_ id: UUID, worker: String, set assignments: SQLQueryString, on db: any Database) async throws -> Bool {
        let statement: SQLQueryString = "UPDATE background_jobs SET \(assignments) WHERE id = \(bind: id) AND locked_by = \(bind: worker) AND status = 'running' RETURNING id"
        return try await db.sql.raw(statement).all().count == 1
    }
}
