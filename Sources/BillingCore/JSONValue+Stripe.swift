import JSONTree
import Foundation

/// Readers for the ways Stripe writes fields, shared by the event views.
extension JSONValue {
    /// The value at a path of object keys (`value.at("parent", "subscription_details", "subscription")`);
    /// `nil` as soon as a step is missing or not an object.
    func at(_ keys: String...) -> JSONValue? {
        var current: JSONValue? = self
        for key in keys { current = current?[key] }
        return current
    }

    /// The longest id Stripe writes, in UTF-8 bytes: "object IDs we generate will never exceed
    /// 255 characters" (Stripe, API upgrades, "backwards-compatible changes"). A longer one is no
    /// Stripe id, and it would not fit the PostgreSQL b-tree indexes on `stripe_events.event_id`,
    /// `subscriptions.subscription_id` and `customer_id` (about 2,700 bytes an entry): the
    /// event would fail there as a 500, retried by Stripe for days.
    public static let maxStripeIDLength = 255

    /// The id of an expandable field: Stripe sends the id string, or the whole object when the
    /// request expanded it (`{"id": "cus_...", "object": "customer", ...}`). `nil` for `null`,
    /// an empty string, one longer than ``maxStripeIDLength`` (no id Stripe writes), or anything else.
    var expandableID: String? {
        let id: String? = switch self {
        case .string(let id): id
        case .object(let members): members["id"]?.stringValue
        default: nil
        }
        guard let id, !id.isEmpty, id.utf8.count <= Self.maxStripeIDLength else { return nil }
        return id
    }

    /// A `metadata` object as strings (Stripe stores metadata values as strings; others are
    /// skipped). Empty for `null` or a missing field.
    var stripeMetadata: [String: String] {
        guard let members = objectValue else { return [:] }
        return members.compactMapValues(\.stringValue)
    }

    /// A Unix timestamp in seconds as a `Date`, or `nil` for anything but an integer in
    /// ``unixDateRange``: a date the API could not write as an RFC 3339 timestamp (four-digit
    /// years, RFC 3339 section 5.6) counts as absent, so that an absurd Stripe period end never
    /// reaches a response as `318857-05-20T17:48:20Z`.
    var unixDate: Date? {
        intValue.flatMap { Self.unixDateRange.contains($0) ? Date(timeIntervalSince1970: TimeInterval($0)) : nil }
    }

    /// The Unix timestamps (seconds) read as dates: 1970-01-01T00:00:00Z through
    /// 9999-12-31T23:59:59Z, the last instant RFC 3339's four-digit year can write.
    static let unixDateRange = 0...253_402_300_799

    /// A non-empty string, else `nil`.
    var nonEmptyString: String? {
        stringValue.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Checks that this is an object of Stripe kind `expected` (its `object` field; a missing
    /// `object` is accepted, as in some old sample events) and returns its required `id`.
    /// - Throws: ``StripeEventError`` when it is no object, of another kind, without an `id`, or
    ///   with one longer than ``maxStripeIDLength``.
    func requireStripeObject(_ expected: String) throws(StripeEventError) -> String {
        guard case .object = self else { throw .wrongType(field: "data.object", expected: "object") }
        if let found = self["object"]?.stringValue, found != expected {
            throw .unexpectedObject(expected: expected, found: found)
        }
        guard let id = self["id"]?.nonEmptyString else { throw .missingField("id") }
        guard id.utf8.count <= Self.maxStripeIDLength else {
            throw .wrongType(field: "id", expected: "a Stripe id (at most \(Self.maxStripeIDLength) characters)")
        }
        return id
    }
}
