import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting
@testable import HirebaseApp

/// A database made by the first release (the schema before commit cfe42c8, loaded from
/// `Fixtures/schema-first-release.*.sql`) upgrades with today's migrations, and its jobs and
/// applications work through the API (issue 8 § 5). Without `AddJobAndApplicationVersions` every
/// read of a job or an application fails on the missing `version` column.
@Suite("Migrations: upgrade from the first release")
struct FirstReleaseUpgradeTests {
    /// Ids of the fixture's rows.
    static let recruiterID = UUID(uuidString: "11111111-2222-4333-8444-555555555555")!
    static let memberID = UUID(uuidString: "66666666-7777-4888-8999-aaaaaaaaaaaa")!
    static let companyID = "a0000000-0000-4000-8000-000000000001"
    static let jobID = "b0000000-0000-4000-8000-000000000001"
    static let candidateID = "c0000000-0000-4000-8000-000000000001"

    @Test(arguments: TestDatabase.all)
    func aFirstReleaseDatabaseUpgradesAndItsJobsAndApplicationsMove(database: TestDatabase) async throws {
        try await withHirebase(on: database) { app in
            try await FirstReleaseFixture.replaceDatabase(of: app)
            try await app.autoMigrate()

            let sql = try app.db.sql
            let names = try await sql.raw("SELECT name FROM _fluent_migrations").all().map { try $0.decode(column: "name", as: String.self) }
            #expect(Set(names) == Set(MigrationPlan.all.map(\.name)))

            var recruiter = TestUser("owner")
            recruiter.id = Self.recruiterID
            var member = TestUser("member")
            member.id = Self.memberID

            // Reads of the old rows.
            let job = try await app.send(.GET, "/jobs/\(Self.jobID)", as: recruiter)
            #expect(job.status == .ok, "\(String(buffer: job.body))")
            #expect(job["status"] == "open")
            #expect((job.json["history"] as? [Any])?.count == 2)
            #expect(try await Self.version(ofJob: Self.jobID, in: sql) == 0, "a row from before the column starts at 0, as a new one does")
            let jobs = try await app.send(.GET, "/jobs?companyId=\(Self.companyID)", as: member)
            #expect(jobs.status == .ok, "\(String(buffer: jobs.body))")
            let candidate = try await app.send(.GET, "/candidates/\(Self.candidateID)", as: member)
            #expect(candidate.status == .ok, "\(String(buffer: candidate.body))")
            let applications = try await app.send(.GET, "/jobs/\(Self.jobID)/applications", as: recruiter)
            #expect(applications.status == .ok, "\(String(buffer: applications.body))")

            // A move of the old application, then a stale one (version-checked).
            let moved = try await app.send(.POST, "/job-action", as: member, headers: ["X-CSRF-Token": try await Self.csrf(app, member)],
                                           json: JSON(["jobId": Self.jobID, "action": "shortlist", "candidateId": Self.candidateID, "fromStage": "applied"]))
            #expect(moved.status == .ok, "\(String(buffer: moved.body))")
            #expect(moved["stage"] == "shortlisted")
            #expect((moved.json["history"] as? [Any])?.count == 2)
            let stale = try await app.send(.POST, "/job-action", as: member, headers: ["X-CSRF-Token": try await Self.csrf(app, member)],
                                           json: JSON(["jobId": Self.jobID, "action": "shortlist", "candidateId": Self.candidateID, "fromStage": "applied"]))
            #expect(stale.status == .conflict)
            let versions = try await sql.raw("SELECT version FROM applications").all().map { try $0.decode(column: "version", as: Int.self) }
            #expect(versions == [1])

            // A move of the old job.
            let closed = try await app.send(.POST, "/job-action", as: recruiter, headers: ["X-CSRF-Token": try await Self.csrf(app, recruiter)],
                                            json: JSON(["jobId": Self.jobID, "action": "close"]))
            #expect(closed.status == .ok, "\(String(buffer: closed.body))")
            #expect(closed["status"] == "closed")
            #expect(try await Self.version(ofJob: Self.jobID, in: sql) == 1)

            // New rows beside the old ones.
            let created = try await app.send(.POST, "/jobs", as: recruiter, json: JSON([
                "companyId": Self.companyID, "title": "Data engineer", "description": "Pipelines", "skills": ["SQL"], "remote": false,
            ]))
            #expect(created.status == .created, "\(String(buffer: created.body))")
            let applied = try await app.send(.POST, "/jobs/\(try #require(created["id"]))/applications", as: recruiter,
                                             json: JSON(["candidateId": Self.candidateID]))
            #expect(applied.status == .created, "\(String(buffer: applied.body))")
        }
    }

    @Test(arguments: TestDatabase.all)
    func anUpgradedFirstReleaseDatabaseHasTheSchemaOfAFreshOne(database: TestDatabase) async throws {
        var fresh = SchemaShape()
        try await withHirebase(on: database) { app in
            fresh = try await SchemaShape.read(app.db)
        }
        try await withHirebase(on: database) { app in
            try await FirstReleaseFixture.replaceDatabase(of: app)
            try await app.autoMigrate()
            let upgraded = try await SchemaShape.read(app.db)
            #expect(fresh.tables.contains("jobs") && fresh.indexes.contains("jobs_company_page_idx"))
            #expect(upgraded.tables == fresh.tables)
            #expect(upgraded.indexes == fresh.indexes)
            for (table, columns) in fresh.columns {
                #expect(upgraded.columns[table] == columns, "columns of \(table)")
            }
        }
    }

