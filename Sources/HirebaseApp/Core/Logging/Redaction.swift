/// Masks personal data before it reaches a log line (STYLE.md habit 7).
public enum Redaction {
    /// `jane.doe@example.com` -> `j***@example.com`; anything without `@` -> `***`.
    public static func email(_ address: String) -> String {
        guard let at = address.lastIndex(of: "@"), at != address.startIndex else { return "***" }
        return "\(address[address.startIndex])***\(address[at...])"
    }
}
