/// Why a webhook body, one of its objects, or an API answer could not be read as ``StripeEvent``
/// or a ``StripeObject``.
///
/// Only what a handler cannot do without is required (an event's `id`, `type`, `created` and
/// `data.object`; an object's `id`, and a subscription's `status`); every other field is optional
/// and a wrong type there reads as absent, because Stripe adds and moves fields across API versions.
public enum StripeEventError: Error, Sendable, Hashable {
    /// The body is not JSON; the text is the parser's message.
    case invalidJSON(String)
    /// The body is JSON but its `object` is not `"event"` (for example a `"v2.core.event"` thin
    /// event, whose data must be fetched from the API).
    case notAnEvent(object: String)
    /// A required field is absent or `null`; the value is its path (`"data.object"`, `"id"`).
    case missingField(String)
    /// A required field has the wrong JSON kind.
    case wrongType(field: String, expected: String)
    /// The object's `object` names another kind of object than the reader reads
    /// (e.g. ``InvoiceView`` over a `"subscription"`).
    case unexpectedObject(expected: String, found: String)
}
