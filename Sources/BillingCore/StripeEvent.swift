import JSONTree
import Foundation

/// A Stripe webhook event (https://docs.stripe.com/api/events/object), read leniently so that
/// every API version's shape parses.
///
/// Shape: `{"id": "evt_...", "object": "event", "type": "customer.subscription.updated",
/// "created": <Unix seconds>, "api_version": "2025-03-31.basil" | null | absent, "livemode": bool,
/// "request": null | "req_..." (old API versions) | {"id": "req_..." | null, "idempotency_key": ... | null},
/// "data": {"object": {...}, "previous_attributes": {...} | null | absent}}`.
/// Unknown fields are ignored. Parse only a body whose signature ``StripeSignature`` accepted.
///
/// The objects' readers (``CheckoutSession``, ``Subscription``, ``InvoiceView``; see
/// ``StripeObject``) read ``dataObject`` in both the pre-2025-03-31 and the 2025-03-31 "basil" shapes.
public struct StripeEvent: Sendable, Hashable {
    /// The event id (`evt_...`); the key under which events are stored so that a redelivery
    /// is acknowledged without being applied twice.
    public let id: String
    /// The event type, e.g. `checkout.session.completed`.
    public let type: String
    /// When Stripe created the event, in Unix seconds (whole seconds, as Stripe sends it).
    public let created: Int
    /// The API version the payload was rendered with (`2025-03-31.basil`), if given.
    public let apiVersion: String?
    /// Whether the event comes from live mode; `nil` when the payload does not say.
    public let livemode: Bool?
    /// `data.object`: the object as it was when the event happened.
    public let dataObject: JSONValue
    /// `data.previous_attributes` on `*.updated` events: the changed fields' old values; `nil`
    /// when absent or `null`.
    public let previousAttributes: JSONValue?
    /// The API request that caused the event (`req_...`): `request` itself when it is a string
    /// (old API versions), `request.id` when it is an object; `nil` for automatic events.
    public let requestID: String?
    /// `request.idempotency_key` of that request, when given.
    public let idempotencyKey: String?

    /// Parses a webhook body.
    /// - Throws: ``StripeEventError/invalidJSON(_:)`` for non-JSON, otherwise as ``init(json:)``.
    public init(payload: Data) throws(StripeEventError) {
        let json: JSONValue
        do {
            json = try JSONValue(parsing: payload)
        } catch {
            throw .invalidJSON(JSONValue.parseErrorMessage(error))
        }
        try self.init(json: json)
    }

    /// Reads an already parsed event.
    /// - Throws: ``StripeEventError``: `wrongType` when the body is not an object,
    ///   `notAnEvent` when its `object` is present and not `"event"`, `missingField` / `wrongType`
    ///   for `id`, `type`, `created` (an integer) or `data.object` (an object); `wrongType` for an
    ///   `id` longer than `JSONValue.maxStripeIDLength`.
    public init(json: JSONValue) throws(StripeEventError) {
        guard case .object = json else { throw .wrongType(field: "(body)", expected: "object") }
        // Stripe's old sample events have no "object" field, so only a different value is refused.
        if let object = json["object"]?.stringValue, object != "event" { throw .notAnEvent(object: object) }
        id = try Self.requiredString(json, "id")
        guard id.utf8.count <= JSONValue.maxStripeIDLength else {
            throw .wrongType(field: "id", expected: "a Stripe id (at most \(JSONValue.maxStripeIDLength) characters)")
        }
        type = try Self.requiredString(json, "type")
        switch json["created"] {
        case let number? where number.intValue != nil: created = number.intValue ?? 0
        case nil, .null?: throw .missingField("created")
        case _?: throw .wrongType(field: "created", expected: "integer (Unix seconds)")
        }
        switch json.at("data", "object") {
        case let object? where object.objectValue != nil: dataObject = object
        case nil, .null?: throw .missingField("data.object")
        case _?: throw .wrongType(field: "data.object", expected: "object")
        }
        apiVersion = json["api_version"]?.nonEmptyString
        livemode = json["livemode"]?.boolValue
        let previous = json.at("data", "previous_attributes")
        previousAttributes = previous?.objectValue == nil ? nil : previous
        switch json["request"] {
        case .string(let id)?:
            requestID = id.isEmpty ? nil : id
            idempotencyKey = nil
        case let request? where request.objectValue != nil:
            requestID = request["id"]?.nonEmptyString
            idempotencyKey = request["idempotency_key"]?.nonEmptyString
        default:
            requestID = nil
            idempotencyKey = nil
        }
    }

    /// ``created`` as a `Date`.
    public var createdDate: Date {
        Date(timeIntervalSince1970: TimeInterval(created))
    }

    /// The handled type this event is, or `nil` for a type Hirebase ignores.
    public var handledType: StripeEventType? {
        StripeEventType(rawValue: type)
    }

    /// `data.object.object`: the kind of object (`"subscription"`, `"invoice"`, ...), if given.
    public var objectType: String? {
        dataObject["object"]?.stringValue
    }

    /// The position of this event's state in the object's history (see ``StripeWatermark``).
    public var watermark: StripeWatermark {
        StripeWatermark(event: self)
    }

    private static func requiredString(_ json: JSONValue, _ key: String) throws(StripeEventError) -> String {
        switch json[key] {
        case .string(let text)? where !text.isEmpty: return text
        case nil, .null?, .string?: throw .missingField(key)
        case _?: throw .wrongType(field: key, expected: "string")
        }
    }
}
