import Foundation

/// A parsed JSON value: the small, lenient tree that Stripe payloads, the plans file
/// (`BillingCore`) and JSON-LD blocks (`JobPageParser`) are read into.
///
/// Why not `Codable` models: Stripe payloads differ across API versions (fields move, expandable
/// fields arrive as an id string or as the whole object, `request` is null, a string or an
/// object), the plans file must report unknown keys, which a `Decodable` struct silently drops,
/// and schema.org allows one value or a list for almost every property.
///
/// Numbers are kept exact as `Decimal` (a salary of `1234.56` stays `1234.56`, not the binary
/// double's `1234.5599...`); ``intValue`` reads one as an integer when it is one (so `4900` and
/// `4900.0` both give 4900). Object key order is not kept (JSON gives it no meaning); when a key
/// repeats, the decoder keeps one of the values.
public enum JSONValue: Sendable, Hashable {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A number, exact in decimal (`Decimal.nan` for one beyond a decimal's range, ±10^128).
    case number(Decimal)
    /// A string.
    case string(String)
    /// An array.
    case array([JSONValue])
    /// An object.
    case object([String: JSONValue])

    /// Parses JSON text (UTF-8, UTF-16 or UTF-32 as `JSONDecoder` detects it).
    /// - Throws: the `DecodingError` of `JSONDecoder` when `data` is not JSON.
    public init(parsing data: Data) throws {
        self = try JSONDecoder().decode(JSONValue.self, from: data)
    }

    /// The most useful line of a `JSONDecoder` error (its underlying parser message, which
    /// carries the line and column) without Swift's dump of the coding path, for messages.
    public static func parseErrorMessage(_ error: any Error) -> String {
        if case DecodingError.dataCorrupted(let context) = error {
            if let underlying = context.underlyingError {
                let text = (underlying as NSError).userInfo[NSDebugDescriptionErrorKey] as? String
                return text ?? String(describing: underlying)
            }
            return context.debugDescription
        }
        return String(describing: error)
    }

    /// The member `key` of an object; `nil` for a missing key and for any non-object value.
    /// A key present with `null` gives ``null``, so callers can tell "absent" from "null".
    public subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    /// The element at `index` of an array; `nil` when out of range or not an array.
    public subscript(index: Int) -> JSONValue? {
        if case .array(let elements) = self, elements.indices.contains(index) { return elements[index] }
        return nil
    }

    /// The string, or `nil` for any other kind of value.
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The number as an integer, or `nil` for any other kind of value, a fractional number, or
    /// one outside `Int`'s range (64 bits on supported platforms).
    public var intValue: Int? {
        // `Decimal`'s description is the plain shortest form ("4900" for 4900.0), which `Int`
        // parses exactly or refuses.
        if case .number(let value) = self { return Int(value.description) }
        return nil
    }

    /// The number, or `nil` for any other kind of value.
    public var decimalValue: Decimal? {
        if case .number(let value) = self { return value }
        return nil
    }

    /// The boolean, or `nil` for any other kind of value (numbers are not booleans).
    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The members of an object, or `nil` for any other kind of value.
    public var objectValue: [String: JSONValue]? {
        if case .object(let members) = self { return members }
        return nil
    }

    /// The elements of an array, or `nil` for any other kind of value.
    public var arrayValue: [JSONValue]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    /// Whether this is ``null``.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The kind of value as JSON names it (`"null"`, `"boolean"`, `"number"`, `"string"`,
    /// `"array"`, `"object"`), for error messages.
    public var kindName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }
}

extension JSONValue: Decodable {
    /// Decodes any JSON value.
    /// - Throws: `DecodingError.dataCorrupted` when the value is none of the JSON kinds.
    public init(from decoder: any Decoder) throws {
        // Each failed `decode` throws and catches a `DecodingError`, the main cost of reading a
        // payload (issue 9: 10% of a webhook's CPU with numbers tried first). So the kinds most
        // payloads are made of come first: strings, then objects. Every kind is tried strictly
        // (`JSONDecoder` reads no string as a number or a number as a string), so the order
        // changes the cost, not the result, with one exception kept: Bool before numbers.
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([String: JSONValue].self) {
            self = .object(value)
        } else if let value = try? container.decode(Bool.self) {
            // Before numbers: JSONDecoder refuses to read a number as Bool, but a platform
            // that bridges through NSNumber could otherwise turn `true` into 1.
            self = .bool(value)
        } else if let value = try? container.decode(Decimal.self) {
            self = .number(value)
        } else if (try? container.decode(Double.self)) != nil {
            // A number beyond a decimal's exponent range (about 10^±128; `1e-200`): no field we
            // read holds one, but one in a field we ignore must not make the whole payload
            // unreadable. It is kept as a number that is no integer and equals nothing.
            self = .number(.nan)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a JSON value")
        }
    }
}

extension JSONValue: Encodable {
    /// Encodes the value as the JSON it stands for (with `JSONEncoder`: objects as objects,
    /// numbers as number literals, exactly as kept).
    /// - Throws: `EncodingError.invalidValue` for `Decimal.nan` (a number beyond a decimal's
    ///   range, read from elsewhere), which JSON cannot write.
    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .null:
            var container = encoder.singleValueContainer()
            try container.encodeNil()
        case .bool(let value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        case .number(let value):
            guard !value.isNaN else {
                throw EncodingError.invalidValue(value, EncodingError.Context(codingPath: encoder.codingPath,
                                                                              debugDescription: "a number beyond a decimal's range cannot be written"))
            }
            var container = encoder.singleValueContainer()
            try container.encode(value)
        case .string(let value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        case .array(let elements):
            var container = encoder.singleValueContainer()
            try container.encode(elements)
        case .object(let members):
            var container = encoder.singleValueContainer()
            try container.encode(members)
        }
    }
}
