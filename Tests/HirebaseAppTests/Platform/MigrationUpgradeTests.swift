import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting
@testable import HirebaseApp

/// Migrations are append-only: a database made by the code before issue 7 upgrades in place.
@Suite("Migrations: upgrade from the earlier schema")
struct MigrationUpgradeTests {
    /// The migrations issue 7 added, newest last.
    static let issue7: [any AsyncMigration] = [CreateRateLimitBuckets(), AddInvitationScoredBy(), AddCSRFTokenOrder()]

    @Test(arguments: TestDatabase.all)
    func aDatabaseFromBeforeIssue7UpgradesWithItsRows(database: TestDatabase) async throws {
        try await withHirebase(on: database, environment: ["RATE_LIMITS": "costly=5/m"]) { app in
            // Rows written by the earlier code: a company, an assessment, an invitation, a CSRF token.
            let scenario = try await Scenario.make(app)
            let invitation = try await scenario.invite(app)
            let token = try await scenario.csrf(app)
            // Back to the schema before issue 7 (columns dropped, rows kept), as that code left it.
            let sql = try #require(app.db as? any SQLDatabase)
            // SQLite cannot drop an indexed column, and the landed `AddCSRFTokenOrder.revert`
            // drops the column alone: its index goes first.
            try await sql.raw("DROP INDEX IF EXISTS \(ident: "csrf_tokens_user_age_idx")").run()
            for migration in Self.issue7.reversed() {
                try await migration.revert(on: app.db)
                try await sql.raw("DELETE FROM _fluent_migrations WHERE name = \(bind: migration.name)").run()
            }
            let before = try await sql.raw("SELECT COUNT(*) AS n FROM invitations").first()?.decode(column: "n", as: Int.self)
            #expect(before == 1)

            try await app.autoMigrate()

            let names = try await sql.raw("SELECT name FROM _fluent_migrations").all().map { try $0.decode(column: "name", as: String.self) }
            #expect(names.count == MigrationPlan.all.count)
            // The earlier rows work with the new code: the old CSRF token (no creation order) is
            // still accepted once; the invitation can be scored and records who scored it.
            let cancelled = try await app.send(.POST, "/assessments/invitations/\(UUID())/cancel", as: scenario.recruiter, headers: ["X-CSRF-Token": token])
            #expect(cancelled.status == .notFound)
            let scored = try await app.send(.POST, "/assessments/invitations/\(invitation.id)/submit", as: scenario.recruiter, json: JSON(["score": 70]))
            #expect(scored.status == .ok)
            #expect(try await Invitation.find(UUID(uuidString: invitation.id), on: app.db)?.scoredBy == scenario.recruiter.id)
            // New tables are in use.
            let costly = try await app.send(.POST, "/match-candidates", as: scenario.recruiter, json: JSON([:]))
            #expect(costly.headers.first(name: "RateLimit-Limit") == "5")
            let key = "costly:\(scenario.recruiter.id.uuidString.lowercased())"
            #expect(try await sql.raw("SELECT COUNT(*) AS n FROM rate_limit_buckets WHERE bucket_key = \(bind: key)").first()?.decode(column: "n", as: Int.self) == 1)
        }
    }

    /// Migration 17: a database from before it gets the index, keeps its rows, and SQLite's
    /// expiry check over a company uses it (it read every invitation of the company before).
    @Test(arguments: TestDatabase.all)
    func aDatabaseFromBeforeMigration17GetsTheInvitationExpiryIndex(database: TestDatabase) async throws {
        try await withHirebase(on: database) { app in
            let scenario = try await Scenario.make(app)
            _ = try await scenario.invite(app)
            let sql = try #require(app.db as? any SQLDatabase)
            let migration = AddInvitationCompanyExpiryIndex()
            try await migration.revert(on: app.db)
            try await sql.raw("DELETE FROM _fluent_migrations WHERE name = \(bind: migration.name)").run()

            try await app.autoMigrate()

            let names = try await sql.raw("SELECT name FROM _fluent_migrations").all().map { try $0.decode(column: "name", as: String.self) }
            #expect(names.count == MigrationPlan.all.count)
            let list = try await app.send(.GET, "/assessments/invitations", as: scenario.recruiter)
            #expect(list.status == .ok)
            #expect((list.json["items"] as? [Any])?.count == 1)
            if !app.db.isPostgres {
                let plan = try await sql.raw("""
                    EXPLAIN QUERY PLAN SELECT id FROM invitations
                    WHERE company_id IN (\(bind: try #require(UUID(uuidString: scenario.companyID)))) AND status IN ('pending', 'sent', 'opened') AND expires_at <= \(bind: Date())
                    """).all().map { try $0.decode(column: "detail", as: String.self) }.joined(separator: " ")
                #expect(plan.contains(AddInvitationCompanyExpiryIndex.indexName))
            }
        }
    }

