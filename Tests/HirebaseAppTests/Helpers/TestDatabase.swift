import Fluent
import FluentPostgresDriver
import FluentSQLiteDriver
import Foundation
import Testing

/// The databases every database test runs on: in-memory SQLite always, and PostgreSQL when
/// `TEST_DATABASE_URL` is set. In CI (`CI=true`) a missing PostgreSQL is a failure, not a skip.
enum TestDatabase: Sendable, CustomStringConvertible {
    case sqlite
    case postgres(url: String)
    /// CI without `TEST_DATABASE_URL`: every test on it fails with a clear message.
    case postgresMissingInCI

    static var all: [TestDatabase] {
        let environment = ProcessInfo.processInfo.environment
        var result: [TestDatabase] = [.sqlite]
        if let url = environment["TEST_DATABASE_URL"], !url.isEmpty {
            result.append(.postgres(url: url))
        } else if environment["CI"] == "true" {
            result.append(.postgresMissingInCI)
        }
        return result
    }

    var description: String {
        switch self {
        case .sqlite: return "sqlite"
        case .postgres: return "postgres"
        case .postgresMissingInCI: return "postgres (missing)"
        }
    }
}
