import Foundation

/// A history as stored (`JSONList<StageChange>`: `{"items": [{"at", "actorId", "from"?, "to",
/// "reason"?, "note"?}]}`, `at` in the driver's JSON form of a `Date`, `actorId` an upper-case
/// UUID) read straight into the entries the API shows, for statements that hand a job back
/// (`JobStore.dto(from:)`).
///
/// Compared with decoding `JSONList<StageChange>` and mapping it: `actorId` is lower-cased as
/// text instead of parsed into a `UUID` and printed again (the parse went through `sscanf`), and
/// no intermediate arrays are made. The same members are required or optional as in
/// `StageChange`'s synthesized decoding.
struct StoredHistory: Decodable {
    /// The entries, oldest first, as the API shows them.
    var entries: [StageChangeDTO]

    /// The list's one member.
    private enum ListKeys: String, CodingKey {
        case items
    }

    /// Reads `{"items": [...]}`.
    /// - Throws: `DecodingError` when `items`, or a required member of an entry (`at`,
    ///   `actorId`, `to`), is missing or of another type.
    init(from decoder: any Decoder) throws {
        var items = try decoder.container(keyedBy: ListKeys.self).nestedUnkeyedContainer(forKey: .items)
        var entries: [StageChangeDTO] = []
        entries.reserveCapacity(items.count ?? 0)
        while !items.isAtEnd {
            let entry = try items.nestedContainer(keyedBy: StageChangeDTO.CodingKeys.self)
            entries.append(StageChangeDTO(
                at: try entry.decode(Date.self, forKey: .at), actorId: try entry.decode(String.self, forKey: .actorId).lowercased(),
                from: try entry.decodeIfPresent(String.self, forKey: .from), to: try entry.decode(String.self, forKey: .to),
                reason: try entry.decodeIfPresent(String.self, forKey: .reason), note: try entry.decodeIfPresent(String.self, forKey: .note)))
        }
        self.entries = entries
    }
}
