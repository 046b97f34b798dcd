import Foundation

/// One recorded change of a job's status or an application's stage.
public struct StageChange: Codable, Sendable, Equatable {
    public var at: Date
    public var actorId: UUID
    public var from: String?
    public var to: String
    public var reason: String?
    public var note: String?
}

extension JSONList where Element == StageChange {
    /// Changes one job or application may record (issue 7 § 10: histories are bounded, so that one
    /// record cannot grow without end, e.g. by a `reject`/`unreject` loop). At about 200 bytes a
    /// change, a full history is some 100 KB.
    static var maxChanges: Int { 500 }

    /// Appends `change`.
    /// - Throws: 409 `history_full` when `maxChanges` are recorded already; nothing is dropped.
    mutating func record(_ change: StageChange, of what: String) throws {
        guard items.count < Self.maxChanges else {
            throw AppError.conflict("This \(what) has recorded \(Self.maxChanges) changes, the most one may hold", code: "history_full")
        }
        items.append(change)
    }
}
