import Foundation

extension URL {
    /// `text` as an absolute URL with one of `schemes` (compared case-insensitively) and a
    /// non-empty host; `nil` otherwise. The one rule for every URL Hirebase accepts: a page to
    /// scrape, Checkout's return URLs, the configured service URLs.
    init?(absolute text: String, schemes: Set<String> = ["http", "https"]) {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), schemes.contains(scheme),
              let host = url.host, !host.isEmpty else { return nil }
        self = url
    }
}

extension FieldValidator {
    /// Checks a required absolute http(s) URL of at most `maxLength` characters (trimmed).
    /// - Returns: the URL, or `nil` after recording an error.
    mutating func httpURL(_ value: String?, _ field: String, maxLength: Int = 2048) -> URL? {
        let text = self.text(value, field, maxLength: maxLength)
        guard !text.isEmpty else { return nil }
        guard let url = URL(absolute: text) else {
            fail(field, "must be an absolute http or https URL")
            return nil
        }
        return url
    }
}
