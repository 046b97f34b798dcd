import Fluent
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
            @Option(name: "limit", help: "At most this many lines, 1...10000 (default 100)")
            var limit: Int?
        }

        var help: String { "Lists queued, retrying, running and dead jobs, then a summary line" }

        /// `--limit` (1...10000), 100 when not given.
        /// - Throws: `CommandUsageError` outside that range.
        static func lineLimit(_ option: Int?) throws -> Int {
            guard let option else { return 100 }
            guard (1...10_000).contains(option) else { throw CommandUsageError("--limit must be in 1...10000 (got \(option))") }
            return option
        }

        func run(using context: CommandContext, signature: Signature) async throws {
            let app = context.application
            let store = BackgroundJobStore()
            for job in try await store.list(limit: try Self.lineLimit(signature.limit), on: app.db) {
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
            let id = try await JobsCommand.retry(signature.id, now: app.hirebase.clock.now(), on: app.db)
            context.console.output("requeued \(id.lowercased)".consoleText())
        }
    }

    /// Requeues job `text` (`hirebase jobs retry ID`).
    /// - Throws: `CommandUsageError` for a bad id, a job that is not dead or queued, and an e-mail
    ///   delivery whose message is no longer queued: a message that failed for good has its body
    ///   (and link) dropped, so its job would end `done` without sending anything.
    static func retry(_ text: String, now: Date, on db: any Database) async throws -> UUID {
        guard let id = UUID(uuidString: text) else {
            throw CommandUsageError("retry needs a job id (a UUID), got \(text)")
        }
        if let job = try await BackgroundJobStore().kindAndPayload(of: id, on: db), job.kind == OutboxDispatcher.kind,
           let input = OutboxDispatcher.Payload(json: job.payload),
           let email = try await OutboxStore().find(input.outboxId, on: db), email.status != .queued {
            throw CommandUsageError("job \(id.lowercased) delivers e-mail \(input.outboxId.lowercased), which is \(email.status.rawValue) "
                + "and no longer has its text: requeuing would send nothing. Resend the invitation instead "
                + "(POST /assessments/invitations/ID/resend)")
        }
        guard try await BackgroundJobStore().requeue(id, now: now, on: db) else {
            throw CommandUsageError("no dead or queued job \(id.lowercased)")
        }
        return id
    }
}
