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
    @Test func everyConnectionIsInWALModeWithASleepingBusyTimeout() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hirebase-wal-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("test.sqlite").path
        let config = try AppConfig.load(from: [
            "HIREBASE_ENV": "testing", "SUPABASE_JWT_SECRET": testJWTSecret, "LOG_LEVEL": "warning", "DATABASE_URL": "sqlite://\(file)",
        ]) { _ in "unused" }
        let app = try await Application.make(.testing)
        do {
            try await configure(app, config: config, migrate: true, backgroundJobs: false)
            var loops = 0
            for loop in app.eventLoopGroup.makeIterator() {
                let db = try #require(app.databases.database(.sqlite, logger: app.logger, on: loop) as? any SQLDatabase)
                #expect(try await db.raw("PRAGMA journal_mode").first()?.decode(column: "journal_mode", as: String.self) == "wal")
                #expect(try await db.raw("PRAGMA busy_timeout").first()?.decode(column: "timeout", as: Int.self) == 5000)
                #expect(try await db.raw("PRAGMA synchronous").first()?.decode(column: "synchronous", as: Int.self) == 2)
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
}
