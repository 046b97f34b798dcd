import Vapor

/// `hirebase check-config`: prints the configuration report and exits 0. A configuration with
/// missing required settings never gets here: start-up prints the problems and exits 1.
struct CheckConfigCommand: AsyncCommand {
    struct Signature: CommandSignature {}

    var help: String { "Prints what is configured, missing and degraded" }

    func run(using context: CommandContext, signature: Signature) async throws {
        context.console.output(context.application.hirebase.config.report.text.consoleText())
        context.console.output("configuration is usable".consoleText(.success))
    }
}
