/// A list stored in one JSON column as `{"items": [...]}`.
///
/// Why not the bare array: Fluent's PostgreSQL driver binds a Swift array as a PostgreSQL array
/// (`jsonb[]`), which a `jsonb` column refuses; an object is bound as `jsonb` on PostgreSQL and as
/// JSON text on SQLite alike.
public struct JSONList<Element: Codable & Sendable & Equatable>: Codable, Sendable, Equatable {
    public var items: [Element]

    public init(items: [Element]) {
        self.items = items
    }
}
