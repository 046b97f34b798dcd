/// Masks personal data and secrets before they reach a log line (STYLE.md habit 7; issue 7 § 7:
/// at every level, no candidate token or invitation link, no full e-mail address, no JWT, no
/// secret).
///
/// Both log handlers pass every message and metadata value through `scrub(_:)`, so that text
/// written by libraries (Vapor's trace dump of a request head, a driver's query log) is covered
/// as well as our own lines. Metadata named `binds` (the SQL drivers' bound values) is dropped
/// whole: `redactedMetadataKeys`.
public enum Redaction {
    /// `jane.doe@example.com` -> `j***@example.com`; anything without `@` -> `***`.
    public static func email(_ address: String) -> String {
        guard let at = address.lastIndex(of: "@"), at != address.startIndex else { return "***" }
        return "\(address[address.startIndex])***\(address[at...])"
    }

    /// Metadata keys whose values are never written (SQL bind values carry e-mail addresses and
    /// token hashes).
    /// The drivers' `binds`, and Fluent's `input` and `filters` of its debug "Running query" line.
    public static let redactedMetadataKeys: Set<String> = ["binds", "input", "filters"]

    /// Substrings that may start something `scrub` masks, in lower case and searched ignoring
    /// case (`mayHoldTrigger`); text with none of them is returned as is without running a pattern.
    private static let triggers = ["@", "eyj", "oken", "earer", "_test_", "_live_", "whsec_", "ignature", "uthorization",
                                   "bytebuffer", "readable bytes"]

    /// `text` with secrets and personal data masked:
    /// - JWTs (`eyJ...` three base64url parts) -> `[JWT]`;
    /// - `Bearer <credential>` -> `Bearer ***`;
    /// - `token=<value>` (invitation links, query strings) -> `token=***`;
    /// - JSON members `"token"`, `"csrfToken"`, `"password"`, `"secret"` -> `"***"`;
    /// - the values of `Authorization`, `X-CSRF-Token` and `Stripe-Signature` in a header dump;
    /// - Stripe keys (`sk_live_...`, `rk_test_...`) and webhook secrets (`whsec_...`);
    /// - e-mail addresses, in any script -> first character, `***`, then `@domain`;
    /// - byte dumps (hex, spaced or not, 16 bytes or more), as Vapor's trace lines show bodies.
    public static func scrub(_ text: String) -> String {
        guard mayHoldTrigger(text) || hasLongHexRun(text) else { return text }
        var result = text
        result.replace(/(?i)(authorization|x-csrf-token|stripe-signature)("?\s*[:=,]\s*"?)[^"\]\r\n]+/) { match in
            "\(match.output.1)\(match.output.2)***"
        }
        result.replace(/eyJ[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]*/) { _ in "[JWT]" }
        result.replace(/(?i)bearer\s+[A-Za-z0-9._~+\/=\-]+/) { _ in "Bearer ***" }
        result = maskingTokenValues(in: result)
        result.replace(/"(token|csrfToken|password|secret)"(\s*:\s*)"[^"]*"/) { match in "\"\(match.output.1)\"\(match.output.2)\"***\"" }
        result.replace(/\b(sk|rk|pk)_(live|test)_[A-Za-z0-9]+/) { match in "\(match.output.1)_\(match.output.2)_***" }
        result.replace(/whsec_[A-Za-z0-9+\/=]+/) { _ in "whsec_***" }
        // Any script: internationalised addresses (`zoë@exämple.com`, `用户@例子.广告`) too.
        result.replace(/([^\s@"'<>(),;:\[\]\\])[^\s@"'<>(),;:\[\]\\]*@([^\s@"'<>(),;:\[\]\\.]+(?:\.[^\s@"'<>(),;:\[\]\\.]+)+)/) { match in
            "\(match.output.1)***@\(match.output.2)"
        }
        // Byte dumps (a request body at trace level): `[ 7b 22 74 ... ]` or `7b22746f6b...`.
        result.replace(/(?:[0-9a-fA-F]{2} ){8,}[0-9a-fA-F]{2}/) { _ in "[bytes redacted]" }
        result.replace(/\b[0-9a-fA-F]{32,}\b/) { _ in "[bytes redacted]" }
        return result
    }

    /// `triggers`' bytes, for the search of ASCII text.
    private static let triggerBytes: [[UInt8]] = triggers.map { Array($0.utf8) }

    /// Whether `text` holds one of `triggers` (lower case), ignoring case (what `text.lowercased()`
    /// holding one of them says): the patterns `scrub` runs on a header's name (`authorization`,
    /// `x-csrf-token`, `stripe-signature`) and on `bearer` ignore case, and so does HTTP for a
    /// header's name, so `X-CSRF-TOKEN: <token>` or `BeaRer <token>` must trigger them. ASCII
    /// text (every access-log value) is searched byte by byte, each byte lowered (`ByteSearch`),
    /// which finds what `String.contains` finds in the lowered text (no trigger holds `\r` or
    /// `\n`, the one pair of ASCII bytes that forms a single character) at a fraction of its
    /// cost; other text as that reference.
    static func mayHoldTrigger(_ text: String) -> Bool {
        let ascii = text.utf8.withContiguousStorageIfAvailable { bytes -> Bool? in
            guard !bytes.contains(where: { $0 >= 0x80 }) else { return nil }
            let raw = UnsafeRawBufferPointer(bytes)
            return triggerBytes.contains { ByteSearch.firstOffset(of: $0, in: raw, folding: ByteSearch.lowercasedASCII) != nil }
        } ?? nil
        if let ascii { return ascii }
        let lower = text.lowercased()
        return triggers.contains(where: { lower.contains($0) })
    }

    /// `text` with the value of every `token=` (an invitation link's query, any query string)
    /// replaced by `***`.
    public static func maskingTokenValues(in text: String) -> String {
        text.replacing(/token=[^&\s"'<>]+/) { _ in "token=***" }
    }

    /// Whether `text` holds 32 or more hex digits in a row (a byte dump or a digest).
    static func hasLongHexRun(_ text: String) -> Bool {
        var run = 0
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"), UInt8(ascii: "A")...UInt8(ascii: "F"):
                run += 1
                if run >= 32 { return true }
            default:
                run = 0
            }
        }
        return false
    }

    /// A metadata value as a log line shows it: flattened and scrubbed, or dropped when its key
    /// is in `redactedMetadataKeys`.
    static func loggable(key: String, value: String) -> String {
        redactedMetadataKeys.contains(key) ? "[redacted]" : scrub(value)
    }
}