    /// Applies the migrations a second time: nothing is left to do and nothing fails.
    @Test(arguments: TestDatabase.all)
    func theNewMigrationRunsAgainAfterAKillBeforeItWasRecorded(database: TestDatabase) async throws {
        try await withHirebase(on: database) { app in
            try await FirstReleaseFixture.replaceDatabase(of: app)
            try await app.autoMigrate()
            let sql = try app.db.sql
            try await sql.raw("DELETE FROM _fluent_migrations WHERE name = \(bind: AddJobAndApplicationVersions().name)").run()
            try await app.autoMigrate()
            #expect(try await Self.version(ofJob: Self.jobID, in: sql) == 0)
        }
    }

    static func version(ofJob id: String, in sql: any SQLDatabase) async throws -> Int? {
        let uuid = try #require(UUID(uuidString: id))
        return try await sql.raw("SELECT version FROM jobs WHERE id = \(bind: uuid)").first()?.decode(column: "version", as: Int.self)
    }

    static func csrf(_ app: Application, _ user: TestUser) async throws -> String {
        let issued = try await app.send(.GET, "/csrf-token", as: user)
        return try #require(issued["csrfToken"])
    }
}

/// The first-release fixture: `Fixtures/schema-first-release.sqlite.sql` or `.postgres.sql`.
enum FirstReleaseFixture {
    /// Empties the test's database (which `withHirebase` has migrated) and loads the fixture in
    /// its place: on PostgreSQL the test's private schema is dropped and made again; on SQLite
    /// every table is dropped, newest first.
    static func replaceDatabase(of app: Application) async throws {
        let sql = try app.db.sql
        let file: String
        if app.db.isPostgres {
            let schema = try #require(try await sql.raw("SELECT current_schema() AS name").first()?.decode(column: "name", as: String.self))
            try #require(schema.hasPrefix("t_"), "only a test's private schema is dropped")
            try await sql.raw("DROP SCHEMA \(ident: schema) CASCADE").run()
            try await sql.raw("CREATE SCHEMA \(ident: schema)").run()
            file = "schema-first-release.postgres"
        } else {
            let tables = try await sql.raw("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY rowid DESC")
                .all().map { try $0.decode(column: "name", as: String.self) }
            for table in tables { try await sql.raw("DROP TABLE \(ident: table)").run() }
            file = "schema-first-release.sqlite"
        }
        let url = try #require(Bundle.module.url(forResource: file, withExtension: "sql", subdirectory: "Fixtures"))
        for statement in statements(in: try String(contentsOf: url, encoding: .utf8)) {
            try await sql.raw("\(unsafeRaw: statement)").run()
        }
    }

    /// The fixture's statements: `--` lines skipped, each statement ends with `;` at a line end
    /// (the drivers run one statement per call).
    static func statements(in text: String) -> [String] {
        var statements: [String] = []
        var current: [Substring] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) where !line.hasPrefix("--") {
            current.append(line)
            if line.hasSuffix(";") {
                statements.append(String(current.joined(separator: "\n").dropLast()))
                current = []
            }
        }
        return statements
    }
}

/// What a schema consists of, for comparing an upgraded database with a fresh one: tables,
/// columns (name, type, required) and index names; column order and defaults are left out
/// (`ALTER TABLE ... ADD COLUMN` appends, and an added required column needs a default).
struct SchemaShape: Equatable {
    struct Column: Hashable, CustomStringConvertible {
        var name: String
        var type: String
        var required: Bool
        var description: String { "\(name) \(type)\(required ? " NOT NULL" : "")" }
    }

    var tables: [String] = []
    var columns: [String: Set<Column>] = [:]
    var indexes: [String] = []

    static func read(_ db: any Database) async throws -> SchemaShape {
        let sql = try db.sql
        var shape = SchemaShape()
        if db.isPostgres {
            let rows = try await sql.raw("""
                SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns
                WHERE table_schema = current_schema()
                """).all()
            for row in rows {
                let table = try row.decode(column: "table_name", as: String.self)
                shape.columns[table, default: []].insert(Column(name: try row.decode(column: "column_name", as: String.self),
                                                                type: try row.decode(column: "data_type", as: String.self),
                                                                required: try row.decode(column: "is_nullable", as: String.self) == "NO"))
            }
            shape.indexes = try await sql.raw("SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()").all()
                .map { try $0.decode(column: "indexname", as: String.self) }.sorted()
        } else {
            let tables = try await sql.raw("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all()
                .map { try $0.decode(column: "name", as: String.self) }
            for table in tables {
                for row in try await sql.raw("PRAGMA table_info(\(ident: table))").all() {
                    shape.columns[table, default: []].insert(Column(name: try row.decode(column: "name", as: String.self),
                                                                    type: try row.decode(column: "type", as: String.self),
                                                                    required: try row.decode(column: "notnull", as: Int.self) == 1))
                }
            }
            shape.indexes = try await sql.raw("SELECT name FROM sqlite_master WHERE type = 'index'").all()
                .map { try $0.decode(column: "name", as: String.self) }.sorted()
        }
        shape.tables = shape.columns.keys.sorted()
        return shape
    }
}
