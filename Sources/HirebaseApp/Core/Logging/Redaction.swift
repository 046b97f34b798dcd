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
    public static let redactedMetadataKeys: Set<String> = ["binds"]

    /// Substrings that may start something `scrub` masks; text with none of them is returned as
    /// is without running a pattern.
    private static let triggers = ["@", "eyJ", "oken", "earer", "EARER", "_test_", "_live_", "whsec_", "ignature", "IGNATURE", "uthorization", "UTHORIZATION"]

    /// `text` with secrets and personal data masked:
    /// - JWTs (`eyJ...` three base64url parts) -> `[JWT]`;
    /// - `Bearer <credential>` -> `Bearer ***`;
    /// - `token=<value>` (invitation links, query strings) -> `token=***`;
    /// - JSON members `"token"`, `"csrfToken"`, `"password"`, `"secret"` -> `"***"`;
    /// - the values of `Authorization`, `X-CSRF-Token` and `Stripe-Signature` in a header dump;
    /// - Stripe keys (`sk_live_...`, `rk_test_...`) and webhook secrets (`whsec_...`);
    /// - e-mail addresses -> first character, `***`, then `@domain`.
    public static func scrub(_ text: String) -> String {
        guard triggers.contains(where: { text.contains($0) }) else { return text }
        var result = text
        result.replace(/(?i)(authorization|x-csrf-token|stripe-signature)("?\s*[:=,]\s*"?)[^"\]\r\n]+/) { match in
            "\(match.output.1)\(match.output.2)***"
        }
        result.replace(/eyJ[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]*/) { _ in "[JWT]" }
        result.replace(/(?i)bearer\s+[A-Za-z0-9._~+\/=\-]+/) { _ in "Bearer ***" }
        result.replace(/token=[^&\s"'<>]+/) { _ in "token=***" }
        result.replace(/"(token|csrfToken|password|secret)"(\s*:\s*)"[^"]*"/) { match in "\"\(match.output.1)\"\(match.output.2)\"***\"" }
        result.replace(/\b(sk|rk|pk)_(live|test)_[A-Za-z0-9]+/) { match in "\(match.output.1)_\(match.output.2)_***" }
        result.replace(/whsec_[A-Za-z0-9+\/=]+/) { _ in "whsec_***" }
        result.replace(/([A-Za-z0-9])[A-Za-z0-9._%+\-]*@([A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+)/) { match in
            "\(match.output.1)***@\(match.output.2)"
        }
        return result
    }

    /// A metadata value as a log line shows it: flattened and scrubbed, or dropped when its key
    /// is in `redactedMetadataKeys`.
    static func loggable(key: String, value: String) -> String {
        redactedMetadataKeys.contains(key) ? "[redacted]" : scrub(value)
    }
}
