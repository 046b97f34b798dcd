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
/// - Throws: when the database cannot be configured or migrated.
public func configure(
    _ app: Application, config: AppConfig,
    database: (DatabaseConfigurationFactory, DatabaseID)? = nil,
    migrate: Bool, backgroundJobs: Bool
) async throws {
    app.logger.logLevel = config.logLevel
    let (factory, id) = try database ?? DatabaseSetup.factory(for: config.database, logSQL: config.logSQL)
    app.databases.use(factory, as: id, isDefault: true)

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

    let jwks = config.auth.jwksURL.map {
        JWKSCache(fetcher: LiveJWKSFetcher(client: app.client, url: $0), logger: Logger(label: "hirebase.jwks"))
    }
    let emailSender: any EmailSending
    switch config.email.provider {
    case .log:
        emailSender = LogEmailSender(logger: Logger(label: "hirebase.email"),
                                     mailDirectory: config.email.logDirectory.map { URL(fileURLWithPath: $0, isDirectory: true) })
    case .resend:
        emailSender = ResendEmailSender(client: app.client, baseURL: config.email.apiBase, apiKey: config.email.apiKey ?? "")
    }
    // Loaded here rather than through `.bundled`, so that a missing or broken table stops the
    // start instead of silently matching with an empty one.
    let matcher = CandidateMatcher(aliases: try SkillAliases.loadBundled(), places: try PlaceAliases.loadBundled())
    let plans: PlanCatalog
    do {
        plans = try config.stripe.plansFile.map { try PlanCatalog.load(contentsOf: $0) } ?? PlanCatalog.loadDefault()
    } catch {
        throw ConfigurationError(problems: ["PLANS_FILE: \(error)"])
    }
    let stripe: any StripeAPI
    if let key = config.stripe.secretKey {
        let client = LiveStripeClient.makeHTTPClient(eventLoopGroup: app.eventLoopGroup)
        app.lifecycle.use(HTTPClientShutdown(client: client))
        stripe = LiveStripeClient(httpClient: client, secretKey: key, apiBase: config.stripe.apiBase)
    } else {
        stripe = UnconfiguredStripeClient()
    }
    // Name resolution for /scrape blocks in getaddrinfo: on a pool of its own, never the one the
    // SQLite driver runs every query on (issue 7 § 3).
    let dnsPool = SystemHostResolver.makeThreadPool()
    app.lifecycle.use(ThreadPoolShutdown(pool: dnsPool))
    let heavyWork = HeavyWork()
    app.lifecycle.use(ThreadPoolShutdown(pool: heavyWork.pool))
    let subscriptions = SubscriptionCache()
    let billing = BillingService(plans: plans, cache: subscriptions)
    var fetch: (@Sendable (String) async throws -> SubscriptionFacts)?
    if config.stripe.secretKey != nil {
        fetch = { @Sendable id in try await SubscriptionFacts.retrieve(id, from: stripe) }
    }
    let applier = StripeEventApplier(plans: plans, cache: subscriptions, fetchSubscription: fetch)
    app.hirebase = HirebaseServices(
        config: config,
        tokenVerifier: await SupabaseTokenVerifier(config: config.auth, jwks: jwks),
        csrf: CSRFService(ttlSeconds: config.csrfTokenTTLSeconds),
        emailSender: emailSender,
        billing: billing,
        stripe: stripe,
        eventApplier: applier,
        metrics: HTTPMetrics(),
        matcher: matcher,
        rateLimiter: RateLimiter(policy: config.rateLimits),
        clientAddresses: ClientAddressResolver(trustedProxies: config.trustedProxies),
        heavyWork: heavyWork,
        jobPageFetcher: SafeJobPageFetcher(httpClient: app.http.client.shared, allowPrivateHosts: Set(config.scrapeAllowPrivateHosts),
                                           resolver: SystemHostResolver(threadPool: dnsPool)))

    if migrate { try await DatabaseSetup.migrate(app) } else { app.migrations.add(MigrationPlan.all) }
    if backgroundJobs { startBackgroundJobs(app, config: config) }

    app.asyncCommands.use(TokenCommand(), as: "token")
    app.asyncCommands.use(CheckConfigCommand(), as: "check-config")
    app.asyncCommands.use(CSRFCleanupCommand(), as: "csrf-cleanup")
    app.asyncCommands.use(EmailCheckCommand(), as: "email-check")
    try routes(app)
}

/// The outbox delivery loop and the expiry sweep (invitations, CSRF tokens).
func startBackgroundJobs(_ app: Application, config: AppConfig) {
    app.lifecycle.use(PeriodicTask(name: "outbox", interval: .milliseconds(Int(config.email.pollSeconds * 1000))) { app in
        let services = app.hirebase
        let dispatcher = OutboxDispatcher(
            sender: services.emailSender, from: services.config.email.from, maxAttempts: services.config.email.maxAttempts,
            retryBaseSeconds: services.config.email.retryBaseSeconds, logger: Logger(label: "hirebase.outbox"))
        try await dispatcher.deliverDue(on: app.db)
    })
    app.lifecycle.use(PeriodicTask(name: "sweep", interval: .milliseconds(Int(config.sweepIntervalSeconds * 1000))) { app in
        try await InvitationService.expireOverdue(on: app.db, now: Date())
        try await app.hirebase.csrf.removeStale(on: app.db)
        try await app.hirebase.rateLimiter.removeIdle(on: app.db)
    })
}
