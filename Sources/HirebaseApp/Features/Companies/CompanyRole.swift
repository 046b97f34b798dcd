/// A member's role in a company, from most to least powerful (`API.md` § Conventions).
public enum CompanyRole: String, Codable, Sendable, CaseIterable, Comparable {
    case owner, admin, recruiter, viewer

    /// Higher ranks include the rights of lower ones.
    var rank: Int {
        switch self {
        case .owner: return 3
        case .admin: return 2
        case .recruiter: return 1
        case .viewer: return 0
        }
    }

    public static func < (lhs: CompanyRole, rhs: CompanyRole) -> Bool { lhs.rank < rhs.rank }
}
