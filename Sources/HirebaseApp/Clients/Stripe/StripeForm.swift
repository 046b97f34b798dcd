/// A request body for Stripe's API: `application/x-www-form-urlencoded`, with Stripe's nested
/// keys (Stripe API reference, "Request and response formats"; Stripe's curl examples).
///
/// Nesting is written into the keys the way Stripe's libraries write it (stripe-ruby
/// `Util.flatten_params`):
/// - a dictionary's entries as `key[sub]`: `metadata[user_id]=...`;
/// - an array of dictionaries with indices: `line_items[0][price]=...&line_items[0][quantity]=1`;
/// - an array of plain values with empty brackets: `expand[]=line_items&expand[]=customer`.
///
/// Every name and value is then percent-encoded with the `application/x-www-form-urlencoded`
/// serializer of the WHATWG URL Standard (§ 5.2): UTF-8 bytes, ASCII letters and digits and
/// `*-._` kept, space as `+`, every other byte as `%XX` (uppercase), so `[` and `]` in names go
/// as `%5B` and `%5D`, as stripe-node and stripe-go send them; Stripe decodes both forms.
///
/// Entries keep the order they are written in, so a body is the same for the same request (the
/// same `Idempotency-Key` must come with the same parameters).
public struct StripeForm: Sendable, Equatable, ExpressibleByDictionaryLiteral {
    /// One named entry of a form or of a nested dictionary.
    public struct Field: Sendable, Equatable {
        public var name: String
        public var value: Value

        public init(_ name: String, _ value: Value) {
            self.name = name
            self.value = value
        }
    }

    /// A value: text, a dictionary of named values, or a list.
    public indirect enum Value: Sendable, Equatable, ExpressibleByStringLiteral, ExpressibleByArrayLiteral,
        ExpressibleByDictionaryLiteral
    {
        case string(String)
        case dictionary([Field])
        case array([Value])

        public init(stringLiteral value: String) { self = .string(value) }
        public init(arrayLiteral elements: Value...) { self = .array(elements) }
        public init(dictionaryLiteral elements: (String, Value)...) {
            self = .dictionary(elements.map { Field($0.0, $0.1) })
        }
    }

    public var fields: [Field]

    public init(_ fields: [Field] = []) { self.fields = fields }

    public init(dictionaryLiteral elements: (String, Value)...) {
        fields = elements.map { Field($0.0, $0.1) }
    }

    /// Adds an entry at the end.
    public mutating func append(_ name: String, _ value: Value) { fields.append(Field(name, value)) }

    /// The flat `name=value` pairs, names written with Stripe's brackets, not yet percent-encoded.
    public var pairs: [(name: String, value: String)] {
        var result: [(name: String, value: String)] = []
        for field in fields { Self.flatten(field.value, as: field.name, into: &result) }
        return result
    }

    /// The body: the pairs percent-encoded and joined with `&`.
    public var encoded: String {
        pairs.map { "\(Self.percentEncode($0.name))=\(Self.percentEncode($0.value))" }.joined(separator: "&")
    }

    private static func flatten(_ value: Value, as name: String, into result: inout [(name: String, value: String)]) {
        switch value {
        case .string(let text):
            result.append((name, text))
        case .dictionary(let fields):
            for field in fields { flatten(field.value, as: "\(name)[\(field.name)]", into: &result) }
        case .array(let elements):
            for (index, element) in elements.enumerated() {
                if case .string(let text) = element {
                    result.append(("\(name)[]", text))
                } else {
                    flatten(element, as: "\(name)[\(index)]", into: &result)
                }
            }
        }
    }

    /// `text` percent-encoded by the WHATWG `application/x-www-form-urlencoded` serializer
    /// (URL Standard § 5.2 and the "application/x-www-form-urlencoded percent-encode set").
    public static func percentEncode(_ text: String) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "*"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"):
                bytes.append(byte)
            case UInt8(ascii: " "):
                bytes.append(UInt8(ascii: "+"))
            default:
                bytes.append(UInt8(ascii: "%"))
                bytes.append(hexDigits[Int(byte >> 4)])
                bytes.append(hexDigits[Int(byte & 0x0F)])
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static let hexDigits = Array("0123456789ABCDEF".utf8)
}
