import Foundation
import Testing
@testable import HirebaseApp

/// The one URL rule (`URL(absolute:)`) that scraping, Checkout's return URLs and the
/// configuration share.
@Suite("Absolute http(s) URLs")
struct WebURLTests {
    @Test(arguments: ["https://jobs.example.com/1", "HTTP://example.com", "http://127.0.0.1:8080/x?y=1"])
    func absoluteHTTPURLsAreAccepted(text: String) {
        #expect(URL(absolute: text)?.absoluteString == text)
    }

    @Test(arguments: ["http:///path", "/relative", "example.com/job", "ftp://example.com/f", "javascript:alert(1)", "file:///etc/passwd", "https://"])
    func othersAreRefused(text: String) {
        #expect(URL(absolute: text) == nil)
    }

    @Test func theValidatorNamesTheField() {
        var validator = FieldValidator()
        #expect(validator.httpURL("ftp://example.com", "successUrl") == nil)
        #expect(validator.httpURL("   ", "cancelUrl") == nil)
        #expect(validator.errors.map(\.field) == ["successUrl", "cancelUrl"])
        #expect(validator.errors.map(\.message) == ["must be an absolute http or https URL", "is required"])
    }
}
