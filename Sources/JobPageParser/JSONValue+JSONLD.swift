import Foundation
import JSONTree

/// How JSON-LD blocks (and microdata turned into the same shape) are read into the shared
/// `JSONValue` tree, and the readings schema.org's loose values need.
extension JSONValue {
    /// Converts what `JSONSerialization` returns. On Linux it hands back `NSNumber` for numbers
    /// and booleans alike, and `1 as? Bool` succeeds, so booleans are told apart by their
    /// Objective-C type code ("c").
    ///
    /// Class instances (the numbers) and Swift values (strings, arrays, dictionaries) are cast
    /// apart: casting a Swift dictionary or array to a class bridges it to an `NSDictionary` or
    /// `NSArray` first, and casting a number to a Swift collection tries bridging the other way,
    /// which together took most of the time of reading a large block. Recursion is one level
    /// per level of nesting, which `LenientJSON.maximumDepth` bounds.
    init(foundation value: Any) {
        if type(of: value) is AnyClass {
            switch value as AnyObject {
            case let decimal as NSDecimalNumber:
                self = .number(decimal.decimalValue)
                return
            case let number as NSNumber:
                if String(cString: number.objCType) == "c" {
                    self = .bool(number.boolValue)
                } else {
                    // Through the shortest text form, so that 1234.56 stays 1234.56 rather than
                    // the binary double's 1234.5599999... No locale: "." is the separator.
                    self = Decimal(string: number.stringValue).map(JSONValue.number) ?? .null
                }
                return
            default:
                break
            }
        }
        switch value {
        case let string as String:
            self = .string(string)
        case let array as [Any]:
            self = .array(array.map(JSONValue.init(foundation:)))
        case let object as [String: Any]:
            self = .object(object.mapValues(JSONValue.init(foundation:)))
        default:
            self = .null
        }
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
            let trimmed = Self.trimmingWhiteSpace(string)
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

    /// `string.trimmingCharacters(in: .whitespacesAndNewlines)`, without Foundation's detour
    /// through UTF-16, which made it the slowest step of reading a long value. The same
    /// characters (pinned against Foundation by a test) and, as all of them are single UTF-16
    /// units, the same result.
    static func trimmingWhiteSpace(_ string: String) -> String {
        let scalars = string.unicodeScalars
        guard let first = scalars.firstIndex(where: { !isWhiteSpaceOrNewline($0) }),
            let last = scalars.lastIndex(where: { !isWhiteSpaceOrNewline($0) })
        else { return "" }
        if first == scalars.startIndex, scalars.index(after: last) == scalars.endIndex { return string }
        return String(scalars[first...last])
    }

    /// Whether Foundation's `CharacterSet.whitespacesAndNewlines` holds the scalar: Unicode's
    /// space separators, line and paragraph separators, tab to carriage return, NEL, and (unlike
    /// Unicode's White_Space property) U+200B ZERO WIDTH SPACE.
    static func isWhiteSpaceOrNewline(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09...0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200B, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            return true
        default:
            return false
        }
    }
}
