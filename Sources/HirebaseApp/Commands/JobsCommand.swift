import Foundation
import Vapor

/// `hirebase jobs`: the job queue for operators.
/// - `hirebase jobs [list] [--limit N]`: jobs that are not done (queued, retrying, running,
///   dead), due first, one per line, then a summary line `queued N retrying N running N dead N done N`.
/// - `hirebase jobs retry ID`: requeues a dead (or waiting) job with fresh attempts, due at once.
struct JobsCommand: AsyncCommandGroup {
    var help: String { "Lists queued, retrying, running and dead jobs; `jobs retry ID` requeues one" }
    var commands: [String: any AnyAsyncCommand] { ["list": ListJobs(), "retry": RetryJob()] }
    var defaultCommand: (any AnyAsyncCommand)? { ListJobs() }

    struct ListJobs: AsyncCommand {
        struct Signature: CommandSignature {
            @Option(name: "limit", help: "At most this many lines (default 100)")
            var limit: Int?
        }

        var help: String { "Lists queued, retrying, running and dead jobs, then a summary line" }

        func run(using context: CommandContext, signature: Signature) async throws {
            let app = context.application
            let store = BackgroundJobStore()
            for job in try await store.list(limit: max(signature.limit ?? 100, 1), on: app.db) {
                let status = job.status == .queued && job.attempts > 0 ? "retrying" : job.status.rawValue
                var line = "\(job.id.lowercased)  \(job.kind)  \(status)  attempts \(job.attempts)/\(job.maxAttempts)  due \(job.runAt.formatted(.iso8601))"
                if let owner = job.lockedBy, job.status == .running { line += "  worker \(owner)" }
                if let error = job.lastError { line += "  last error: \(error)" }
                context.console.output(line.consoleText())
            }
            let counts = try await store.counts(on: app.db)
            context.console.output("queued \(counts.queued) retrying \(counts.retrying) running \(counts.running) dead \(counts.dead) done \(counts.done)".consoleText())
        }
    }

    struct RetryJob: AsyncCommand {
        struct Signature: CommandSignature {
            @Argument(name: "id", help: "The job to requeue")
            var id: String
        }

        var help: String { "Requeues a dead (or waiting) job with fresh attempts, due at once" }

        func run(using context: CommandContext, signature: Signature) async throws {
            let app = context.application
            guard let id = UUID(uuidString: signature.id) else {
                throw JobsCommandError("retry needs a job id (a UUID), got \(signature.id)")
            }
            guard try await BackgroundJobStore().requeue(id, now: app.hirebase.clock.now(), on: app.db) else {
                throw JobsCommandError("no dead or queued job \(id.lowercased)")
            }
            context.console.output("requeued \(id.lowercased)".consoleText())
        }
    }
}

/// A refused `hirebase jobs` call (the process exits with status 1 and this text).
struct JobsCommandError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
