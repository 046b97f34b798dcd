import Logging
import Testing
@testable import HirebaseApp

@Suite("Logging")
struct LoggingTests {
    @Test func emailsAreMasked() {
        #expect(Redaction.email("jane.doe@example.com") == "j***@example.com")
        #expect(Redaction.email("no-at-sign") == "***")
        #expect(Redaction.email("@example.com") == "***")
    }

    @Test func levelsHaveDistinctMarkers() {
        let markers = Logger.Level.allCases.map(ConsoleLogHandler.marker(for:))
        #expect(Set(markers).count == markers.count)
        #expect(ConsoleLogHandler.marker(for: .warning) == "⚠️")
        #expect(ConsoleLogHandler.marker(for: .error) == "❌")
        #expect(ConsoleLogHandler.marker(for: .info) == "✅")
    }

    @Test func logProviderMasksTokensInProduction() {
        let text = "Open https://app/assessments/invitations/1?token=abc_DEF-123 now"
        #expect(LogEmailSender.maskTokens(in: text) == "Open https://app/assessments/invitations/1?token=*** now")
    }
}
