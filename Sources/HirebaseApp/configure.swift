import Fluent
import BillingCore
import Foundation
import MatchingCore
import Vapor

/// Builds the application from a validated configuration:
/// config -> database -> JSON -> middleware -> services -> migrations -> jobs -> commands -> routes.
///
/// - Parameters:
///   - config: the validated configuration (see `AppConfig.load`).
///   - database: replaces the configured database (tests: in-memory SQLite or a private
///     PostgreSQL schema).
///   - migrate: apply pending migrations now (the `serve` command and tests).
///   - backgroundJobs: start the outbox delivery and expiry sweeps (only `serve`).
///   - overrides: collaborators that replace the live ones (tests); see `ServiceFactory`.
/// - Throws: when the database cannot be configured or migrated.
public func configure(
    _ app: Application, config: AppConfig,
    database: (DatabaseConfigurationFactory, DatabaseID)? = nil,
    migrate: Bool, backgroundJobs: Bool,
    overrides: ServiceOverrides = ServiceOverrides()
) async throws {
    app.logger.logLevel = config.logLevel
    let (factory, id) = try database ?? DatabaseSetup.factory(for: config.database, limits: config.databaseLimits, logSQL: config.logSQL)
    app.databases.use(factory, as: id, isDefault: true)
    // Migrations get a database of their own (no statement deadline; DATABASE_DIRECT_URL), unless
    // the caller chose the database (tests).
    let migrationsID = database == nil ? try DatabaseSetup.registerMigrationDatabase(app, config: config) : nil
    if database == nil, case .sqliteFile = config.database {
        try await DatabaseSetup.prepareSQLiteFile(app, synchronous: config.sqliteSynchronous)
    }

    let encoder = JSONEncoder()
    encoder.dateEncodingStrategy = .iso8601
    encoder.outputFormatting = [.withoutEscapingSlashes]
    let decoder = JSONDecoder()
    decoder.dateDecodingStrategy = .iso8601
    ContentConfiguration.global.use(encoder: encoder, for: .json)
    ContentConfiguration.global.use(decoder: decoder, for: .json)

    app.routes.defaultMaxBodySize = ByteCount(value: config.maxBodyBytes)
    // Compressed request bodies are refused (415, `JSONBodyMiddleware`) rather than inflated: NIO's
    // decompressor closed the connection without an answer on a malformed or over-compressed body,
    // and no client of this API compresses what it sends.
    app.http.server.configuration.requestDecompression = .disabled
    app.middleware = Middlewares()
    // CORS first, so that error responses (rendered further in) carry its headers too.
    if !config.corsAllowedOrigins.isEmpty {
        app.middleware.use(CORSMiddleware(configuration: .init(
            allowedOrigin: .any(config.corsAllowedOrigins),
            allowedMethods: [.GET, .POST, .PATCH, .PUT, .DELETE, .OPTIONS],
            allowedHeaders: [.accept, .authorization, .contentType, .origin, "X-CSRF-Token", "X-Request-Id"],
            exposedHeaders: ["X-Request-Id", "Retry-After", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"].map { HTTPHeaders.Name($0) })))
    }
    app.middleware.use(RequestIDMiddleware())
    app.middleware.use(AccessLogMiddleware())
    app.middleware.use(ErrorRenderingMiddleware())
    app.middleware.use(JSONBodyMiddleware())

    app.hirebase = try await ServiceFactory.make(for: app, config: config, overrides: overrides)

    if migrate {
        var lockURL: String?
        if case .postgres(let url) = config.migrationDatabase, database == nil { lockURL = url }
        try await DatabaseSetup.migrate(app, on: migrationsID, lockURL: lockURL)
    } else {
        app.migrations.add(MigrationPlan.all, to: migrationsID)
    }
    if backgroundJobs {
        startBackgroundJobs(app, config: config)
        if let listener = try ChangeListener.make(for: app, config: config, services: app.hirebase) { app.lifecycle.use(listener) }
    }

    app.asyncCommands.use(TokenCommand(), as: "token")
    app.asyncCommands.use(CheckConfigCommand(), as: "check-config")
    app.asyncCommands.use(CSRFCleanupCommand(), as: "csrf-cleanup")
    app.asyncCommands.use(EmailCheckCommand(), as: "email-check")
    try routes(app)
}

/// The outbox delivery loop and the expiry sweep (invitations, CSRF tokens).
func startBackgroundJobs(_ app: Application, config: AppConfig) {
    app.lifecycle.use(PeriodicTask(name: "outbox", interval: .milliseconds(Int(config.email.pollSeconds * 1000))) { app in
        try await app.hirebase.outbox.deliverDue(on: app.db)
    })
    app.lifecycle.use(PeriodicTask(name: "sweep", interval: .milliseconds(Int(config.sweepIntervalSeconds * 1000))) { app in
        try await app.hirebase.invitations.expireOverdue(on: app.db)
        try await app.hirebase.csrf.removeStale(on: app.db)
        try await app.hirebase.rateLimiter.removeIdle(on: app.db)
    })
}
