import Foundation
import Testing
@testable import HirebaseApp

@Suite("Configuration")
struct AppConfigTests {
    @Test func developmentDefaultsNeedNoSetup() throws {
        let config = try AppConfig.load(from: [:]) { _ in "generated-secret-0123456789abcdef0123" }
        #expect(config.kind == .development)
        #expect(config.database == .sqliteFile(path: "hirebase.sqlite"))
        #expect(config.auth.hmacSecret == "generated-secret-0123456789abcdef0123")
        #expect(config.auth.hmacSecretIsGenerated)
        #expect(config.report.warnings.contains { $0.contains("DEVELOPMENT JWT secret") })
        #expect(config.report.degraded.contains { $0.contains("billing") })
    }

    /// A secret shorter than the HS256 hash stopped a debug build with SIGILL inside JWTKit
    /// (found by the new-user run); it is a configuration problem, reported with the others.
    @Test func anHS256SecretShorterThan32BytesIsAProblemNotACrash() {
        #expect {
            try AppConfig.load(from: ["SUPABASE_JWT_SECRET": "short"]) { _ in "x" }
        } throws: { error in
            (error as? ConfigurationError)?.problems.contains { $0.contains("at least 32 bytes") } == true
        }
    }

    /// The start-up report says how stale another instance's billing change may be served.
    @Test func theReportNamesTheBillingCacheBoundAndIgnoredSettings() throws {
        let secret = ["SUPABASE_JWT_SECRET": testJWTSecret]
        let listening = try AppConfig.load(from: secret.merging(["DATABASE_URL": "postgres://u:p@db/h"]) { $1 }) { _ in "x" }
        #expect(listening.report.configured.contains { $0.contains("LISTEN on") && $0.contains("up to 5 s") })
        let off = try AppConfig.load(from: secret.merging(["BILLING_CACHE_TTL_SECONDS": "0"]) { $1 }) { _ in "x" }
        #expect(off.report.configured.contains { $0.contains("cache off") })
        let ignored = try AppConfig.load(from: secret.merging(["DATABASE_NOTIFICATIONS": "off"]) { $1 }) { _ in "x" }
        #expect(ignored.report.warnings.contains { $0.contains("PostgreSQL only") })
        let sqliteOnly = try AppConfig.load(from: secret.merging(["DATABASE_URL": "postgres://u:p@db/h", "SQLITE_SYNCHRONOUS": "full"]) { $1 }) { _ in "x" }
        #expect(sqliteOnly.report.warnings.contains { $0.contains("SQLite files only") })
    }

    /// Bad forms of the cache and notification settings are refused together, each named.
    @Test func badNotificationAndCacheSettingsAreProblems() {
        #expect {
            try AppConfig.load(from: [
                "SUPABASE_JWT_SECRET": testJWTSecret, "DATABASE_URL": "postgres://u:p@db/h",
                "DATABASE_DIRECT_URL": "mysql://db/h", "DATABASE_NOTIFICATIONS": "sometimes", "BILLING_CACHE_TTL_SECONDS": "-1",
            ]) { _ in "x" }
        } throws: { error in
            let problems = (error as? ConfigurationError)?.problems ?? []
            return problems.contains { $0.contains("DATABASE_DIRECT_URL") }
                && problems.contains { $0.contains("DATABASE_NOTIFICATIONS") }
                && problems.contains { $0.contains("BILLING_CACHE_TTL_SECONDS") }
        }
        #expect(throws: ConfigurationError.self) {
            try AppConfig.load(from: ["SUPABASE_JWT_SECRET": testJWTSecret, "BILLING_CACHE_TTL_SECONDS": "soon"]) { _ in "x" }
        }
    }

    /// The job queue's settings: defaults, bad values refused together, the retired e-mail poll
    /// setting named in a warning.
    @Test func jobQueueSettings() throws {
        let secret = ["SUPABASE_JWT_SECRET": testJWTSecret]
        let defaults = try AppConfig.load(from: secret) { _ in "x" }
        #expect(defaults.jobs.workers == 2)
        #expect(defaults.jobs.leaseSeconds == 60)
        #expect(defaults.jobs.pollSeconds == 1)
        #expect(defaults.invitationReminderHours == 24)
        #expect(defaults.report.configured.contains { $0.contains("2 workers per serve process") && $0.contains("reminders 24 h before expiry") })
        #expect(defaults.report.configured.contains { $0.contains("job queue on SQLite: run one process") })
        let webOnly = try AppConfig.load(from: secret.merging(["JOB_WORKERS": "0", "INVITATION_REMINDER_HOURS": "0", "EMAIL_POLL_SECONDS": "2"]) { $1 }) { _ in "x" }
        #expect(webOnly.report.configured.contains { $0.contains("no workers in serve (run hirebase worker)") && $0.contains("reminders off") })
        #expect(webOnly.report.warnings.contains { $0.contains("EMAIL_POLL_SECONDS is no longer read") })
        #expect {
            try AppConfig.load(from: secret.merging([
                "JOB_WORKERS": "-1", "JOB_LEASE_SECONDS": "0", "JOB_POLL_SECONDS": "often", "JOB_MAX_ATTEMPTS": "0",
                "JOB_RETRY_BASE_SECONDS": "-3", "INVITATION_REMINDER_HOURS": "1000",
            ]) { $1 }) { _ in "x" }
        } throws: { error in
            let problems = (error as? ConfigurationError)?.problems ?? []
            return ["JOB_WORKERS", "JOB_LEASE_SECONDS", "JOB_POLL_SECONDS", "JOB_MAX_ATTEMPTS", "JOB_RETRY_BASE_SECONDS", "INVITATION_REMINDER_HOURS"]
                .allSatisfy { name in problems.contains { $0.hasPrefix(name) } }
        }
    }

    @Test func productionListsEveryMissingRequiredSetting() {
        #expect {
            try AppConfig.load(from: ["HIREBASE_ENV": "production"]) { _ in "x" }
        } throws: { error in
            let problems = (error as? ConfigurationError)?.problems ?? []
            return problems.contains { $0.contains("DATABASE_URL") }
                && problems.contains { $0.contains("SUPABASE_JWT_SECRET") }
                && problems.contains { $0.contains("PUBLIC_APP_URL") }
        }
    }

    @Test func productionRefusesScrapeAllowList() {
        #expect(throws: ConfigurationError.self) {
            try AppConfig.load(from: [
                "HIREBASE_ENV": "production", "DATABASE_URL": "postgres://u:p@db/h", "SUPABASE_JWT_SECRET": testJWTSecret,
                "PUBLIC_APP_URL": "https://app.example.com", "SCRAPE_ALLOW_PRIVATE_HOSTS": "127.0.0.1:8080",
            ]) { _ in "x" }
        }
    }

    @Test func productionWithEverythingLoads() throws {
        let config = try AppConfig.load(from: [
            "HIREBASE_ENV": "production", "DATABASE_URL": "postgres://u:secret@db:5432/h", "SUPABASE_URL": "https://abc.supabase.co",
            "PUBLIC_APP_URL": "https://app.example.com", "EMAIL_PROVIDER": "resend", "EMAIL_API_KEY": "re_123",
        ]) { _ in Issue.record("production must not generate a secret"); return "" }
        #expect(config.logFormat == .json)
        #expect(config.auth.issuer == "https://abc.supabase.co/auth/v1")
        #expect(config.auth.jwksURL?.absoluteString == "https://abc.supabase.co/auth/v1/.well-known/jwks.json")
        #expect(!config.database.redacted.contains("secret"))
    }

    @Test func malformedValuesAreReportedTogether() {
        #expect {
            try AppConfig.load(from: [
                "HIREBASE_ENV": "staging", "DATABASE_URL": "mysql://x", "EMAIL_PROVIDER": "smtp",
                "LOG_FORMAT": "xml", "CSRF_TOKEN_TTL_SECONDS": "-1", "ADMIN_USER_IDS": "not-a-uuid",
            ]) { _ in "x" }
        } throws: { error in
            (error as? ConfigurationError)?.problems.count == 6
        }
    }

    @Test func sqliteURLIsAnExplicitChoice() throws {
        let config = try AppConfig.load(from: ["DATABASE_URL": "sqlite:///var/lib/hirebase/data.sqlite", "SUPABASE_JWT_SECRET": testJWTSecret]) { _ in "x" }
        #expect(config.database == .sqliteFile(path: "/var/lib/hirebase/data.sqlite"))
    }

    @Test func resendNeedsAKey() {
        #expect(throws: ConfigurationError.self) {
            try AppConfig.load(from: ["EMAIL_PROVIDER": "resend"]) { _ in "x" }
        }
    }

    @Test func developmentSecretIsKeptBesideTheDatabase() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = DevelopmentSecretStore(besideDatabaseAt: directory.appendingPathComponent("hirebase.sqlite").path)
        let first = try store.loadOrCreate()
        let second = try store.loadOrCreate()
        #expect(first == second)
        #expect(first.count == 64)
        #expect(store.path == directory.appendingPathComponent(".hirebase-dev-secret").path)
    }
}
