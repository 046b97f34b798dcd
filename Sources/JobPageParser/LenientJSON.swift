import JSONTree
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
///
/// Bounded work, as the text comes from any page a user names: the repair is linear in the
/// block's length (two passes and a table of 4 bytes per input byte; see `repair(_:steps:)`), and
/// a block nested deeper than `maximumDepth` is not handed to `JSONSerialization` at all.
enum LenientJSON {
    /// The deepest nesting of `{` and `[` accepted; a deeper block counts as not JSON (nil).
    ///
    /// Real JobPosting JSON-LD nests fewer than 10 levels (`@graph` > posting > `jobLocation` >
    /// `address` > `addressCountry`). `JSONSerialization` on Linux stops at 512 itself
    /// (swift-corelibs-foundation, `JSONSerialization.maximumRecursionDepth`), but everything
    /// after it recurses once per level too (`JSONValue(foundation:)`, `==`, deinit), on the
    /// small stacks of concurrency threads.
    static let maximumDepth = 64

    /// The longest block the repair accepts: its look-up table stores offsets as `Int32`
    /// (4 bytes per input byte rather than 8). Far above what can reach it, as fetched pages are
    /// capped at 2 MB (`SafeJobPageFetcher`) and libxml2 at 2 GiB; a longer block is not repaired.
    static let maximumRepairLength = Int(Int32.max) - 1

    /// The parsed value, or nil when the text is not JSON even after repair, or is nested deeper
    /// than `maximumDepth`.
    static func parse(_ text: String) -> JSONValue? {
        let bytes = Array(text.utf8)
        if let value = strictParse(bytes) { return value }
        guard bytes.count <= maximumRepairLength else { return nil }
        return strictParse(repair(bytes))
    }

    private static func strictParse(_ bytes: [UInt8]) -> JSONValue? {
        guard !exceedsMaximumDepth(bytes),
            let value = try? JSONSerialization.jsonObject(with: Data(bytes))
        else { return nil }
        return JSONValue(foundation: value)
    }

    /// Whether `{`/`[` outside strings nest deeper than `maximumDepth`, in one pass. Strings are
    /// read as JSON reads them (a backslash escapes the next byte), which is exact for valid JSON
    /// and for `repair`'s output; on other text `JSONSerialization` fails anyway. Stray closers do
    /// not count below zero, so they cannot hide openers that follow.
    static func exceedsMaximumDepth(_ bytes: [UInt8]) -> Bool {
        var depth = 0
        var inString = false
        var escaped = false
        for byte in bytes {
            if inString {
                if escaped {
                    escaped = false
                } else if byte == ASCII.backslash {
                    escaped = true
                } else if byte == ASCII.quote {
                    inString = false
                }
                continue
            }
            switch byte {
            case ASCII.quote:
                inString = true
            case ASCII.openBrace, ASCII.openBracket:
                depth += 1
                if depth > maximumDepth { return true }
            case ASCII.closeBrace, ASCII.closeBracket:
                depth = max(depth - 1, 0)
            default:
                break
            }
        }
        return false
    }

    /// The repaired text (see the type's documentation for what is repaired).
    static func repair(_ text: [UInt8]) -> [UInt8] {
        var steps = 0
        return repair(text, steps: &steps)
    }

