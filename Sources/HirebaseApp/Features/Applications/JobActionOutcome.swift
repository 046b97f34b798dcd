/// What `ApplicationService.act` changed: the row as stored after the move, and the move.
struct JobActionOutcome: Sendable {
    /// The moved row, read back after the change.
    enum Moved: Sendable {
        case job(Job)
        case application(JobApplication)
    }

    var moved: Moved
    /// The status or stage before the move.
    var from: String
    /// The status or stage after it.
    var to: String
}
