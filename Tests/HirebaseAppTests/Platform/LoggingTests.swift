import Foundation
import NIOConcurrencyHelpers
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
        let markers = Logger.Level.allCases.map(HirebaseLogHandler.marker(for:))
        #expect(Set(markers).count == markers.count)
        #expect(HirebaseLogHandler.marker(for: .warning) == "⚠️")
        #expect(HirebaseLogHandler.marker(for: .error) == "❌")
        #expect(HirebaseLogHandler.marker(for: .info) == "✅")
    }

    /// A JSON log line is the text `JSONSerialization` wrote for it before (`.sortedKeys`,
    /// `.withoutEscapingSlashes`), for quotes, backslashes, every control character, slashes and
    /// non-ASCII text (accents, emoji, U+2028), with lower-case snake_case keys (as log metadata
    /// keys are); keys mixing cases or starting with punctuation may come in another order, the
    /// same members.
    @Test func jsonLinesAreWhatJSONSerializationWrote() throws {
        var tricky = ["plain", "a \"quoted\" \\ back\\slash", "https://example.com/a/b?c=d&e=f", "é 日本 🙂 \u{2028}\u{2029}",
                      "<script>&'", "\u{7F}\u{80}\u{FFFD}", ""]
        tricky.append(String((0..<32).map { Character(Unicode.Scalar(UInt8($0))) }))
        for (index, value) in tricky.enumerated() {
            let members = ["message": value, "level": "info", "z_\(index)": value, "request_id": "1f0c", "status": "200"]
            let expected = try JSONSerialization.data(withJSONObject: members, options: [.sortedKeys, .withoutEscapingSlashes])
            #expect(HirebaseLogHandler.jsonLine(members) == String(decoding: expected, as: UTF8.self), "value \(index)")
            let mixed = members.merging(["A": "upper", "_": "under"]) { $1 }
            let line = try #require(HirebaseLogHandler.jsonLine(mixed))
            #expect(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String] == mixed)
        }
    }

    @Test func logProviderMasksTokensInProduction() {
        let text = "Open https://app/assessments/invitations/1?token=abc_DEF-123 now"
        #expect(Redaction.maskingTokenValues(in: text) == "Open https://app/assessments/invitations/1?token=*** now")
    }
}

/// Issue 7 § 7: at every level, no candidate token or invitation link, no full e-mail address, no
/// JWT and no secret reaches a log line, whoever wrote the line (ours, Vapor's, a driver's).
@Suite("Logging: secrets and personal data never logged")
struct LogScrubbingTests {
    static let jwt = "eyJhbGciOiJIUzI1NiIsImtpZCI6ImsifQ.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlLXZhbHVlLWhlcmU"
    static let secrets = [jwt, "Q2FuZGlkYXRlVG9rZW4tdmFsdWU", "jane.doe@example.com", "sk_live_51Habc123", "whsec_abcdef123", "csrf-abc-123", "t=123,v1=deadbeef"]

    final class Lines: Sendable {
        let lines = NIOLockedValueBox([String]())
        var all: String { lines.withLockedValue { $0.joined(separator: "\n") } }
    }

