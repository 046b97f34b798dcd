import Fluent
import Foundation
import NIOConcurrencyHelpers
import SQLKit
import Testing
import Vapor
@testable import HirebaseApp

/// The job queue (`background_jobs`): claims with leases, retries with backoff, dead jobs kept,
/// lapsed leases taken over, periodic runs once per period across instances, shutdown.
@Suite("Job queue")
struct BackgroundJobQueueTests {
    /// A runner over `kinds` on the app's database and `clock`, with a fixed jitter (the middle
    /// of the range) so delays are exact.
    func runner(_ kinds: [BackgroundJobKind], periodic: [PeriodicJob] = [], clock: ManualClock, lease: Double = 30) -> BackgroundJobRunner {
        BackgroundJobRunner(kinds: kinds, periodic: periodic, clock: clock.wall, lease: lease, backoff: RetryBackoff { 0.5 },
                            logger: Logger(label: "test.jobs"))
    }

    func job(_ id: UUID, on db: any Database) async throws -> BackgroundJobRow? {
        try await BackgroundJobStore().list(statuses: BackgroundJobStatus.allCases, limit: 1000, on: db).first { $0.id == id }
    }

    func onlyJob(on db: any Database) async throws -> BackgroundJobRow {
        let all = try await BackgroundJobStore().list(statuses: BackgroundJobStatus.allCases, limit: 1000, on: db)
        try #require(all.count == 1, "\(all)")
        return all[0]
    }

