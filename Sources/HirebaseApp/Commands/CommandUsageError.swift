/// A command line a command refuses (a bad option or argument, or a request it cannot carry
/// out): the process exits with status 1 and this text. The one error type of Hirebase's
/// commands (`serve`, `migrate`, `jobs`).
struct CommandUsageError: Error, CustomStringConvertible, Equatable {
    var description: String

    init(_ description: String) {
        self.description = description
    }
}
