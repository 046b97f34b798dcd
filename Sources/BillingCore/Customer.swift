import JSONTree
import Foundation

/// A Stripe customer (https://docs.stripe.com/api/customers/object): the payer Hirebase creates
/// once per user, read from `POST /v1/customers` answers.
public struct Customer: StripeObject, Hashable {
    /// The value of `object` for customers.
    public static let objectType = "customer"

    /// Customer id (`cus_...`).
    public var id: String
    /// The customer's e-mail address, if one was given. Personal data: never log it unmasked.
    public var email: String?
    /// `metadata` (string values only); Hirebase sets `user_id` (`API.md` § Billing).
    public var metadata: [String: String]

    /// Creates a customer from its parts (tests).
    public init(id: String, email: String? = nil, metadata: [String: String] = [:]) {
        self.id = id
        self.email = email
        self.metadata = metadata
    }

    /// `metadata.user_id` as our user id, when it is a UUID.
    public var userID: UUID? {
        metadata["user_id"].flatMap(UUID.init(uuidString:))
    }

    /// Reads a customer object.
    /// - Throws: ``StripeEventError`` when it is not an object, is another kind of object, or has no `id`.
    public init(object: JSONValue) throws(StripeEventError) {
        id = try object.requireStripeObject(Self.objectType)
        email = object["email"]?.nonEmptyString
        metadata = object["metadata"]?.stripeMetadata ?? [:]
    }
}
