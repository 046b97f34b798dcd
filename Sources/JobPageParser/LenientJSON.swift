import Foundation

/// Parses the text of a JSON-LD block with Foundation's `JSONSerialization`, and, only when that
/// strict parse fails, once more after repairing the mistakes real sites ship:
///
/// - an HTML comment or CDATA wrapper around the whole block (`<!-- ... -->`, `<![CDATA[ ... ]]>`);
/// - JavaScript comments, `// ...` and `/* ... */`, outside strings;
/// - trailing commas before `}` or `]`;
/// - raw control characters (line breaks, tabs) inside strings, which get escaped;
/// - invalid escapes inside strings (`\'` becomes `'`, any other stray backslash is kept literally);
/// - unescaped double quotes inside strings, typically HTML attributes in a `description`
///   (`<h1 id="x">`). A quote is taken to close its string only when what follows it could follow
///   a JSON string: `:`, `}`, `]`, the end, or `,` and then the start of a value or a closing
///   bracket. Any other quote is kept as a character of the string.
///
/// The last repair is a heuristic: prose like `say "yes", "no"` inside a broken string would be
/// cut. It only ever runs on text that is not valid JSON, so valid blocks are never altered.
enum LenientJSON {
    /// The parsed value, or nil when the text is not JSON even after repair.
    static func parse(_ text: String) -> JSONValue? {
        let bytes = Array(text.utf8)
        return strictParse(bytes) ?? strictParse(repair(bytes))
    }

    private static func strictParse(_ bytes: [UInt8]) -> JSONValue? {
        guard let value = try? JSONSerialization.jsonObject(with: Data(bytes)) else { return nil }
        return JSONValue(foundation: value)
    }

    /// The repaired text (see the type's documentation for what is repaired).
    static func repair(_ text: [UInt8]) -> [UInt8] {
        let input = unwrapped(text)
        var output: [UInt8] = []
        output.reserveCapacity(input.count + 64)
        var index = input.startIndex
        var inString = false
        while index < input.endIndex {
            let byte = input[index]
            if inString {
                switch byte {
                case ASCII.backslash:
                    let (replacement, length) = repairedEscape(input, at: index)
                    output.append(contentsOf: replacement)
                    index += length
                    continue
                case ASCII.quote:
                    if quoteClosesString(input, at: index) {
                        inString = false
                        output.append(byte)
                    } else {
                        output.append(contentsOf: [ASCII.backslash, ASCII.quote])
                    }
                case 0x00..<0x20:
                    output.append(contentsOf: escapedControl(byte))
                default:
                    output.append(byte)
                }
                index += 1
                continue
            }
            switch byte {
            case ASCII.quote:
                inString = true
                output.append(byte)
                index += 1
            case ASCII.slash where commentEnd(input, at: index) != nil:
                index = commentEnd(input, at: index) ?? input.endIndex
            case ASCII.comma:
                let next = nextSignificant(input, from: index + 1)
                let closesContainer =
                    next < input.endIndex
                    && (input[next] == ASCII.closeBrace || input[next] == ASCII.closeBracket)
                if !closesContainer { output.append(byte) }
                index += 1
            default:
                output.append(byte)
                index += 1
            }
        }
        return output
    }

    /// The block without surrounding white space and an HTML comment or CDATA wrapper, which
    /// pages once added for browsers that did not know `<script>`.
    private static func unwrapped(_ input: [UInt8]) -> ArraySlice<UInt8> {
        var slice = input[...]
        func trim() {
            while let first = slice.first, ASCII.isWhitespace(first) { slice = slice.dropFirst() }
            while let last = slice.last, ASCII.isWhitespace(last) { slice = slice.dropLast() }
        }
        trim()
        for (opening, closing) in [("<!--", "-->"), ("<![CDATA[", "]]>")] {
            let open = Array(opening.utf8)
            let close = Array(closing.utf8)
            if slice.starts(with: open) { slice = slice.dropFirst(open.count) }
            if slice.reversed().starts(with: close.reversed()) { slice = slice.dropLast(close.count) }
            trim()
        }
        return slice
    }

