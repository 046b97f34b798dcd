/// A `Content-Type` value reduced to what the fetcher decides on: the media type and its
/// `charset` parameter (RFC 9110 § 8.3; parameter syntax RFC 9110 § 5.6.6).
struct FetchedMediaType: Equatable, Sendable {
    /// `type/subtype`, lowercased (`text/html`).
    var type: String
    /// The `charset` parameter, lowercased, quotes removed.
    var charset: String?

    /// The media types a job page may have: HTML, and XHTML served as XML (W3C XHTML media types).
    static let htmlTypes: Set<String> = ["text/html", "application/xhtml+xml"]

    var isHTML: Bool { Self.htmlTypes.contains(type) }

    /// `application/json` and the structured-syntax suffix `+json` (RFC 6839 § 3.1), e.g.
    /// `application/ld+json`.
    var isJSON: Bool { type == "application/json" || (type.hasPrefix("application/") && type.hasSuffix("+json")) }

    func matches(_ expected: ExpectedContent) -> Bool {
        switch expected {
        case .html: return isHTML
        case .json: return isJSON
        }
    }

    /// - Returns: `nil` when the header has no `type/subtype`.
    init?(header: String) {
        let parts = header.split(separator: ";", omittingEmptySubsequences: false)
        let type = Self.trimmed(parts.first ?? "").lowercased()
        let pieces = type.split(separator: "/", omittingEmptySubsequences: false)
        guard pieces.count == 2, !pieces[0].isEmpty, !pieces[1].isEmpty else { return nil }
        self.type = type
        self.charset = nil
        for parameter in parts.dropFirst() {
            guard let equals = parameter.firstIndex(of: "=") else { continue }
            let name = Self.trimmed(parameter[..<equals]).lowercased()
            guard name == "charset" else { continue }
            var value = Self.trimmed(parameter[parameter.index(after: equals)...])
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") {
                value = String(value.dropFirst().dropLast())
            }
            if !value.isEmpty { charset = value.lowercased() }
            // The first charset parameter wins, as in the WHATWG MIME Sniffing parser.
            break
        }
    }

    /// The text without leading and trailing spaces and tabs (HTTP's OWS, RFC 9110 § 5.6.3).
    private static func trimmed(_ text: some StringProtocol) -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = text.firstIndex(where: { !isSpace($0) }), let last = text.lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(text[first...last])
    }
}

/// Recognises a body sent without a `Content-Type`.
enum BodySniffer {
    private static let whitespace: Set<UInt8> = [0x09, 0x0A, 0x0C, 0x0D, 0x20]

    static func looks(like expected: ExpectedContent, _ bytes: [UInt8]) -> Bool {
        switch expected {
        case .html: return looksLikeHTML(bytes)
        case .json: return looksLikeJSON(bytes)
        }
    }

    /// After an optional UTF-8 byte order mark and ASCII whitespace, `<!doctype html` or `<html`
    /// (any case) followed by a space or `>`: a narrow form of the WHATWG MIME Sniffing Standard's
    /// HTML patterns (§ 7.1), enough for pages and safe against sniffing a JSON or image answer
    /// as HTML.
    static func looksLikeHTML(_ bytes: [UInt8]) -> Bool {
        let rest = bytes[firstSignificantIndex(bytes)...]
        for pattern in ["<!doctype html", "<html"] {
            let expected = Array(pattern.utf8)
            guard rest.count > expected.count else { continue }
            let head = rest.prefix(expected.count).map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 }
            let terminator = rest[rest.startIndex + expected.count]
            if head == expected, terminator == 0x3E || whitespace.contains(terminator) { return true }
        }
        return false
    }

    /// After an optional UTF-8 byte order mark and whitespace, `{` or `[`: an object or array, the
    /// only JSON texts a job board API answers with (RFC 8259 § 2).
    static func looksLikeJSON(_ bytes: [UInt8]) -> Bool {
        let index = firstSignificantIndex(bytes)
        return index < bytes.count && (bytes[index] == UInt8(ascii: "{") || bytes[index] == UInt8(ascii: "["))
    }

    private static func firstSignificantIndex(_ bytes: [UInt8]) -> Int {
        var index = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        while index < bytes.count, whitespace.contains(bytes[index]) { index += 1 }
        return index
    }
}
