import Fluent
import NIOConcurrencyHelpers
import SQLKit

extension Fields {
    /// The SQL column of a model property, read from its `@Field(key:)`/`@ID` declaration, so a
    /// statement written with SQLKit (an `UPDATE ... RETURNING`, an upsert) names the column
    /// without repeating its name as a string: the model stays the one place it is written.
    ///
    /// `Invitation.column(\.$status)` is the identifier `status`. Each name is read once per
    /// process (reading it makes a model instance) and remembered by key path.
    static func column<Property: AnyQueryableProperty>(_ property: KeyPath<Self, Property>) -> SQLIdentifier {
        let key = ColumnNames.Key(path: property)
        if let known = ColumnNames.known.withLockedValue({ $0[key] }) { return known }
        let name = SQLIdentifier(path(for: property).map(\.description).joined(separator: "_"))
        ColumnNames.known.withLockedValue { $0[key] = name }
        return name
    }
}

/// The column names `Fields.column` has read, by key path (a few dozen in all).
private enum ColumnNames {
    /// A key path as a dictionary key (key paths are immutable values).
    struct Key: Hashable, @unchecked Sendable {
        let path: AnyKeyPath
    }

    static let known = NIOLockedValueBox([Key: SQLIdentifier]())
}

extension SQLIdentifier {
    /// The identifier as SQL text, quoted as PostgreSQL and SQLite both read it (`"name"`, an
    /// inner `"` doubled): for the text of a hot statement written once per process instead of
    /// serialized by SQLKit on every request (the CSRF token, the job move, the subscription
    /// webhook, matching's load).
    var quotedText: String { "\"" + string.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
}
