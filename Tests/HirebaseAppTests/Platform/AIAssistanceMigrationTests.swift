import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting
@testable import HirebaseApp

/// Migration 21 (`AddAIAssistance`): a database from before it upgrades in place, and what the
/// earlier code wrote keeps working.
@Suite("Migrations: upgrade to AI assistance (21)")
struct AIAssistanceMigrationTests {
    /// The assessments and invitations written before migration 21 are `published` (sendable) and
    /// without grading after it; the new table is in use.
    @Test(arguments: TestDatabase.all)
    func aDatabaseFromBeforeMigration21KeepsItsAssessmentsSendable(database: TestDatabase) async throws {
        try await withHirebase(on: database) { app in
            let scenario = try await Scenario.make(app)
            let invitation = try await scenario.invite(app)
            let sql = try #require(app.db as? any SQLDatabase)
            let migration = AddAIAssistance()
            try await migration.revert(on: app.db)
            try await sql.raw("DELETE FROM _fluent_migrations WHERE name = \(bind: migration.name)").run()
            // The schema as migration 20 left it: no status column, no ai_runs table.
            let statusSelect = try? await sql.raw("SELECT status FROM assessments").all()
            #expect(statusSelect == nil)
            let runsSelect = try? await sql.raw("SELECT id FROM ai_runs").all()
            #expect(runsSelect == nil)

            try await app.autoMigrate()

            let names = try await sql.raw("SELECT name FROM _fluent_migrations").all().map { try $0.decode(column: "name", as: String.self) }
            #expect(names.count == MigrationPlan.all.count)
            let read = try await app.send(.GET, "/assessments/\(scenario.assessmentID)", as: scenario.recruiter)
            #expect(read.status == .ok)
            #expect(read["status"] == "published")
            #expect(read.json["aiRunId"] == nil || read.json["aiRunId"] is NSNull)
            // The earlier assessment is still sendable, and the earlier invitation has no grading.
            let second = try await app.send(.POST, "/assessments/invitations/create", as: scenario.recruiter,
                                            json: JSON(["assessmentId": scenario.assessmentID, "candidateEmail": "later@example.com"]))
            #expect(second.status == .created)
            let earlier = try await app.send(.GET, "/assessments/invitations/\(invitation.id)", as: scenario.recruiter)
            #expect(earlier.status == .ok)
            #expect(earlier.json["grading"] == nil || earlier.json["grading"] is NSNull)
            let runs = try await app.send(.GET, "/ai-runs?companyId=\(scenario.companyID)", as: scenario.recruiter)
            #expect(runs.status == .ok)
            #expect((runs.json["items"] as? [Any])?.isEmpty == true)
            // Running it again over the upgraded schema changes nothing (IF NOT EXISTS throughout).
            try await migration.prepare(on: app.db)
        }
    }
}
