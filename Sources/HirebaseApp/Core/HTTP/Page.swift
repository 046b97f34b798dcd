import Foundation
import Vapor

/// A page of a list: `{"items": [...], "nextCursor": "..." | null}`; the key is always present.
public struct Page<Item: Content>: Content {
    public var items: [Item]
    public var nextCursor: String?

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(items, forKey: .items)
        try container.encode(nextCursor, forKey: .nextCursor)
    }
}

/// `?limit=` (1...100, default 20) and `?cursor=` of a list request.
///
/// The cursor is opaque to callers: base64url of `"{createdAtMicros}|{id}"` of the last item;
/// lists are ordered newest first, ties broken by id.
public struct PageRequest: Sendable {
    public var limit: Int
    public var after: (micros: Int64, id: UUID)?

    /// - Throws: `AppError` 400 for a limit outside 1...100 or a cursor this server did not make.
    public init(limit: Int?, cursor: String?) throws {
        let limit = limit ?? 20
        guard (1...100).contains(limit) else { throw AppError.invalidField("limit", "must be between 1 and 100") }
        self.limit = limit
        if let cursor, !cursor.isEmpty {
            guard let data = Data(base64URLEncoded: cursor), let text = String(data: data, encoding: .utf8) else {
                throw AppError.invalidField("cursor", "is not a cursor from this API")
            }
            let parts = text.split(separator: "|")
            guard parts.count == 2, let micros = Int64(parts[0]), let id = UUID(uuidString: String(parts[1])) else {
                throw AppError.invalidField("cursor", "is not a cursor from this API")
            }
            after = (micros, id)
        }
    }

    /// The cursor pointing after an item.
    public static func cursor(micros: Int64, id: UUID) -> String {
        Data("\(micros)|\(id.uuidString.lowercased())".utf8).base64URLEncodedString()
    }
}

extension UUID {
    /// The contract's id form: lower-case, hyphenated.
    var lowercased: String { uuidString.lowercased() }
}
