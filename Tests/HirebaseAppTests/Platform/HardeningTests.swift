import Fluent
import FluentPostgresDriver
import Foundation
import MatchingCore
import SQLKit
import Testing
import Vapor
import VaporTesting
@testable import HirebaseApp

/// Cases found by trying to break the server; each pins the failing input.
@Suite("Hardening")
struct HardeningTests {
    @Test(arguments: TestDatabase.all)
    func migrationsRunAgainAfterAKillBeforeTheyWereRecorded(database: TestDatabase) async throws {
        try await withHirebase(on: database) { app in
            // A process killed after a migration's DDL but before Fluent recorded it.
            let sql = try #require(app.db as? any SQLDatabase)
            try await sql.raw("DELETE FROM _fluent_migrations WHERE name LIKE '%CreateInvitations' OR name LIKE '%CreateOutboxEmails'").run()
            try await app.autoMigrate()
            let rows = try await sql.raw("SELECT name FROM _fluent_migrations").all()
            #expect(rows.count == MigrationPlan.all.count)
        }
    }

    @Test(arguments: TestDatabase.all)
    func nulCharactersAre400NotStored(database: TestDatabase) async throws {
        try await withHirebase(on: database) { app in
            let user = TestUser()
            let body = try await app.send(.POST, "/companies", as: user, raw: #"{"name": "a\u0000b"}"#)
            #expect(body.status == .badRequest)
            let literal = try await app.send(.POST, "/companies", as: user, raw: #"{"name": "a\\u0000b"}"#)
            #expect(literal.status == .created, "a literal backslash-u is ordinary text")
            let query = try await app.send(.GET, "/assessments/invitations?status=%00", as: user)
            #expect(query.status == .badRequest)
        }
    }

    @Test func jsonMediaTypeIsCaseInsensitive() async throws {
        try await withHirebase(on: .sqlite) { app in
            let response = try await app.send(.POST, "/companies", as: TestUser(), headers: ["Content-Type": "Application/JSON"], raw: #"{"name":"X"}"#)
            #expect(response.status == .created)
        }
    }

    @Test func errorResponsesCarryCORSHeaders() async throws {
        try await withHirebase(on: .sqlite, environment: ["CORS_ALLOWED_ORIGINS": "https://app.example.com"]) { app in
            let response = try await app.send(.GET, "/companies", headers: ["Origin": "https://app.example.com"])
            #expect(response.status == .unauthorized)
            #expect(response.headers.first(name: "Access-Control-Allow-Origin") == "https://app.example.com")
        }
    }

    @Test func unreachableDatabaseIs503WithRetryAfter() async throws {
        let config = try AppConfig.load(from: ["HIREBASE_ENV": "testing", "SUPABASE_JWT_SECRET": testJWTSecret, "LOG_LEVEL": "critical"]) { _ in "" }
        let app = try await Application.make(.testing)
        do {
            var configuration = try SQLPostgresConfiguration(url: "postgres://nobody:nothing@127.0.0.1:1/none")
            configuration.coreConfiguration.options.connectTimeout = .seconds(2)
            try await configure(app, config: config, database: (.postgres(configuration: configuration, maxConnectionsPerEventLoop: 1), .psql),
                                migrate: false, backgroundJobs: false)
            let response = try await app.send(.GET, "/companies", as: TestUser())
            #expect(response.status == .serviceUnavailable)
            #expect(response.code == "service_unavailable")
            #expect(response.headers.first(name: "Retry-After") != nil)
            let ready = try await app.send(.GET, "/health/ready")
            #expect(ready.status == .serviceUnavailable)
            #expect(ready["status"] == "down")
        } catch {
            try await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
    }

    @Test func productionRefusesDebugLogging() {
        #expect {
            try AppConfig.load(from: ["HIREBASE_ENV": "production", "DATABASE_URL": "postgres://a@b/c", "SUPABASE_JWT_SECRET": testJWTSecret,
                                      "PUBLIC_APP_URL": "https://x.example", "LOG_LEVEL": "debug"]) { _ in "" }
        } throws: { error in
            (error as? ConfigurationError)?.problems.contains { $0.contains("LOG_LEVEL") } == true
        }
    }

    @Test func providerErrorTextIsMaskedAndShort() {
        let text = OutboxDispatcher.safeText(#"e-mail API answered 422: {"to":["Fail.Person@example.com"],"text":"\#(String(repeating: "x", count: 500))"}"#)
        #expect(!text.contains("Fail.Person@example.com"))
        #expect(text.contains("F***@example.com"))
        #expect(text.count == 200)
    }

    @Test func consoleLinesCannotBeForged() {
        #expect(HirebaseLogHandler.oneLine("name\n2026-01-01 🔥 CRITICAL forged") == "name\\n2026-01-01 🔥 CRITICAL forged")
    }

    @Test func invitationJobMustBeTheCompanys() async throws {
        try await withHirebase(on: .sqlite) { app in
            let a = try await Scenario.make(app)
            let b = try await Scenario.make(app)
            let foreignJob = try await b.job(app)
            let ownJob = try await a.job(app)
            let foreign = try await app.send(.POST, "/assessments/invitations/create", as: a.recruiter,
                                             json: JSON(["assessmentId": a.assessmentID, "candidateEmail": "x@example.com", "jobId": foreignJob]))
            #expect(foreign.status == .notFound)
            let own = try await app.send(.POST, "/assessments/invitations/create", as: a.recruiter,
                                         json: JSON(["assessmentId": a.assessmentID, "candidateEmail": "x@example.com", "jobId": ownJob]))
            #expect(own.status == .created)
            #expect(own["jobId"] == ownJob)
        }
    }

    @Test func oversizedAnswersAre400() async throws {
        try await withHirebase(on: .sqlite) { app in
            let scenario = try await Scenario.make(app)
            let invitation = try await scenario.invite(app)
            let tooMany = (0..<10).map { ["questionId": "q\($0)", "answer": "x"] }
            let response = try await app.send(.POST, "/assessments/invitations/\(invitation.id)/submit", json: JSON(["token": invitation.token, "answers": tooMany]))
            #expect(response.status == .badRequest)
        }
    }

    /// Found by trying it: a malformed gzip body got no answer at all (the decompressor closed
    /// the connection). Compressed bodies are now refused with the contract's 415.
    @Test func compressedBodiesAre415AndWebhooksStill401() async throws {
        try await withHirebase(on: .sqlite, environment: ["STRIPE_WEBHOOK_SECRET": "whsec_test"]) { app in
            let gzip = try await app.send(.POST, "/companies", as: TestUser(), headers: ["Content-Encoding": "gzip", "Content-Type": "application/json"],
                                          raw: "xx", overNetwork: true)
            #expect(gzip.status == .unsupportedMediaType)
            #expect(gzip.code == "unsupported_media_type")
            #expect(gzip.headers.first(name: "X-Request-Id") != nil)
            let webhook = try await app.send(.POST, "/webhooks/stripe", headers: ["Content-Encoding": "gzip", "Stripe-Signature": "t=1,v1=00"],
                                             raw: "xx", overNetwork: true)
            #expect(webhook.status == .unauthorized)
            #expect(webhook.code == "invalid_webhook_signature")
        }
    }

    /// Found by trying it: two instances started together in one directory generated two
    /// different development secrets.
    @Test func concurrentStartsAgreeOnOneDevelopmentSecret() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("secret-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = DevelopmentSecretStore(besideDatabaseAt: directory.appendingPathComponent("hirebase.sqlite").path)
        let secrets = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<8 { group.addTask { try store.loadOrCreate() } }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        #expect(secrets.count == 1)
        let mode = try FileManager.default.attributesOfItem(atPath: store.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try store.loadOrCreate() == secrets.first)
    }

    /// Found by trying it: a 2 MB description of skill words cost seconds of alias look-ups.
    @Test func skillExtractionReadsOnlyTheStartOfTheText() throws {
        let extractor = AliasSkillExtractor(aliases: try MatchingCore.SkillAliases.loadBundled())
        let filler = String(repeating: "lorem ipsum ", count: AliasSkillExtractor.maxCharacters / 12 + 10)
        #expect(extractor.skills(in: "Swift and " + filler + " kubernetes") == extractor.skills(in: "Swift"))
        #expect(extractor.skills(in: "Swift and kubernetes").count == 2)
    }
}