    /// Whether a quote inside a string is the one that closes it (see the type's documentation).
    private static func quoteClosesString(_ input: ArraySlice<UInt8>, at index: Int) -> Bool {
        let next = nextSignificant(input, from: index + 1)
        guard next < input.endIndex else { return true }
        switch input[next] {
        case ASCII.colon, ASCII.closeBrace, ASCII.closeBracket:
            return true
        case ASCII.comma:
            let afterComma = nextSignificant(input, from: next + 1)
            guard afterComma < input.endIndex else { return true }
            return ASCII.startsValueOrCloses(input[afterComma...])
        default:
            return false
        }
    }

    /// The index of the first byte from `start` that is neither white space nor in a comment.
    private static func nextSignificant(_ input: ArraySlice<UInt8>, from start: Int) -> Int {
        var index = start
        while index < input.endIndex {
            if ASCII.isWhitespace(input[index]) {
                index += 1
            } else if let end = commentEnd(input, at: index) {
                index = end
            } else {
                break
            }
        }
        return index
    }

    /// If a `//` or `/*` comment starts at `index`, the index just past it.
    private static func commentEnd(_ input: ArraySlice<UInt8>, at index: Int) -> Int? {
        guard input[index] == ASCII.slash, index + 1 < input.endIndex else { return nil }
        switch input[index + 1] {
        case ASCII.slash:
            return input[(index + 2)...].firstIndex(of: ASCII.newline).map { $0 + 1 } ?? input.endIndex
        case ASCII.star:
            var cursor = index + 2
            while cursor + 1 < input.endIndex {
                if input[cursor] == ASCII.star, input[cursor + 1] == ASCII.slash { return cursor + 2 }
                cursor += 1
            }
            return input.endIndex
        default:
            return nil
        }
    }

    /// A backslash inside a string: valid escapes pass through, `\'` becomes `'`, and any other
    /// backslash becomes a literal one. Returns the bytes to write and how many were read.
    private static func repairedEscape(_ input: ArraySlice<UInt8>, at index: Int) -> ([UInt8], Int) {
        guard index + 1 < input.endIndex else { return ([ASCII.backslash, ASCII.backslash], 1) }
        let next = input[index + 1]
        switch next {
        case ASCII.quote, ASCII.backslash, ASCII.slash, UInt8(ascii: "b"), UInt8(ascii: "f"),
            UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            return ([ASCII.backslash, next], 2)
        case UInt8(ascii: "u"):
            let digits = input[(index + 2)...].prefix(4)
            if digits.count == 4, digits.allSatisfy(ASCII.isHexDigit) {
                return ([ASCII.backslash, next], 2)
            }
            return ([ASCII.backslash, ASCII.backslash], 1)
        case UInt8(ascii: "'"):
            return ([next], 2)
        default:
            return ([ASCII.backslash, ASCII.backslash], 1)
        }
    }

    private static func escapedControl(_ byte: UInt8) -> [UInt8] {
        switch byte {
        case ASCII.newline: return Array(#"\n"#.utf8)
        case UInt8(ascii: "\r"): return Array(#"\r"#.utf8)
        case UInt8(ascii: "\t"): return Array(#"\t"#.utf8)
        default: return Array(String(format: "\\u%04x", byte).utf8)
        }
    }
}

/// The bytes `LenientJSON` looks at.
private enum ASCII {
    static let quote = UInt8(ascii: "\"")
    static let backslash = UInt8(ascii: "\\")
    static let slash = UInt8(ascii: "/")
    static let star = UInt8(ascii: "*")
    static let comma = UInt8(ascii: ",")
    static let colon = UInt8(ascii: ":")
    static let closeBrace = UInt8(ascii: "}")
    static let closeBracket = UInt8(ascii: "]")
    static let newline = UInt8(ascii: "\n")

    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    static func isHexDigit(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x46).contains(byte) || (0x61...0x66).contains(byte)
    }

    /// What may follow the comma after a JSON string: a value, or (trailing comma) a closer.
    /// Literals must be spelled out, so that prose such as `"yes", then` is not taken for JSON.
    static func startsValueOrCloses(_ rest: ArraySlice<UInt8>) -> Bool {
        guard let byte = rest.first else { return false }
        switch byte {
        case quote, UInt8(ascii: "{"), UInt8(ascii: "["), closeBrace, closeBracket,
            UInt8(ascii: "-"), 0x30...0x39:
            return true
        default:
            return ["true", "false", "null"].contains { rest.starts(with: $0.utf8) }
        }
    }
}
