/// A Stripe object that has an id, so that it can stand inside an expandable field.
public protocol StripeIdentifiable: Sendable {
    var id: String { get }
}

/// A field that Stripe sends as the related object's id, or as the whole object when the request
/// asked for it with `expand[]` (Stripe API reference, "Expanding responses").
///
/// Decodes either shape; `id` is there in both.
public enum StripeExpandable<Object: StripeIdentifiable & Decodable & Equatable>: Sendable, Equatable, Decodable {
    case id(String)
    case object(Object)

    /// The related object's id, whichever shape came.
    public var id: String {
        switch self {
        case .id(let id): id
        case .object(let object): object.id
        }
    }

    /// The whole object, when it was expanded.
    public var object: Object? {
        if case .object(let object) = self { return object }
        return nil
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let id = try? container.decode(String.self) {
            self = .id(id)
        } else {
            self = .object(try container.decode(Object.self))
        }
    }
}
