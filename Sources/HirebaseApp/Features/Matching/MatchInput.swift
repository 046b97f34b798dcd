import Foundation

/// A `POST /match-candidates` request after its fields are checked.
struct MatchInput: Sendable, Equatable {
    var jobID: UUID
    /// The most results, 1...100 (default 20).
    var limit: Int
    /// The least score a result has, 0...100 (default 0).
    var minScore: Int
}