    /// The repaired text, adding to `steps` one per byte that a loop of the repair looks at, so
    /// that tests can pin that the work is linear in the input (at most 4 steps per byte: the
    /// trim, the table, the main pass, and comments skipped outside strings).
    ///
    /// Linear because the one question asked again and again, "where is the next byte that is
    /// neither white space nor inside a comment?" (after every quote inside a string, and after
    /// every comma), is answered from a table built in one backward pass (`significantTable`),
    /// instead of by scanning ahead each time: a string with many `"//` before one line break,
    /// or many `"/*` never closed, made that scan run to the same far line break once per quote.
    static func repair(_ text: [UInt8], steps: inout Int) -> [UInt8] {
        let input = Array(unwrapped(text, steps: &steps))
        precondition(input.count <= maximumRepairLength, "block too long for Int32 offsets")
        let significant = significantTable(input, steps: &steps)
        var output: [UInt8] = []
        output.reserveCapacity(input.count + 64)
        var index = 0
        var inString = false
        while index < input.count {
            steps += 1
            let byte = input[index]
            if inString {
                switch byte {
                case ASCII.backslash:
                    index += appendRepairedEscape(input, at: index, to: &output)
                    continue
                case ASCII.quote:
                    if quoteClosesString(input, at: index, significant: significant) {
                        inString = false
                        output.append(byte)
                    } else {
                        output.append(ASCII.backslash)
                        output.append(ASCII.quote)
                    }
                case 0x00..<0x20:
                    appendEscapedControl(byte, to: &output)
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
            case ASCII.slash where startsComment(input, at: index):
                // Outside strings the scan is paid once: the main pass resumes after the comment.
                index = commentEnd(input, at: index, steps: &steps)
            case ASCII.comma:
                let next = Int(significant[index + 1])
                let closesContainer =
                    next < input.count
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
    private static func unwrapped(_ input: [UInt8], steps: inout Int) -> ArraySlice<UInt8> {
        var slice = input[...]
        func trim() {
            while let first = slice.first, ASCII.isWhitespace(first) {
                steps += 1
                slice = slice.dropFirst()
            }
            while let last = slice.last, ASCII.isWhitespace(last) {
                steps += 1
                slice = slice.dropLast()
            }
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

    /// For every index `i` of `input`, and for `input.count`, the first index at or after `i`
    /// that is neither white space nor inside a comment starting at or after `i` (`input.count`
    /// when there is none); comments are read as `commentEnd` reads them.
    ///
    /// One pass from the end: a comment starting at `i` ends after the first line break (for
    /// `//`) or `*/` (for `/*`) at or after `i + 2`, which is known from positions carried along
    /// the pass, and the answer for `i` is then the answer already stored for that end.
    private static func significantTable(_ input: [UInt8], steps: inout Int) -> [Int32] {
        let count = input.count
        var table = [Int32](repeating: Int32(count), count: count + 1)
        // The first line break, and the first "*/", at or after i + 1 and at or after i + 2.
        var newlineFromNext = count
        var newlineFromSecond = count
        var closeFromNext = count
        var closeFromSecond = count
        var index = count - 1
        while index >= 0 {
            steps += 1
            let byte = input[index]
            let following: UInt8? = index + 1 < count ? input[index + 1] : nil
            if ASCII.isWhitespace(byte) {
                table[index] = table[index + 1]
            } else if byte == ASCII.slash, following == ASCII.slash {
                table[index] = table[newlineFromSecond < count ? newlineFromSecond + 1 : count]
            } else if byte == ASCII.slash, following == ASCII.star {
                table[index] = table[closeFromSecond < count ? closeFromSecond + 2 : count]
            } else {
                table[index] = Int32(index)
            }
            newlineFromSecond = newlineFromNext
            if byte == ASCII.newline { newlineFromNext = index }
            closeFromSecond = closeFromNext
            if byte == ASCII.star, following == ASCII.slash { closeFromNext = index }
            index -= 1
        }
        return table
    }

    /// Whether a quote inside a string is the one that closes it (see the type's documentation).
    private static func quoteClosesString(
        _ input: [UInt8], at index: Int, significant: [Int32]
    ) -> Bool {
        let next = Int(significant[index + 1])
        guard next < input.count else { return true }
        switch input[next] {
        case ASCII.colon, ASCII.closeBrace, ASCII.closeBracket:
            return true
        case ASCII.comma:
            let afterComma = Int(significant[next + 1])
            guard afterComma < input.count else { return true }
            return ASCII.startsValueOrCloses(input[afterComma...])
        default:
            return false
        }
    }

    /// Whether a `//` or `/*` comment starts at `index`.
    private static func startsComment(_ input: [UInt8], at index: Int) -> Bool {
        guard input[index] == ASCII.slash, index + 1 < input.count else { return false }
        return input[index + 1] == ASCII.slash || input[index + 1] == ASCII.star
    }

    /// The index just past the comment starting at `index` (see `startsComment`): after the first
    /// line break from `index + 2` for `//`, after the first `*/` from `index + 2` for `/*`, or the
    /// end of the input when there is none.
    private static func commentEnd(_ input: [UInt8], at index: Int, steps: inout Int) -> Int {
        let isBlock = input[index + 1] == ASCII.star
        var cursor = index + 2
        while cursor < input.count {
            steps += 1
            if isBlock {
                if input[cursor] == ASCII.star, cursor + 1 < input.count, input[cursor + 1] == ASCII.slash {
                    return cursor + 2
                }
            } else if input[cursor] == ASCII.newline {
                return cursor + 1
            }
            cursor += 1
        }
        return input.count
    }

    /// A backslash inside a string: valid escapes pass through, `\'` becomes `'`, and any other
    /// backslash becomes a literal one. Appends the bytes to write; returns how many were read.
    private static func appendRepairedEscape(
        _ input: [UInt8], at index: Int, to output: inout [UInt8]
    ) -> Int {
        guard index + 1 < input.count else {
            output.append(ASCII.backslash)
            output.append(ASCII.backslash)
            return 1
        }
        let next = input[index + 1]
        switch next {
        case ASCII.quote, ASCII.backslash, ASCII.slash, UInt8(ascii: "b"), UInt8(ascii: "f"),
            UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            output.append(ASCII.backslash)
            output.append(next)
            return 2
        case UInt8(ascii: "u"):
            let digits = input[(index + 2)...].prefix(4)
            output.append(ASCII.backslash)
            if digits.count == 4, digits.allSatisfy(ASCII.isHexDigit) {
                output.append(next)
                return 2
            }
            output.append(ASCII.backslash)
            return 1
        case UInt8(ascii: "'"):
            output.append(next)
            return 2
        default:
            output.append(ASCII.backslash)
            output.append(ASCII.backslash)
            return 1
        }
    }

    /// A control character inside a string as its JSON escape: `\n`, `\r`, `\t`, else `\u00xx`.
    private static func appendEscapedControl(_ byte: UInt8, to output: inout [UInt8]) {
        output.append(ASCII.backslash)
        switch byte {
        case ASCII.newline:
            output.append(UInt8(ascii: "n"))
        case UInt8(ascii: "\r"):
            output.append(UInt8(ascii: "r"))
        case UInt8(ascii: "\t"):
            output.append(UInt8(ascii: "t"))
        default:
            output.append(contentsOf: [UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
            output.append(ASCII.hexDigits[Int(byte >> 4)])
            output.append(ASCII.hexDigits[Int(byte & 0x0F)])
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
    static let openBrace = UInt8(ascii: "{")
    static let openBracket = UInt8(ascii: "[")
    static let closeBrace = UInt8(ascii: "}")
    static let closeBracket = UInt8(ascii: "]")
    static let newline = UInt8(ascii: "\n")
    static let hexDigits = Array("0123456789abcdef".utf8)

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
        case quote, openBrace, openBracket, closeBrace, closeBracket, UInt8(ascii: "-"), 0x30...0x39:
            return true
        default:
            return ["true", "false", "null"].contains { rest.starts(with: $0.utf8) }
        }
    }
}
