import Vapor

/// A command line a command refuses (a bad option or argument, or a request it cannot carry
/// out): the process writes `hirebase: <description>` to standard error and exits with status 1
/// (`Bootstrap.run`). The one error type of Hirebase's commands (`serve`, `migrate`, `jobs`,
/// `worker`, `token`).
///
/// A `DebuggableError` only to set its `logLevel` to `debug`: Vapor's `Application.execute`
/// reports every error a command throws to the log (`Logger.report(error:)`, at `warning` for
/// other errors) before `Bootstrap` sees it, and a refusal is the caller's mistake, already said
/// once on standard error.
struct CommandUsageError: DebuggableError, Equatable {
    /// One plain sentence for the operator.
    var description: String

    init(_ description: String) {
        self.description = description
    }

    /// `DebuggableError`: the type's name.
    var identifier: String { "CommandUsageError" }
    /// `DebuggableError`: the sentence.
    var reason: String { description }
    /// `DebuggableError`: below `info`, so never logged at the levels production allows.
    var logLevel: Logger.Level { .debug }
}
