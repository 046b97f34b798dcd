import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
@testable import HirebaseApp

/// Issue 9: the SQLite default writes in WAL mode, and its connections sleep while another one
/// writes instead of spinning.
@Suite("SQLite file settings")
struct SQLiteFileTests {
    /// `SQLITE_SYNCHRONOUS`: `normal` (1) by default, `full` (2) when asked.
    @Test(arguments: [(nil, 1), ("full", 2), ("normal", 1)] as [(String?, Int)])
    func everyConnectionIsInWALModeWithASleepingBusyTimeout(synchronous: String?, level: Int) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hirebase-wal-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("test.sqlite").path
        var environment = [
            "HIREBASE_ENV": "testing", "SUPABASE_JWT_SECRET": testJWTSecret, "LOG_LEVEL": "warning", "DATABASE_URL": "sqlite://\(file)",
        ]
        environment["SQLITE_SYNCHRONOUS"] = synchronous
        let config = try AppConfig.load(from: environment) { _ in "unused" }
        let app = try await Application.make(.testing)
        do {
            try await configure(app, config: config, migrate: true, backgroundJobs: false)
            var loops = 0
            for loop in app.eventLoopGroup.makeIterator() {
                let db = try #require(app.databases.database(.sqlite, logger: app.logger, on: loop) as? any SQLDatabase)
                #expect(try await db.raw("PRAGMA journal_mode").first()?.decode(column: "journal_mode", as: String.self) == "wal")
                #expect(try await db.raw("PRAGMA busy_timeout").first()?.decode(column: "timeout", as: Int.self) == 5000)
                #expect(try await db.raw("PRAGMA synchronous").first()?.decode(column: "synchronous", as: Int.self) == level)
                loops += 1
            }
            #expect(loops > 0)
            #expect(FileManager.default.fileExists(atPath: file + "-wal"))
        } catch {
            try await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
    }

    @Test func anUnknownSynchronousLevelIsAConfigurationProblem() {
        #expect(throws: ConfigurationError.self) {
            try AppConfig.load(from: ["HIREBASE_ENV": "testing", "SUPABASE_JWT_SECRET": testJWTSecret, "SQLITE_SYNCHRONOUS": "off"]) { _ in "unused" }
        }
    }
}