    @Test(arguments: TestDatabase.all)
    func aFailingJobIsRetriedWithBackoffThenSucceeds(database: TestDatabase) async throws {
        let clock = ManualClock()
        let calls = Counter()
        let flaky = BackgroundJobKind(name: "flaky", maxAttempts: 5, retryBaseSeconds: 10) { job, _ in
            if calls.next() < 3 { throw BackgroundJobFailure("provider answered 503") }
            #expect(job.payload == #"{"n":1}"#)
        }
        try await withHirebase(on: database) { app in
            let queue = runner([flaky], clock: clock)
            try await queue.enqueue("flaky", payload: #"{"n":1}"#, on: app.db)
            #expect(await queue.runDue(on: app.db) == 1)
            var row = try await onlyJob(on: app.db)
            #expect(row.status == .queued)
            #expect(row.attempts == 1)
            #expect(row.lastError == "provider answered 503")
            // Equal jitter at its middle: 3/4 of 10 s after the first failure, 3/4 of 20 s after the second.
            #expect(abs(row.runAt.timeIntervalSince(clock.date) - 7.5) < 0.01)
            clock.advance(by: .seconds(7))
            #expect(await queue.runDue(on: app.db) == 0)
            clock.advance(by: .seconds(1))
            #expect(await queue.runDue(on: app.db) == 1)
            row = try await onlyJob(on: app.db)
            #expect(abs(row.runAt.timeIntervalSince(clock.date) - 15) < 0.01)
            clock.advance(by: .seconds(15))
            #expect(await queue.runDue(on: app.db) == 1)
            row = try await onlyJob(on: app.db)
            #expect(row.status == .done)
            #expect(row.attempts == 3)
            #expect(calls.value == 3)
        }
    }

    @Test(arguments: TestDatabase.all)
    func aJobFailingEveryTimeIsKeptDeadWithItsLastErrorAndCanBeRequeued(database: TestDatabase) async throws {
        let clock = ManualClock()
        let calls = Counter()
        let broken = BackgroundJobKind(name: "broken", maxAttempts: 3, retryBaseSeconds: 1) { _, _ in
            throw BackgroundJobFailure("attempt \(calls.next()) failed")
        }
        try await withHirebase(on: database) { app in
            let queue = runner([broken], clock: clock)
            try await queue.enqueue("broken", on: app.db)
            for _ in 0..<6 {
                await queue.runDue(on: app.db)
                clock.advance(by: .seconds(60))
            }
            var row = try await onlyJob(on: app.db)
            #expect(row.status == .dead)
            #expect(row.attempts == 3)
            #expect(row.lastError == "attempt 3 failed")
            #expect(calls.value == 3)
            // Still there after the clean-up of finished jobs, a day later.
            clock.advance(by: .seconds(2 * 86_400))
            try await BackgroundJobStore().deleteDone(finishedBefore: clock.date, on: app.db)
            #expect(try await job(row.id, on: app.db)?.status == .dead)
            #expect(try await BackgroundJobStore().counts(on: app.db).dead == 1)

            // `hirebase jobs retry ID`: fresh attempts, due at once.
            #expect(try await BackgroundJobStore().requeue(row.id, now: clock.date, on: app.db))
            row = try await onlyJob(on: app.db)
            #expect(row.status == .queued)
            #expect(row.attempts == 0)
            #expect(await queue.runDue(on: app.db) == 1)
            #expect(calls.value == 4)
            // A done job cannot be requeued; an unknown id neither.
            #expect(try await BackgroundJobStore().requeue(UUID(), now: clock.date, on: app.db) == false)
        }
    }

    @Test(arguments: TestDatabase.all)
    func aFinalFailureIsDeadAtOnce(database: TestDatabase) async throws {
        let refused = BackgroundJobKind(name: "refused", maxAttempts: 5, retryBaseSeconds: 1) { _, _ in
            throw BackgroundJobFailure("provider refused the message (422)", retryable: false)
        }
        try await withHirebase(on: database) { app in
            let clock = ManualClock()
            let queue = runner([refused], clock: clock)
            try await queue.enqueue("refused", on: app.db)
            #expect(await queue.runDue(on: app.db) == 1)
            let row = try await onlyJob(on: app.db)
            #expect(row.status == .dead)
            #expect(row.attempts == 1)
            // A job of a kind no worker knows is dead too, not retried forever.
            try await BackgroundJobStore().enqueue(kind: "from.a.newer.version", maxAttempts: 3, runAt: clock.date, now: clock.date, on: app.db)
            #expect(await queue.runDue(on: app.db) == 1)
            #expect(try await BackgroundJobStore().counts(on: app.db).dead == 2)
        }
    }

    /// A worker that died holding a job (its process was killed): once the lease lapses another
    /// worker takes the job over, and the dead worker's late outcome changes nothing.
    @Test(arguments: TestDatabase.all)
    func aLapsedLeaseIsTakenOverByAnotherWorker(database: TestDatabase) async throws {
        let clock = ManualClock()
        let ran = Recorder<String>()
        let kind = BackgroundJobKind(name: "work", maxAttempts: 5, retryBaseSeconds: 1) { job, _ in ran.append(job.id.lowercased) }
        try await withHirebase(on: database) { app in
            let store = BackgroundJobStore()
            let queue = runner([kind], clock: clock, lease: 30)
            try await queue.enqueue("work", on: app.db)
            // Worker "killed" claims it and never reports.
            let claimed = try #require(try await store.claim(worker: "killed", at: clock.date, leaseUntil: clock.date.addingTimeInterval(30), on: app.db))
            #expect(try await store.claim(worker: "other", at: clock.date, leaseUntil: clock.date.addingTimeInterval(30), on: app.db) == nil)
            clock.advance(by: .seconds(29))
            #expect(await queue.runDue(worker: "survivor", on: app.db) == 0)
            clock.advance(by: .seconds(2))
            #expect(await queue.runDue(worker: "survivor", on: app.db) == 1)
            #expect(ran.values == [claimed.id.lowercased])
            var row = try await onlyJob(on: app.db)
            #expect(row.status == .done)
            #expect(row.attempts == 2)
            // The first worker's late outcome is refused: the job stays done.
            #expect(try await store.bury(claimed.id, worker: "killed", error: "late", now: clock.date, on: app.db) == false)
            #expect(try await store.complete(claimed.id, worker: "killed", at: clock.date, on: app.db) == false)
            row = try await onlyJob(on: app.db)
            #expect(row.status == .done)
            #expect(row.lastError == nil)
        }
    }

    /// A job whose runs kill their worker (a crash, out of memory, kill -9) is taken over after
    /// each lapsed lease; once its attempts are used up it is dead, not run on instance after
    /// instance forever with `attempts` growing past `max_attempts`.
    @Test(arguments: TestDatabase.all)
    func aJobWhoseWorkersKeepDyingIsDeadAfterItsAttempts(database: TestDatabase) async throws {
        let clock = ManualClock()
        let ran = Counter()
        let kind = BackgroundJobKind(name: "poison", maxAttempts: 2, retryBaseSeconds: 1) { _, _ in _ = ran.next() }
        try await withHirebase(on: database) { app in
            let store = BackgroundJobStore()
            let queue = runner([kind], clock: clock, lease: 30)
            try await queue.enqueue("poison", on: app.db)
            for worker in ["died-1", "died-2"] {
                _ = try #require(try await store.claim(worker: worker, at: clock.date, leaseUntil: clock.date.addingTimeInterval(30), on: app.db))
                clock.advance(by: .seconds(31))
            }
            #expect(await queue.runDue(worker: "survivor", on: app.db) == 1)
            #expect(ran.value == 0)
            let row = try await onlyJob(on: app.db)
            #expect(row.status == .dead)
            #expect(row.attempts == 3)
            #expect(row.lastError?.contains("interrupted") == true)
            clock.advance(by: .seconds(3600))
            #expect(await queue.runDue(worker: "survivor", on: app.db) == 0)
            // A person may requeue it: fresh attempts.
            #expect(try await store.requeue(row.id, now: clock.date, on: app.db))
            #expect(await queue.runDue(worker: "survivor", on: app.db) == 1)
            #expect(ran.value == 1)
        }
    }

    /// Many workers on two "instances" at once: every job runs exactly once.
    @Test(arguments: TestDatabase.all)
    func concurrentWorkersRunEachJobOnce(database: TestDatabase) async throws {
        let ran = Recorder<String>()
        let kind = BackgroundJobKind(name: "work", maxAttempts: 5, retryBaseSeconds: 1) { job, _ in
            try await Task.sleep(for: .milliseconds(2))
            ran.append(job.payload ?? "")
        }
        try await withHirebase(on: database) { app in
            let queue = BackgroundJobRunner(kinds: [kind], periodic: [], clock: .system, lease: 30, logger: Logger(label: "test.jobs"))
            for index in 0..<60 { try await queue.enqueue("work", payload: "\(index)", on: app.db) }
            let total = await withTaskGroup(of: Int.self) { group in
                for worker in 0..<6 { group.addTask { await queue.runDue(worker: "w\(worker)", on: app.db) } }
                return await group.reduce(0, +)
            }
            #expect(total == 60)
            #expect(ran.values.count == 60)
            #expect(Set(ran.values).count == 60)
            #expect(try await BackgroundJobStore().counts(on: app.db).done == 60)
        }
    }

    /// Two instances' schedulers queue the same period's run: it is queued (and runs) once; the
    /// next period gets its own.
    @Test(arguments: TestDatabase.all)
    func aPeriodicJobRunsOncePerPeriodAcrossInstances(database: TestDatabase) async throws {
        let clock = ManualClock(startDate: Date(timeIntervalSince1970: 1_800_000_000))
        let runs = Counter()
        let kind = BackgroundJobKind(name: "sweep", maxAttempts: 3, retryBaseSeconds: 1) { _, _ in _ = runs.next() }
        try await withHirebase(on: database) { app in
            let first = runner([kind], periodic: [PeriodicJob(kind: "sweep", interval: 60)], clock: clock)
            let second = runner([kind], periodic: [PeriodicJob(kind: "sweep", interval: 60)], clock: clock)
            async let a = first.enqueuePeriodic(on: app.db)
            async let b = second.enqueuePeriodic(on: app.db)
            let queued = try await a + b
            #expect(queued == 1)
            clock.advance(by: .seconds(59))
            #expect(try await first.enqueuePeriodic(on: app.db) == 0)
            #expect(await first.runDue(on: app.db) == 1)
            #expect(try await second.enqueuePeriodic(on: app.db) == 0)
            clock.advance(by: .seconds(1))
            #expect(try await second.enqueuePeriodic(on: app.db) == 1)
            #expect(await second.runDue(on: app.db) == 1)
            #expect(runs.value == 2)
        }
    }

    /// Shutdown: no new claims; a job still running after the grace is cancelled and its lease
    /// released, due at once for another instance, the interrupted attempt not counted.
    @Test(arguments: TestDatabase.all)
    func shutdownReleasesTheLeasesOfJobsThatDidNotFinish(database: TestDatabase) async throws {
        let started = Counter()
        let slow = BackgroundJobKind(name: "slow", maxAttempts: 5, retryBaseSeconds: 1) { _, _ in
            _ = started.next()
            try await Task.sleep(for: .seconds(60))
        }
        try await withHirebase(on: database) { app in
            let queue = BackgroundJobRunner(kinds: [slow], periodic: [], clock: .system, lease: 30, logger: Logger(label: "test.jobs"))
            try await queue.enqueue("slow", on: app.db)
            let workers = BackgroundWorkers(count: 1, pollSeconds: 0.05, grace: .milliseconds(300), runner: { queue }, database: { app.db })
            workers.start()
            for _ in 0..<400 where started.value == 0 { try await Task.sleep(for: .milliseconds(25)) }
            #expect(started.value == 1)
            #expect(try await onlyJob(on: app.db).status == .running)
            await workers.stop()
            let row = try await onlyJob(on: app.db)
            #expect(row.status == .queued)
            #expect(row.attempts == 0)
            #expect(row.lockedBy == nil)
            #expect(row.runAt <= Date())
        }
    }

    /// A run cancelled by a shutdown past its grace records no outcome: not a retry with backoff
    /// and a counted attempt, not `dead` on its last attempt (whichever of that write and the
    /// release came first decided before). The lease stays for `release` (or to lapse).
    @Test(arguments: TestDatabase.all)
    func aRunCancelledByShutdownIsNotCountedAsAFailure(database: TestDatabase) async throws {
        let clock = ManualClock()
        let started = Counter()
        let slow = BackgroundJobKind(name: "slow", maxAttempts: 1, retryBaseSeconds: 1) { _, _ in
            _ = started.next()
            try await Task.sleep(for: .seconds(60))
        }
        try await withHirebase(on: database) { app in
            let queue = runner([slow], clock: clock)
            try await queue.enqueue("slow", on: app.db)
            let run = Task { await queue.runNext(worker: "stopping", on: app.db) }
            for _ in 0..<400 where started.value == 0 { try await Task.sleep(for: .milliseconds(25)) }
            #expect(started.value == 1)
            run.cancel()
            #expect(await run.value == .ran)
            var row = try await onlyJob(on: app.db)
            #expect(row.status == .running)
            #expect(row.lockedBy == "stopping")
            #expect(row.lastError == nil)
            #expect(try await BackgroundJobStore().release(heldBy: ["stopping"], now: clock.date, on: app.db) == 1)
            row = try await onlyJob(on: app.db)
            #expect(row.status == .queued)
            #expect(row.attempts == 0)
        }
    }

    /// Shutdown waits for a job that finishes within the grace: it is done, not released.
    @Test func shutdownLetsARunningJobFinishWithinTheGrace() async throws {
        let started = Counter()
        let short = BackgroundJobKind(name: "short", maxAttempts: 5, retryBaseSeconds: 1) { _, _ in
            _ = started.next()
            try await Task.sleep(for: .milliseconds(300))
        }
        try await withHirebase(on: .sqlite) { app in
            let queue = BackgroundJobRunner(kinds: [short], periodic: [], clock: .system, lease: 30, logger: Logger(label: "test.jobs"))
            try await queue.enqueue("short", on: app.db)
            let workers = BackgroundWorkers(count: 2, pollSeconds: 0.05, grace: .seconds(20), runner: { queue }, database: { app.db })
            workers.start()
            for _ in 0..<400 where started.value == 0 { try await Task.sleep(for: .milliseconds(25)) }
            await workers.stop()
            #expect(try await onlyJob(on: app.db).status == .done)
        }
    }

    /// The scheduler sleeps until the next period starts instead of polling the database.
    @Test func theSchedulerWaitsForTheNextPeriod() {
        let clock = ManualClock(startDate: Date(timeIntervalSince1970: 1_800_000_015))
        let queue = runner([], periodic: [PeriodicJob(kind: "a", interval: 60), PeriodicJob(kind: "b", interval: 3600)], clock: clock)
        #expect(abs(queue.secondsUntilNextPeriod() - 45.005) < 0.001)
    }

    /// Under `serve`, running jobs have until the process's shutdown deadline, not a fresh
    /// grace: the leases are released before the process's own bound ends it.
    @Test func shutdownHonoursTheProcessDeadline() async throws {
        let started = Counter()
        let slow = BackgroundJobKind(name: "slow", maxAttempts: 5, retryBaseSeconds: 1) { _, _ in
            _ = started.next()
            try await Task.sleep(for: .seconds(60))
        }
        try await withHirebase(on: .sqlite) { app in
            let queue = BackgroundJobRunner(kinds: [slow], periodic: [], clock: .system, lease: 30, logger: Logger(label: "test.jobs"))
            try await queue.enqueue("slow", on: app.db)
            let deadline = NIOLockedValueBox<ContinuousClock.Instant?>(nil)
            let workers = BackgroundWorkers(count: 1, pollSeconds: 0.05, grace: .seconds(600), runner: { queue }, database: { app.db },
                                            shutdownDeadline: { deadline.withLockedValue { $0 } })
            workers.start()
            for _ in 0..<400 where started.value == 0 { try await Task.sleep(for: .milliseconds(25)) }
            deadline.withLockedValue { $0 = ContinuousClock.now.advanced(by: .milliseconds(300)) }
            let stopping = ContinuousClock.now
            await workers.stop()
            #expect(ContinuousClock.now - stopping < .seconds(60), "bounded by the deadline, not the 600 s grace")
            let row = try await onlyJob(on: app.db)
            #expect(row.status == .queued)
            #expect(row.lockedBy == nil)
        }
    }

    /// `hirebase worker --count` and `hirebase jobs --limit`: bad values are refused, not bent.
    @Test func commandOptionsOutsideTheirRangesAreRefused() throws {
        #expect(try WorkerCommand.loopCount(nil, configured: 0) == 1)
        #expect(try WorkerCommand.loopCount(nil, configured: 3) == 3)
        #expect(try WorkerCommand.loopCount(8, configured: 2) == 8)
        for bad in [0, -5, 65] {
            #expect(throws: CommandUsageError.self) { try WorkerCommand.loopCount(bad, configured: 2) }
        }
        #expect(try JobsCommand.ListJobs.lineLimit(nil) == 100)
        #expect(try JobsCommand.ListJobs.lineLimit(5) == 5)
        for bad in [0, -1, 10_001] {
            #expect(throws: CommandUsageError.self) { try JobsCommand.ListJobs.lineLimit(bad) }
        }
    }

    @Test func backoffDoublesWithJitterUpToAnHour() {
        let low = RetryBackoff { 0 }
        let high = RetryBackoff { 0.999_999 }
        #expect(low.delay(afterAttempt: 1, base: 4) == 2)
        #expect(abs(high.delay(afterAttempt: 1, base: 4) - 4) < 0.001)
        #expect(low.delay(afterAttempt: 3, base: 4) == 8)
        #expect(low.delay(afterAttempt: 40, base: 4) == 1800)
        #expect(high.delay(afterAttempt: 40, base: 4) <= 3600)
    }
}
