import JSONTree
import Foundation

/// The fields Hirebase needs from an Invoice (https://docs.stripe.com/api/invoices/object), the
/// object of `invoice.paid` and `invoice.payment_failed`, in both API shapes.
///
/// Where the shapes differ:
/// - The subscription is the top-level `subscription` before API version 2025-03-31 and
///   `parent.subscription_details.subscription` since 2025-03-31 "basil" (Stripe API changelog
///   2025-03-31.basil, "Invoicing resources now specify how they were generated",
///   https://docs.stripe.com/changelog/basil/2025-03-31/adds-new-parent-field-to-invoicing-objects);
///   either may be an id or an expanded object. The top-level field is used when present.
/// - The subscription's metadata snapshot is `parent.subscription_details.metadata` (basil) or
///   `subscription_details.metadata` (2024 versions).
/// - A line's subscription price is `pricing.price_details.price` (basil) or `price.id` /
///   `plan.id` (older).
///
/// The invoice's own `period_start/period_end` are not used: for a renewal they describe the
/// period that just ended. The service period comes from the subscription line's `period`.
public struct InvoiceView: StripeObject, Hashable {
    /// The value of `object` for invoices.
    public static let objectType = "invoice"

    /// Invoice id (`in_...`).
    public let id: String
    /// The customer id (`cus_...`).
    public let customerID: String?
    /// The subscription id (`sub_...`) this invoice bills, if any.
    public let subscriptionID: String?
    /// `draft`, `open`, `paid`, `uncollectible` or `void`; absent in very old payloads.
    public let status: String?
    /// Why the invoice exists: `subscription_create`, `subscription_cycle`, `subscription_update`,
    /// `manual`, ...
    public let billingReason: String?
    /// The billed service period of the subscription line (`lines.data[i].period`): the first line
    /// that belongs to a subscription item, else the first line; `nil` without lines.
    public let linePeriod: BillingPeriod?
    /// The price id of that line, if given.
    public let linePriceID: String?
    /// The invoice's `metadata` (string values only).
    public let metadata: [String: String]
    /// The subscription's metadata as copied onto the invoice (see the type's notes); empty if absent.
    public let subscriptionMetadata: [String: String]
    /// `amount_paid` in minor units.
    public let amountPaid: Int?
    /// `amount_due` in minor units.
    public let amountDue: Int?
    /// Lower-case ISO 4217 currency.
    public let currency: String?
    /// When the invoice was created.
    public let created: Date?

    /// `metadata.user_id` of the invoice, else of the subscription's metadata snapshot.
    public var userID: String? {
        metadata["user_id"] ?? subscriptionMetadata["user_id"]
    }

    /// Reads an invoice object.
    /// - Throws: ``StripeEventError`` when it is not an object, is another kind of object, or has no `id`.
    public init(object: JSONValue) throws(StripeEventError) {
        id = try object.requireStripeObject(Self.objectType)
        customerID = object["customer"]?.expandableID
        status = object["status"]?.nonEmptyString
        billingReason = object["billing_reason"]?.nonEmptyString
        metadata = object["metadata"]?.stripeMetadata ?? [:]
        subscriptionMetadata = object.at("parent", "subscription_details", "metadata")?.objectValue != nil
            ? object.at("parent", "subscription_details", "metadata")?.stripeMetadata ?? [:]
            : object.at("subscription_details", "metadata")?.stripeMetadata ?? [:]
        amountPaid = object["amount_paid"]?.intValue
        amountDue = object["amount_due"]?.intValue
        currency = object["currency"]?.nonEmptyString
        created = object["created"]?.unixDate

        let line = Self.subscriptionLine(of: object)
        linePeriod = line.flatMap { line in
            guard let start = line.at("period", "start")?.intValue, let end = line.at("period", "end")?.intValue else { return nil }
            return BillingPeriod(unixStart: start, unixEnd: end)
        }
        linePriceID = line?.at("pricing", "price_details", "price")?.expandableID
            ?? line?["price"]?.expandableID
            ?? line?["plan"]?.expandableID
        subscriptionID = object["subscription"]?.expandableID
            ?? object.at("parent", "subscription_details", "subscription")?.expandableID
            ?? line?.at("parent", "subscription_item_details", "subscription")?.expandableID
            ?? line?["subscription"]?.expandableID
    }

    /// The line that bills a subscription item: basil marks it `parent.type ==
    /// "subscription_item_details"`, older versions `type == "subscription"`; Stripe's 2012 sample
    /// events list them under `lines.subscriptions`. Else the first line.
    private static func subscriptionLine(of invoice: JSONValue) -> JSONValue? {
        if let lines = invoice.at("lines", "data")?.arrayValue {
            return lines.first { line in
                line.at("parent", "type")?.stringValue == "subscription_item_details" || line["type"]?.stringValue == "subscription"
            } ?? lines.first
        }
        return invoice.at("lines", "subscriptions")?[0]
    }
}
