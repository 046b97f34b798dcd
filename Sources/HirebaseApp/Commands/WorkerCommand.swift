import Foundation
import Vapor

/// `hirebase worker [--count N] [--once]`: runs job-queue workers without serving HTTP, until
/// SIGTERM or SIGINT (then as `serve` stops its workers: no new claims, running jobs finish
/// within the grace, leases released). The database must be migrated (`hirebase migrate`).
///
/// On SQLite, run one process on the file (the `serve` with `JOB_WORKERS=0`, or none).
struct WorkerCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "count", help: "Worker loops, 1...64 (default: JOB_WORKERS, at least 1)")
        var count: Int?

        @Flag(name: "once", help: "Queue the periodic jobs, run every job due now, and exit")
        var once: Bool
    }

    var help: String { "Runs background job workers (e-mail delivery, sweeps, reminders) until stopped" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let config = app.hirebase.config
        if signature.once {
            let runner = app.hirebase.backgroundJobs
            try await runner.enqueuePeriodic(on: app.db)
            let ran = await runner.runDue(worker: "once:\(ProcessInfo.processInfo.processIdentifier)", on: app.db)
            context.console.output("ran \(ran) jobs".consoleText())
            return
        }
        let count = try Self.loopCount(signature.count, configured: config.jobs.workers)
        let workers = BackgroundWorkers.make(for: app, config: config, count: count)
        workers.start()
        _ = await TerminationSignals.next(label: "hirebase.worker.signals", logger: app.logger)
        await workers.stop()
    }

    /// The worker loops to run: `--count` (1...64) when given, else `JOB_WORKERS` (at least one:
    /// a worker process with none would do nothing).
    /// - Throws: `CommandUsageError` for a `--count` outside 1...64.
    static func loopCount(_ option: Int?, configured: Int) throws -> Int {
        guard let option else { return max(configured, 1) }
        guard (1...64).contains(option) else { throw CommandUsageError("--count must be in 1...64 (got \(option))") }
        return option
    }
}
