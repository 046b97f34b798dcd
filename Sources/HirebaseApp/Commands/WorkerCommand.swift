import Foundation
import NIOConcurrencyHelpers
import Vapor

/// `hirebase worker [--count N] [--once]`: runs job-queue workers without serving HTTP, until
/// SIGTERM or SIGINT (then as `serve` stops its workers: no new claims, running jobs finish
/// within the grace, leases released). The database must be migrated (`hirebase migrate`).
///
/// On SQLite, run one process on the file (the `serve` with `JOB_WORKERS=0`, or none).
struct WorkerCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "count", help: "Worker loops (default: JOB_WORKERS, at least 1)")
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
        let count = max(signature.count ?? config.jobs.workers, 1)
        let workers = BackgroundWorkers.make(for: app, config: config, count: count)
        workers.start()
        await Self.waitForTermination()
        app.logger.info("worker stopping")
        await workers.stop()
    }

    /// Returns on SIGTERM or SIGINT.
    static func waitForTermination() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let queue = DispatchQueue(label: "hirebase.worker.signals")
            let once = NIOLockedValueBox<[any DispatchSourceSignal]?>([])
            for code in [SIGTERM, SIGINT] {
                signal(code, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: code, queue: queue)
                source.setEventHandler {
                    guard let sources = once.withLockedValue({ sources -> [any DispatchSourceSignal]? in defer { sources = nil }; return sources }) else { return }
                    sources.forEach { $0.cancel() }
                    continuation.resume()
                }
                source.resume()
                once.withLockedValue { $0?.append(source) }
            }
        }
    }
}
