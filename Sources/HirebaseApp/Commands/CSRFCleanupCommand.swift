import Vapor

/// `hirebase csrf-cleanup`: deletes expired and used CSRF tokens once (the server also does it
/// periodically).
struct CSRFCleanupCommand: AsyncCommand {
    struct Signature: CommandSignature {}

    var help: String { "Deletes expired and used CSRF tokens" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let removed = try await app.hirebase.csrf.removeStale(on: app.db)
        context.console.output("removed \(removed) CSRF tokens".consoleText())
    }
}
