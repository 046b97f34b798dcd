/// The lifecycle of an assessment invitation (`API.md` § Assessments and invitations):
/// `pending` -> `sent` -> `opened` -> `completed`; any open state -> `expired` | `cancelled`.
/// `completed`, `expired` and `cancelled` are final.
public enum InvitationStatus: String, Codable, Sendable, CaseIterable {
    case pending, sent, opened, completed, expired, cancelled

    /// States from which the candidate can still act.
    public static let open: [InvitationStatus] = [.pending, .sent, .opened]

    public var isOpen: Bool { Self.open.contains(self) }
}
