import Foundation

/// A Stripe customer, as much of it as billing needs (Stripe API reference, "The Customer object").
public struct StripeCustomer: StripeIdentifiable, Equatable, Decodable {
    /// `cus_...`
    public var id: String
    /// The customer's e-mail address, if one was given. Personal data: never log it unmasked.
    public var email: String?
    /// Our keys on the object; Hirebase sets `user_id` (`API.md` § Billing).
    public var metadata: [String: String]

    /// Our user id from `metadata[user_id]`, when it is there and is a UUID.
    public var userID: UUID? { metadata["user_id"].flatMap(UUID.init(uuidString:)) }

    public init(id: String, email: String? = nil, metadata: [String: String] = [:]) {
        self.id = id
        self.email = email
        self.metadata = metadata
    }

    enum CodingKeys: String, CodingKey {
        case id, email, metadata
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        email = try container.decodeIfPresent(String.self, forKey: .email)
        metadata = try container.decodeIfPresent([String: String].self, forKey: .metadata) ?? [:]
    }
}