    /// Migration 18 adds the index matching's change checks read; a database from before it
    /// upgrades with its candidates, and matching keeps working on it.
    @Test(arguments: TestDatabase.all)
    func aDatabaseFromBeforeTheCandidateChangeIndexUpgrades(database: TestDatabase) async throws {
        try await withHirebase(on: database) { app in
            let scenario = try await Scenario.make(app)
            let candidate = try await scenario.candidate(app, email: "kept@example.com", skills: ["Go"])
            let job = try await scenario.job(app, skills: ["Go"])
            let sql = try #require(app.db as? any SQLDatabase)
            func indexExists() async throws -> Bool {
                let name = AddCandidateChangeIndex.indexName
                let query: SQLQueryString = app.db.isPostgres
                    ? "SELECT COUNT(*) AS n FROM pg_indexes WHERE indexname = \(bind: name) AND schemaname = current_schema()"
                    : "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'index' AND name = \(bind: name)"
                return try await sql.raw(query).first()?.decode(column: "n", as: Int.self) == 1
            }
            #expect(try await indexExists())
            let migration = AddCandidateChangeIndex()
            try await migration.revert(on: app.db)
            try await sql.raw("DELETE FROM _fluent_migrations WHERE name = \(bind: migration.name)").run()
            #expect(try await indexExists() == false)

            try await app.autoMigrate()

            #expect(try await indexExists())
            let names = try await sql.raw("SELECT name FROM _fluent_migrations").all().map { try $0.decode(column: "name", as: String.self) }
            #expect(names.count == MigrationPlan.all.count)
            let matched = try await app.send(.POST, "/match-candidates", as: scenario.recruiter, json: JSON(["jobId": job]))
            #expect((matched.json["results"] as? [[String: Any]])?.first?["candidateId"] as? String == candidate)
        }
    }

    /// Migrations 19 and 20: a database from before the job queue, with an e-mail still queued
    /// in the outbox (the earlier polling loop would have sent it), gets the queue and the
    /// reminder columns; the e-mail gets its delivery job and is sent, and reminders work.
    @Test(arguments: TestDatabase.all)
    func aDatabaseFromBeforeTheJobQueueUpgradesAndItsQueuedEmailIsSent(database: TestDatabase) async throws {
        let api = try await FakeEmailAPI.start()
        var environment = api.environment
        environment["INVITATION_REMINDER_HOURS"] = "200"
        try await withHirebase(on: database, environment: environment) { app in
            let scenario = try await Scenario.make(app)
            let invitation = try await scenario.invite(app)
            let sql = try #require(app.db as? any SQLDatabase)
            for migration in [AddInvitationReminders(), CreateBackgroundJobs()] as [any AsyncMigration] {
                try await migration.revert(on: app.db)
                try await sql.raw("DELETE FROM _fluent_migrations WHERE name = \(bind: migration.name)").run()
            }
            let queued = try await sql.raw("SELECT COUNT(*) AS n FROM outbox_emails WHERE status = 'queued'").first()?.decode(column: "n", as: Int.self)
            #expect(queued == 1)

            try await app.autoMigrate()

            let names = try await sql.raw("SELECT name FROM _fluent_migrations").all().map { try $0.decode(column: "name", as: String.self) }
            #expect(names.count == MigrationPlan.all.count)
            #expect(await app.hirebase.backgroundJobs.runDue(on: app.db) == 1)
            #expect(api.received.values.map(\.subject) == ["Your assessment: Basics"])
            let read = try await app.send(.GET, "/assessments/invitations/\(invitation.id)", as: scenario.recruiter)
            #expect(read["status"] == "sent")
            // The reminder columns are there: the invitation (168 h) is within 200 h of expiry.
            #expect(try await app.hirebase.invitations.queueDueReminders(lead: 200 * 3600, on: app.db, logger: app.logger) == 1)
        }
        try await api.server.stop()
    }

    /// `hirebase migrate` and starting `serve` instances take one lock: two migration runs at
    /// once over a database missing a migration apply it once, and neither fails (without the
    /// lock the second's bookkeeping insert collides with the first's).
    @Test func overlappingMigrationRunsApplyEachMigrationOnce() async throws {
        guard case .postgres(let url) = TestDatabase.all.last else { return }
        try await withHirebase(on: .postgres(url: url)) { app in
            let sql = try #require(app.db as? any SQLDatabase)
            let migration = AddInvitationReminders()
            try await migration.revert(on: app.db)
            try await sql.raw("DELETE FROM _fluent_migrations WHERE name = \(bind: migration.name)").run()

            async let first: Void = DatabaseSetup.withMigrationLock(app, lockURL: url) { try await app.autoMigrate() }
            async let second: Void = DatabaseSetup.withMigrationLock(app, lockURL: url) { try await app.autoMigrate() }
            _ = try await (first, second)

            let recorded = try await sql.raw("SELECT COUNT(*) AS n FROM _fluent_migrations WHERE name = \(bind: migration.name)").first()?
                .decode(column: "n", as: Int.self)
            #expect(recorded == 1)
            let names = try await sql.raw("SELECT name FROM _fluent_migrations").all()
            #expect(names.count == MigrationPlan.all.count)
        }
    }
}
