/// How a candidate's location relates to an onsite job's place (see ``MatchWeights``).
enum PlaceMatch: UInt8, Sendable {
    /// The candidate gave no usable location: neutral.
    case notStated
    /// No part of the job's place is among the candidate's parts.
    case different
    /// A broader part (region, country) of the job's place is shared, the most specific is not.
    case sameRegion
    /// The job's most specific part (its city, or its only part) is among the candidate's parts.
    case samePlace

    /// The fit this match contributes, 0...1.
    var fit: Double {
        switch self {
        case .notStated: 0.5
        case .different: 0
        case .sameRegion: 0.6
        case .samePlace: 1
        }
    }

    /// Compares a job's place parts (non-empty, most specific first) with a candidate's.
    static func between(job: [String], candidate: [String]) -> PlaceMatch {
        guard !candidate.isEmpty else { return .notStated }
        guard let first = job.first else { return .different }
        if candidate.contains(first) { return .samePlace }
        if job.dropFirst().contains(where: candidate.contains) { return .sameRegion }
        return .different
    }
}