    /// The lines libraries and our own code write, at trace level, through both handlers.
    static func logEverything(to handler: some LogHandler) {
        let logger = Logger(label: "test") { _ in handler }
        // Vapor's request decoder at trace level dumps the request head, headers included.
        logger.trace("""
            Decoded HTTP part: head(HTTPRequestHead { method: POST, uri: "/assessments/invitations/1/submit?token=Q2FuZGlkYXRlVG9rZW4tdmFsdWU", \
            version: HTTP/1.1, headers: [("Authorization", "Bearer \(jwt)"), ("X-CSRF-Token", "csrf-abc-123"), ("Stripe-Signature", "t=123,v1=deadbeef")] })
            """)
        logger.trace(#"Decoded HTTP part: body({"token":"Q2FuZGlkYXRlVG9rZW4tdmFsdWU","answers":[]})"#)
        // The SQL drivers log statements with their bound values as metadata.
        logger.debug("Executing query", metadata: ["sql": "UPDATE invitations SET token_hash = $1 WHERE candidate_email = $2",
                                                   "binds": .array([.string("hash"), .string("jane.doe@example.com")])])
        logger.info("e-mail", metadata: ["to": .string("jane.doe@example.com"),
                                         "body": "Open https://app.example/assessments/invitations/1?token=Q2FuZGlkYXRlVG9rZW4tdmFsdWU"])
        logger.error("config", metadata: ["stripe": "key sk_live_51Habc123 and whsec_abcdef123"])
    }

    @Test func consoleAndJSONLinesHoldNoSecret() {
        for json in [false, true] {
            let lines = Lines()
            let output = LogOutput(sink: { line in lines.lines.withLockedValue { $0.append(line) } })
            if json {
                Self.logEverything(to: HirebaseLogHandler(label: "test", level: .trace, format: .json, output: output))
            } else {
                Self.logEverything(to: HirebaseLogHandler(label: "test", level: .trace, format: .console, output: output))
            }
            let text = lines.all
            #expect(lines.lines.withLockedValue { $0.count } == 5)
            for secret in Self.secrets {
                #expect(!text.contains(secret), "\(json ? "json" : "console") line holds \(secret): \(text)")
            }
            #expect(text.contains("j***@example.com"))
            #expect(text.contains("token=***"))
            #expect(text.replacingOccurrences(of: "\\\"", with: "\"").contains(#""Authorization", "***""#))
        }
    }

    /// Found by trying it: internationalised addresses and trace-level byte dumps of bodies.
    @Test func internationalAddressesAndByteDumpsAreMasked() {
        #expect(Redaction.scrub("candidate_email: zoë.secret@exämple.com") == "candidate_email: z***@exämple.com")
        #expect(Redaction.scrub("email_key: 用户秘密@例子.广告") == "email_key: 用***@例子.广告")
        let spaced = "body(ByteBuffer { readableBytes: 43 } readable bytes (max 1k): [ 7b 22 74 6f 6b 65 6e 22 3a 22 53 46 37 70 33 74 ])"
        #expect(!Redaction.scrub(spaced).contains("7b 22 74"))
        #expect(Redaction.scrub("payload 7b22656d61696c223a22626f622e70726976617465407822 end") == "payload [bytes redacted] end")
        #expect(Redaction.loggable(key: "input", value: "[candidate_email: bob@x.io]") == "[redacted]")
    }

    @Test func scrubIsIdempotentAndLeavesPlainTextAlone() {
        let plain = "GET /jobs/:jobID 200 duration-ms=1.2"
        #expect(Redaction.scrub(plain) == plain)
        let once = Redaction.scrub("to jane@example.com token=abc")
        #expect(Redaction.scrub(once) == once)
        #expect(once == "to j***@example.com token=***")
        #expect(Redaction.scrub("got \(LogScrubbingTests.jwt) from x") == "got [JWT] from x")
    }

    @Test func theLogProviderWritesLinksToAFileNotTheLog() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mail-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let lines = Lines()
        let output = LogOutput(sink: { line in lines.lines.withLockedValue { $0.append(line) } })
        let logger = Logger(label: "email") { _ in HirebaseLogHandler(label: "email", level: .trace, format: .console, output: output) }
        let link = "http://localhost:3000/assessments/invitations/1?token=Q2FuZGlkYXRlVG9rZW4tdmFsdWU"
        let message = EmailMessage(from: "a@b.example", to: "jane.doe@example.com", subject: "Assessment", text: "Open \(link)", html: nil)

        _ = try await LogEmailSender(logger: logger, mailDirectory: directory).send(message)
        _ = try await LogEmailSender(logger: logger, mailDirectory: nil).send(message)

        #expect(!lines.all.contains("Q2FuZGlkYXRlVG9rZW4tdmFsdWU"))
        #expect(!lines.all.contains("jane.doe@"))
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        #expect(files.count == 1)
        let file = try String(contentsOf: directory.appendingPathComponent(files[0]), encoding: .utf8)
        #expect(file.contains(link))
        let mode = try FileManager.default.attributesOfItem(atPath: directory.appendingPathComponent(files[0]).path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test func sqlLoggingIsADevelopmentSwitch() {
        let base = ["SUPABASE_JWT_SECRET": testJWTSecret, "PUBLIC_APP_URL": "https://app.example", "DATABASE_URL": "postgres://u:p@db/x"]
        #expect(throws: ConfigurationError.self) {
            try AppConfig.load(from: base.merging(["HIREBASE_ENV": "production", "LOG_SQL": "true"]) { $1 }) { _ in "" }
        }
        let development = try? AppConfig.load(from: base.merging(["LOG_SQL": "true"]) { $1 }) { _ in "" }
        #expect(development?.logSQL == true)
        // Bad forms of the new settings stop the start with the setting named.
        for (name, value) in [("LOG_SQL", "maybe"), ("MATCH_CACHE_MB", "0"), ("MATCH_CACHE_MB", "lots")] {
            #expect(throws: ConfigurationError.self, "\(name)=\(value)") {
                try AppConfig.load(from: base.merging([name: value]) { $1 }) { _ in "" }
            }
        }
        let production = try? AppConfig.load(from: base.merging(["HIREBASE_ENV": "production"]) { $1 }) { _ in "" }
        #expect(production?.logSQL == false)
        #expect(production?.email.logDirectory == nil)
    }
}
