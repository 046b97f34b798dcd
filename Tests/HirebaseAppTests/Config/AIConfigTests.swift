import Foundation
import Testing
@testable import HirebaseApp

/// `AI_API_BASE`, `AI_API_KEY`, `AI_MODEL`, `AI_TIMEOUT_SECONDS` (`API.md` § AI assistance).
@Suite("Configuration: the AI provider")
struct AIConfigTests {
    /// What a production start needs besides the AI settings.
    static let production = [
        "HIREBASE_ENV": "production", "DATABASE_URL": "postgres://u:p@db/h", "SUPABASE_JWT_SECRET": testJWTSecret,
        "PUBLIC_APP_URL": "https://app.example.com",
    ]

    static func load(_ environment: [String: String]) throws -> AppConfig {
        try AppConfig.load(from: environment.merging(["SUPABASE_JWT_SECRET": testJWTSecret]) { old, _ in old }) { _ in "x" }
    }

    /// The problems `environment` is refused with (none when it loads).
    static func problems(_ environment: [String: String]) -> [String] {
        do {
            _ = try load(environment)
            return []
        } catch {
            return (error as? ConfigurationError)?.problems ?? ["\(error)"]
        }
    }

    @Test func unsetMeansOffAndTheReportSaysWhatIsDegraded() throws {
        let config = try Self.load([:])
        #expect(config.ai == .off)
        #expect(!config.ai.isConfigured)
        #expect(config.report.missing.contains("AI_API_BASE"))
        #expect(config.report.missing.contains("AI_MODEL"))
        #expect(config.report.degraded.contains("AI assistance (503 ai_not_configured)"))
        #expect(config.report.text.contains("degraded: AI assistance (503 ai_not_configured)"))
    }

    @Test func aBaseWithoutAModelIsStillDegraded() throws {
        let config = try Self.load(["AI_API_BASE": "https://api.openai.com/v1"])
        #expect(!config.ai.isConfigured)
        #expect(config.report.missing == config.report.missing.filter { $0 != "AI_API_BASE" })
        #expect(config.report.missing.contains("AI_MODEL"))
        #expect(config.report.degraded.contains("AI assistance (503 ai_not_configured)"))
    }

    @Test func aConfiguredProviderIsReportedWithoutItsKey() throws {
        let config = try Self.load([
            "AI_API_BASE": "https://api.openai.com/v1/", "AI_API_KEY": "sk-secret-key-1234", "AI_MODEL": "gpt-4o-mini",
            "AI_TIMEOUT_SECONDS": "30",
        ])
        #expect(config.ai.isConfigured)
        #expect(config.ai.apiBase?.absoluteString == "https://api.openai.com/v1/")
        #expect(config.ai.apiKey == "sk-secret-key-1234")
        #expect(config.ai.model == "gpt-4o-mini")
        #expect(config.ai.timeoutSeconds == 30)
        let line = try #require(config.report.configured.first { $0.hasPrefix("ai:") })
        #expect(line == "ai: model gpt-4o-mini at https://api.openai.com/v1/chat/completions, with an API key, 30 s a call (AI_TIMEOUT_SECONDS)")
        #expect(!config.report.text.contains("sk-secret"))
        #expect(!config.report.degraded.contains { $0.contains("AI") })
    }

    @Test func aLocalServerNeedsNoKeyAndTheTimeoutDefaultsToSixtySeconds() throws {
        let config = try Self.load(["AI_API_BASE": "http://127.0.0.1:11434/v1", "AI_MODEL": "llama3.1"])
        #expect(config.ai.isConfigured)
        #expect(config.ai.apiKey == nil)
        #expect(config.ai.timeoutSeconds == 60)
        #expect(config.report.configured.contains { $0.contains("no API key") })
        #expect(config.report.warnings.allSatisfy { !$0.contains("AI_API_BASE") })
    }

    @Test(arguments: [
        ("AI_API_BASE", "ftp://models.example/v1", "AI_API_BASE must be an absolute http/https URL"),
        ("AI_API_BASE", "api.openai.com/v1", "AI_API_BASE must be an absolute http/https URL"),
        ("AI_API_BASE", "https://user:pw@api.example.com/v1", "AI_API_BASE must be a plain base URL, without user, password, query or fragment (the key goes in AI_API_KEY)"),
        ("AI_API_BASE", "https://api.example.com/v1?api-version=1", "AI_API_BASE must be a plain base URL, without user, password, query or fragment (the key goes in AI_API_KEY)"),
        ("AI_TIMEOUT_SECONDS", "0", "AI_TIMEOUT_SECONDS must be a number in 1.0...600.0"),
        ("AI_TIMEOUT_SECONDS", "601", "AI_TIMEOUT_SECONDS must be a number in 1.0...600.0"),
        ("AI_TIMEOUT_SECONDS", "soon", "AI_TIMEOUT_SECONDS must be a number in 1.0...600.0"),
    ])
    func badValuesAreProblems(name: String, value: String, problem: String) {
        #expect(Self.problems([name: value, "AI_MODEL": "m"]) == [problem])
    }

    /// In production the key and the job texts must not cross the network in clear; a server on
    /// the same machine may still be reached over http.
    @Test func productionRefusesPlainHTTPToAnotherHost() throws {
        let problems = Self.problems(Self.production.merging(["AI_API_BASE": "http://models.internal:8000/v1", "AI_MODEL": "m"]) { $1 })
        #expect(problems.count == 1)
        #expect(problems.first?.hasPrefix("AI_API_BASE must be an https URL in production") == true)

        for base in ["http://127.0.0.1:8000/v1", "http://localhost:11434/v1", "http://[::1]:8000/v1", "https://models.internal/v1"] {
            let config = try Self.load(Self.production.merging(["AI_API_BASE": base, "AI_MODEL": "m"]) { $1 })
            #expect(config.ai.isConfigured, "\(base)")
        }
        let development = try Self.load(["AI_API_BASE": "http://models.internal:8000/v1", "AI_MODEL": "m"])
        #expect(development.report.warnings.contains { $0.contains("AI_API_BASE is plain http to models.internal") })
    }

    @Test(arguments: [
        ("localhost", true), ("LOCALHOST", true), ("api.localhost", true), ("127.0.0.1", true), ("127.8.9.10", true),
        ("::1", true), ("[::1]", true), ("128.0.0.1", false), ("10.0.0.1", false), ("::2", false), ("localhost.example.com", false),
        ("example.com", false),
    ])
    func loopbackHosts(host: String, loopback: Bool) {
        #expect(AppConfig.isLoopbackHost(host) == loopback)
    }
}
