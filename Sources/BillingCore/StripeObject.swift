import JSONTree
import Foundation

/// A Stripe object Hirebase reads, with its one reader: the same code reads the object in a
/// webhook event's `data.object` and in an API answer, whatever the API version's shape.
///
/// Readers are lenient, as ``StripeEventError`` describes: only what cannot be done without is
/// required, and a field of the wrong kind reads as absent.
public protocol StripeObject: Sendable {
    /// The value of the object's `object` field (`"subscription"`, `"checkout.session"`, ...).
    static var objectType: String { get }

    /// Reads the object.
    /// - Throws: ``StripeEventError`` when it is not an object, is another kind of object, or
    ///   lacks a required field.
    init(object: JSONValue) throws(StripeEventError)
}

extension StripeObject {
    /// Reads the object of an event (`data.object`).
    /// - Throws: as ``init(object:)``.
    public init(event: StripeEvent) throws(StripeEventError) {
        try self.init(object: event.dataObject)
    }

    /// Reads the object from JSON text (an API answer's body).
    /// - Throws: ``StripeEventError/invalidJSON(_:)`` for text that is not JSON, else as ``init(object:)``.
    public init(json: Data) throws(StripeEventError) {
        let value: JSONValue
        do {
            value = try JSONValue(parsing: json)
        } catch {
            throw .invalidJSON(JSONValue.parseErrorMessage(error))
        }
        try self.init(object: value)
    }
}
