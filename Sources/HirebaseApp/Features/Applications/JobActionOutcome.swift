/// What `ApplicationService.act` changed: the row as stored after the move, and the move.
struct JobActionOutcome: Sendable {
    /// The moved row as it is after the change.
    enum Moved: Sendable {
        /// The job as the API shows it (`ApplicationStore.moveJob` returns no model).
        case job(JobDTO)
        case application(JobApplication)
    }

    var moved: Moved
    /// The status or stage before the move.
    var from: String
    /// The status or stage after it.
    var to: String
}
