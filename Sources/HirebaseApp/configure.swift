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
///   - backgroundJobs: start the job queue's workers and the change listener (only `serve`).
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

    let encoder = makeJSONEncoder()
    let decoder = JSONDecoder()
    decoder.dateDecodingStrategy = .iso8601
    ContentConfiguration.global.use(encoder: encoder, for: .json)
    ContentConfiguration.global.use(decoder: decoder, for: .json)

    app.routes.defaultMaxBodySize = ByteCount(value: config.maxBodyBytes)
    // Compressed request bodies are refused (415, `JSONBodyMiddleware`) rather than inflated: NIO's
    // decompressor closed the connection without an answer on a malformed or over-compressed body,
    // and no client of this API compresses what it sends.
    app.http.server.configuration.requestDecompression = .disabled
    // Vapor's own per-request metrics go to the global `MetricsSystem`, which is not bootstrapped
    // (its no-op factory: `HirebaseMetrics` keeps a registry per application): recording them
    // cost an instrument pair and the route's text per request for nothing.
    app.http.server.configuration.reportMetrics = false
    app.middleware = Middlewares()
    // Outermost, so that every response carries them: CORS preflights, and errors rendered
    // further in (404, 405, 413, 415, 429, 500).
    app.middleware.use(SecurityHeadersMiddleware(hstsMaxAgeSeconds: config.hstsMaxAgeSeconds))
    // CORS next, so that error responses (rendered further in) carry its headers too.
    if !config.corsAllowedOrigins.isEmpty {
        app.middleware.use(CORSMiddleware(configuration: .init(
            allowedOrigin: .any(config.corsAllowedOrigins),
            allowedMethods: [.GET, .POST, .PATCH, .PUT, .DELETE, .OPTIONS],
            allowedHeaders: [.accept, .authorization, .contentType, .origin, "X-CSRF-Token", "X-Request-Id"],
            exposedHeaders: ["X-Request-Id", "Retry-After", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"].map { HTTPHeaders.Name($0) })))
    }
    // Created here, before any request, and handed to the middleware that reads it per request.
    app.middleware.use(DrainingMiddleware(state: app.shutdownState))
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

    app.asyncCommands.use(GracefulServeCommand(), as: "serve", isDefault: true)
    app.asyncCommands.use(TokenCommand(), as: "token")
    app.asyncCommands.use(CheckConfigCommand(), as: "check-config")
    app.asyncCommands.use(CSRFCleanupCommand(), as: "csrf-cleanup")
    app.asyncCommands.use(WorkerCommand(), as: "worker")
    app.asyncCommands.use(JobsCommand(), as: "jobs")
    // Replaces Fluent's: the same, under serve's migration lock.
    app.asyncCommands.use(MigrateCommand(), as: "migrate")
    app.asyncCommands.use(EmailCheckCommand(), as: "email-check")
    // Listed here for `hirebase --help`; `Bootstrap` runs it without this configuration.
    app.asyncCommands.use(ProbeCommand(), as: "probe")
    try routes(app)
    // Innermost, and after the routes: it reads them (405 for a concrete path's method that only
    // a templated route would serve).
    app.middleware.use(ShadowedRouteMiddleware(routes: app.routes))
}

/// The JSON encoder of responses: ISO 8601 dates, `/` not escaped.
/// - Parameter sortedKeys: write members in key order, so that one value always encodes to the
///   same bytes (without it the order differs from one encoding to the next: Foundation's keyed
///   containers are dictionaries). For bodies kept encoded, e.g. `GET /subscription-status`'s.
func makeJSONEncoder(sortedKeys: Bool = false) -> JSONEncoder {
    let encoder = JSONEncoder()
    encoder.dateEncodingStrategy = .iso8601
    encoder.outputFormatting = sortedKeys ? [.withoutEscapingSlashes, .sortedKeys] : [.withoutEscapingSlashes]
    return encoder
}

/// The job queue's workers and periodic scheduler (`JOB_WORKERS`; none when 0).
func startBackgroundJobs(_ app: Application, config: AppConfig) {
    guard config.jobs.workers > 0 else { return }
    app.lifecycle.use(BackgroundWorkers.make(for: app, config: config, count: config.jobs.workers))
}
