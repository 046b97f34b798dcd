import Fluent
import SQLKit

extension Fields {
    /// The SQL column of a model property, read from its `@Field(key:)`/`@ID` declaration, so a
    /// statement written with SQLKit (an `UPDATE ... RETURNING`, an upsert) names the column
    /// without repeating its name as a string: the model stays the one place it is written.
    ///
    /// `Invitation.column(\.$status)` is the identifier `status`.
    static func column<Property: AnyQueryableProperty>(_ property: KeyPath<Self, Property>) -> SQLIdentifier {
        SQLIdentifier(path(for: property).map(\.description).joined(separator: "_"))
    }
}
