import Foundation

/// A JSON value as read from a JSON-LD block (or built from microdata), in a `Sendable` shape
/// that is easy to pattern-match, instead of `Any` from `JSONSerialization`.
enum JSONValue: Sendable, Equatable {
    case string(String)
    case number(Decimal)
    case bool(Bool)
    case null
    case array([JSONValue])
    case object([String: JSONValue])

    /// Converts what `JSONSerialization` returns. On Linux it hands back `NSNumber` for numbers
    /// and booleans alike, and `1 as? Bool` succeeds, so booleans are told apart by their
    /// Objective-C type code ("c").
    init(foundation value: Any) {
        switch value {
        case let string as String:
            self = .string(string)
        case let decimal as NSDecimalNumber:
            self = .number(decimal.decimalValue)
        case let number as NSNumber:
            if String(cString: number.objCType) == "c" {
                self = .bool(number.boolValue)
            } else {
                // Through the shortest text form, so that 1234.56 stays 1234.56 rather than
                // the binary double's 1234.5599999...
                self = Decimal(string: number.stringValue, locale: Locale(identifier: "en_US_POSIX"))
                    .map(JSONValue.number) ?? .null
            }
        case let array as [Any]:
            self = .array(array.map(JSONValue.init(foundation:)))
        case let object as [String: Any]:
            self = .object(object.mapValues(JSONValue.init(foundation:)))
        default:
            self = .null
        }
    }

    /// The member `key` of an object; nil for anything else.
    subscript(key: String) -> JSONValue? {
        if case .object(let object) = self { return object[key] }
        return nil
    }

    /// The members of an object, or nil.
    var object: [String: JSONValue]? {
        if case .object(let object) = self { return object }
        return nil
    }

    /// The value itself as a list: an array's elements, or a single value as a one-element list
    /// (schema.org allows one value or several for almost every property).
    var elements: [JSONValue] {
        switch self {
        case .array(let values): return values
        case .null: return []
        default: return [self]
        }
    }

    /// A scalar as text: a string trimmed, a number in plain notation; a JSON-LD value object's
    /// `@value`; the first usable element of an array. Empty text is nil.
    var text: String? {
        switch self {
        case .string(let string):
            let trimmed = string.trimmingCharacters(in: .whitespacesAndNewlines)
            return trimmed.isEmpty ? nil : trimmed
        case .number(let number):
            return "\(number)"
        case .array(let values):
            return values.lazy.compactMap(\.text).first
        case .object(let object):
            return object["@value"]?.text
        case .bool, .null:
            return nil
        }
    }
}
