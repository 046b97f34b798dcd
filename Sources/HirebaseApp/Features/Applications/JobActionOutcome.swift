/// What `ApplicationService.act` changed: the row as stored after the move, and the move.
struct JobActionOutcome: Sendable {
    /// The moved row as it is after the change.
    enum Moved: Sendable {
        /// The job as the API shows it (the checked path).
        case job(JobDTO)
        /// The job as `ApplicationStore.moveJob` answers it, the history kept encoded.
        case movedJob(MovedJobAnswer)
        case application(JobApplication)
    }

    var moved: Moved
    /// The status or stage before the move.
    var from: String
    /// The status or stage after it.
    var to: String
}
