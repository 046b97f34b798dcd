import Foundation
import Logging

extension AppConfig {
    /// Whether `host` (from a URL) names this machine: `localhost` (and `*.localhost`, RFC 6761
    /// § 6.3), an IPv4 address in 127.0.0.0/8 or `::1` (brackets allowed).
    static func isLoopbackHost(_ host: String) -> Bool {
        var host = host.lowercased()
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host == "localhost" || host.hasSuffix(".localhost") { return true }
        switch IPAddress(host) {
        case .v4(let value): return value >> 24 == 127
        case .v6(let high, let low): return high == 0 && low == 1
        case nil: return false
        }
    }

    /// Reads and validates the configuration from `environment` (normally the process environment).
    ///
    /// - Parameters:
    ///   - environment: variable name -> value; empty values count as unset.
    ///   - developmentSecret: called only in development when neither `SUPABASE_JWT_SECRET` nor
    ///     `SUPABASE_URL` is set, with the chosen database; returns the generated local secret
    ///     (see `DevelopmentSecretStore`).
    /// - Throws: `ConfigurationError` listing every problem (unknown `HIREBASE_ENV`, malformed URLs
    ///   and numbers, and in production a missing `DATABASE_URL`, JWT secret/JWKS or `PUBLIC_APP_URL`).
    public static func load(
        from environment: [String: String],
        developmentSecret: (AppConfig.DatabaseTarget) throws -> String
    ) throws -> AppConfig {
        var reader = EnvironmentReader(environment)
        let config = try reader.read(developmentSecret: developmentSecret)
        guard reader.problems.isEmpty else { throw ConfigurationError(problems: reader.problems) }
        return config
    }
}

/// Collects values and problems; kept private to this file so that all reading happens here.
private struct EnvironmentReader {
    let environment: [String: String]
    var problems: [String] = []
    var report = ConfigReport()

    init(_ environment: [String: String]) { self.environment = environment }

    func value(_ name: String) -> String? {
        guard let raw = environment[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !raw.isEmpty else { return nil }
        return raw
    }

    mutating func url(_ name: String, schemes: Set<String> = ["http", "https"]) -> URL? {
        guard let raw = value(name) else { return nil }
        guard let url = URL(absolute: raw, schemes: schemes) else {
            problems.append("\(name) must be an absolute \(schemes.sorted().joined(separator: "/")) URL")
            return nil
        }
        return url
    }

    mutating func number(_ name: String, default fallback: Double, range: ClosedRange<Double>) -> Double {
        guard let raw = value(name) else { return fallback }
        guard let number = Double(raw), number.isFinite, range.contains(number) else {
            problems.append("\(name) must be a number in \(range.lowerBound)...\(range.upperBound)")
            return fallback
        }
        return number
    }

    /// A whole number of `range` (decimal digits only), or `fallback` when unset.
    mutating func integer(_ name: String, default fallback: Int, range: ClosedRange<Int>) -> Int {
        guard let raw = value(name) else { return fallback }
        guard raw.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }), let number = Int(raw), range.contains(number) else {
            problems.append("\(name) must be a whole number in \(range.lowerBound)...\(range.upperBound)")
            return fallback
        }
        return number
    }

    func list(_ name: String) -> [String] {
        (value(name) ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    mutating func read(developmentSecret: (AppConfig.DatabaseTarget) throws -> String) throws -> AppConfig {
        let kind: AppConfig.Kind
        if let raw = value("HIREBASE_ENV") {
            if let parsed = AppConfig.Kind(rawValue: raw.lowercased()) { kind = parsed } else {
                problems.append("HIREBASE_ENV must be one of development, testing, production (got \(raw))")
                kind = .development
            }
        } else {
            kind = .development
        }
        let production = kind == .production
        report.configured.append("environment: \(kind.rawValue)")

        // Database: production never falls back to a file silently.
        let database: AppConfig.DatabaseTarget
        if let raw = value("DATABASE_URL") {
            let lower = raw.lowercased()
            if lower.hasPrefix("postgres://") || lower.hasPrefix("postgresql://") {
                database = .postgres(url: raw)
            } else if lower.hasPrefix("sqlite:") {
                var path = String(raw.dropFirst("sqlite:".count))
                if path.hasPrefix("//") { path.removeFirst(2) }
                if path.isEmpty { problems.append("DATABASE_URL sqlite: needs a file path (sqlite:///path/to/file.sqlite)") }
                database = .sqliteFile(path: path.isEmpty ? "hirebase.sqlite" : path)
            } else {
                problems.append("DATABASE_URL must start with postgres://, postgresql:// or sqlite:")
                database = .sqliteFile(path: "hirebase.sqlite")
            }
        } else if production {
            problems.append("DATABASE_URL is required in production (use postgres://... or an explicit sqlite:///path)")
            database = .sqliteFile(path: "hirebase.sqlite")
        } else {
            database = .sqliteFile(path: "hirebase.sqlite")
        }
        report.configured.append("database: \(database.redacted)")
        var sqliteSynchronous = AppConfig.SQLiteSynchronous.normal
        if let raw = value("SQLITE_SYNCHRONOUS") {
            if let level = AppConfig.SQLiteSynchronous(rawValue: raw.lowercased()) { sqliteSynchronous = level } else {
                problems.append("SQLITE_SYNCHRONOUS must be normal or full")
            }
        }
        if case .postgres = database, value("SQLITE_SYNCHRONOUS") != nil {
            report.warnings.append("SQLITE_SYNCHRONOUS applies to SQLite files only; ignored with PostgreSQL")
        }
        if case .sqliteFile = database {
            report.configured.append("sqlite: WAL, synchronous \(sqliteSynchronous.rawValue)"
                + (sqliteSynchronous == .normal ? " (a power cut may lose the last commits; SQLITE_SYNCHRONOUS=full syncs each)" : ""))
        }
        let billingCacheTTL = number("BILLING_CACHE_TTL_SECONDS", default: 5, range: 0...3600)
        let notifications = changeNotifications(for: database, cacheTTL: billingCacheTTL)
        let databaseLimits = databaseLimits(for: database)
        let migrationDatabase = migrationDatabase(for: database)

        // Auth: HS256 secret and/or JWKS.
        let supabaseURL = url("SUPABASE_URL")
        var secret = value("SUPABASE_JWT_SECRET")
        var generated = false
        if secret == nil, supabaseURL == nil {
            switch kind {
            case .production:
                problems.append("SUPABASE_JWT_SECRET or SUPABASE_URL (for the JWKS) is required in production")
            case .testing:
                problems.append("SUPABASE_JWT_SECRET or SUPABASE_URL is required in testing")
            case .development where problems.isEmpty:
                secret = try developmentSecret(database)
                generated = true
                report.warnings.append("using a generated DEVELOPMENT JWT secret (.hirebase-dev-secret); real Supabase tokens will be refused")
            case .development:
                break
            }
        }
        if let secret, !generated {
            report.configured.append("auth: HS256 with SUPABASE_JWT_SECRET")
            // RFC 7518 § 3.2: an HS256 key is at least the hash's size; JWTKit asserts it (a debug
            // build stopped with SIGILL at start-up) and says it will become a precondition.
            if secret.utf8.count < 32 { problems.append("SUPABASE_JWT_SECRET must be at least 32 bytes (RFC 7518 § 3.2; Supabase's are longer)") }
        }
        if let supabaseURL { report.configured.append("auth: JWKS at \(supabaseURL.absoluteString)/auth/v1/.well-known/jwks.json") }
        if secret == nil { report.missing.append("SUPABASE_JWT_SECRET (HS256 tokens refused)") }
        var admins = Set<UUID>()
        for entry in list("ADMIN_USER_IDS") {
            if let id = UUID(uuidString: entry) { admins.insert(id) } else { problems.append("ADMIN_USER_IDS entry \"\(entry)\" is not a UUID") }
        }
        let auth = AppConfig.Auth(
            hmacSecret: secret, hmacSecretIsGenerated: generated, supabaseURL: supabaseURL,
            audience: value("JWT_AUDIENCE") ?? "authenticated", adminUserIDs: admins,
            leewaySeconds: number("JWT_LEEWAY_SECONDS", default: 30, range: 0...300))

        // E-mail.
        let provider: AppConfig.EmailProvider
        if let raw = value("EMAIL_PROVIDER") {
            if let parsed = AppConfig.EmailProvider(rawValue: raw.lowercased()) { provider = parsed } else {
                problems.append("EMAIL_PROVIDER must be log or resend (got \(raw))")
                provider = .log
            }
        } else {
            provider = .log
        }
        let apiKey = value("EMAIL_API_KEY")
        let apiBase = url("EMAIL_API_BASE") ?? URL(string: "https://api.resend.com")!
        if provider == .resend, apiKey == nil { problems.append("EMAIL_PROVIDER=resend needs EMAIL_API_KEY") }
        if provider == .log {
            if production {
                report.warnings.append("EMAIL_PROVIDER=log in production: invitation e-mails are only written to the log, without their links")
            }
            report.configured.append(production
                ? "email: log provider (messages logged, links masked; nothing delivered)"
                : "email: log provider (messages logged with links masked, whole messages in \(value("EMAIL_LOG_DIR") ?? ".hirebase-mail")/; nothing delivered)")
        } else {
            report.configured.append("email: resend API at \(apiBase.absoluteString)")
        }
        let email = AppConfig.Email(
            provider: provider, apiKey: apiKey, apiBase: apiBase,
            from: value("EMAIL_FROM") ?? "Hirebase <no-reply@hirebase.local>",
            maxAttempts: Int(number("EMAIL_MAX_ATTEMPTS", default: 6, range: 1...50)),
            retryBaseSeconds: number("EMAIL_RETRY_BASE_SECONDS", default: 5, range: 0...3600),
            logDirectory: production ? nil : (value("EMAIL_LOG_DIR") ?? ".hirebase-mail"))

        if value("EMAIL_POLL_SECONDS") != nil {
            report.warnings.append("EMAIL_POLL_SECONDS is no longer read: e-mail is delivered by the job queue (JOB_POLL_SECONDS)")
        }

        // The job queue.
        let jobs = AppConfig.Jobs(
            workers: Int(number("JOB_WORKERS", default: 2, range: 0...64)),
            leaseSeconds: number("JOB_LEASE_SECONDS", default: 60, range: 1...3600),
            pollSeconds: number("JOB_POLL_SECONDS", default: 1, range: 0.01...3600),
            maxAttempts: Int(number("JOB_MAX_ATTEMPTS", default: 5, range: 1...50)),
            retryBaseSeconds: number("JOB_RETRY_BASE_SECONDS", default: 2, range: 0...3600))
        let reminderHours = number("INVITATION_REMINDER_HOURS", default: 24, range: 0...720)
        report.configured.append("job queue: \(jobs.workers == 0 ? "no workers in serve (run hirebase worker)" : "\(jobs.workers) workers per serve process"), lease \(jobs.leaseSeconds.formatted()) s"
            + (reminderHours == 0 ? "; invitation reminders off" : "; invitation reminders \(reminderHours.formatted()) h before expiry"))
        if case .sqliteFile = database {
            report.configured.append("job queue on SQLite: run one process (serve or worker) on the file; several instances need PostgreSQL")
        }

        // Stripe (billing is a later feature; the report already says what it lacks).
        let stripe = AppConfig.Stripe(
            secretKey: value("STRIPE_SECRET_KEY"), webhookSecrets: list("STRIPE_WEBHOOK_SECRET"),
            apiBase: url("STRIPE_API_BASE") ?? URL(string: "https://api.stripe.com")!, plansFile: value("PLANS_FILE"))
        if stripe.secretKey == nil {
            report.missing.append("STRIPE_SECRET_KEY")
            report.degraded.append("billing (Stripe checkout, cancellation) answers 503")
        } else {
            report.configured.append("stripe: API at \(stripe.apiBase.absoluteString)")
        }
        if stripe.webhookSecrets.isEmpty { report.missing.append("STRIPE_WEBHOOK_SECRET (Stripe webhooks refused)") }
        let ai = readAI(production: production)

        let publicAppURL: URL
        if let parsed = url("PUBLIC_APP_URL") {
            publicAppURL = parsed
        } else {
            if production { problems.append("PUBLIC_APP_URL is required in production (links in e-mails)") }
            publicAppURL = URL(string: "http://localhost:3000")!
            report.missing.append("PUBLIC_APP_URL (links point at http://localhost:3000)")
        }

        let logFormat: LogFormat
        if let raw = value("LOG_FORMAT") {
            if let parsed = LogFormat(rawValue: raw.lowercased()) { logFormat = parsed } else {
                problems.append("LOG_FORMAT must be pretty or json (got \(raw))")
                logFormat = .pretty
            }
        } else {
            logFormat = production ? .json : .pretty
        }
        let logLevel: Logger.Level
        if let raw = value("LOG_LEVEL") {
            if let parsed = Logger.Level(rawValue: raw.lowercased()) { logLevel = parsed } else {
                problems.append("LOG_LEVEL must be one of trace, debug, info, notice, warning, error, critical")
                logLevel = .info
            }
        } else {
            logLevel = .info
        }

        if production, logLevel < .info {
            problems.append("LOG_LEVEL \(logLevel.rawValue) is not allowed in production: debug and trace lines dump library internals (request heads, queries)")
        }

        var logSQL = false
        if let raw = value("LOG_SQL") {
            switch raw.lowercased() {
            case "1", "true", "yes", "on": logSQL = true
            case "0", "false", "no", "off": logSQL = false
            default: problems.append("LOG_SQL must be true or false (got \(raw))")
            }
        }
        if production, logSQL { problems.append("LOG_SQL is for development only: it must not be set in production") }
        if logSQL { report.warnings.append("LOG_SQL: every SQL statement is logged (bound values redacted)") }

        let scrapeHosts = list("SCRAPE_ALLOW_PRIVATE_HOSTS")
        if production, !scrapeHosts.isEmpty { problems.append("SCRAPE_ALLOW_PRIVATE_HOSTS must not be set in production") }
        if !scrapeHosts.isEmpty {
            report.warnings.append("SCRAPE_ALLOW_PRIVATE_HOSTS lets /scrape reach \(scrapeHosts.joined(separator: ", ")) (tests and development only)")
        }
        for entry in scrapeHosts where !entry.contains(":") {
            problems.append("SCRAPE_ALLOW_PRIVATE_HOSTS entries are host:port (got \(entry))")
        }

        let metricsToken = value("METRICS_TOKEN")
        if metricsToken == nil, production { report.warnings.append("METRICS_TOKEN unset: /metrics is public") }

        let (rateLimits, rateProblems) = RateLimitPolicy.parse(value("RATE_LIMITS") ?? "")
        problems += rateProblems
        report.configured.append("rate limits: \(rateLimits.summary)")
        var trustedProxies: [IPNetwork] = []
        for entry in list("TRUSTED_PROXIES") {
            if let network = IPNetwork(entry) { trustedProxies.append(network) } else {
                problems.append("TRUSTED_PROXIES entry \"\(entry)\" is not an IP address or CIDR network")
            }
        }
        if !trustedProxies.isEmpty {
            report.configured.append("trusted proxies (X-Forwarded-For believed from): \(trustedProxies.map(\.description).joined(separator: ", "))")
        }

        let drainSeconds = number("SHUTDOWN_DRAIN_SECONDS", default: production ? 5 : 0, range: 0...300)
        let graceSeconds = number("SHUTDOWN_GRACE_SECONDS", default: 20, range: 0...3600)
        report.configured.append("shutdown: drain \(drainSeconds.formatted()) s (/health/ready 503), then up to \(graceSeconds.formatted()) s for in-flight work")

        let hstsMaxAge = integer("HSTS_MAX_AGE_SECONDS", default: 0, range: 0...63_072_000)
        report.configured.append("security headers: nosniff, no-referrer, no-store; "
            + (hstsMaxAge > 0 ? "Strict-Transport-Security max-age=\(hstsMaxAge)" : "no Strict-Transport-Security (HSTS_MAX_AGE_SECONDS=0)"))

        var config = AppConfig(
            kind: kind, database: database, databaseLimits: databaseLimits, migrationDatabase: migrationDatabase, auth: auth, email: email, stripe: stripe,
            publicAppURL: publicAppURL, corsAllowedOrigins: list("CORS_ALLOWED_ORIGINS"),
            metricsToken: metricsToken, logFormat: logFormat, logLevel: logLevel, logSQL: logSQL,
            scrapeAllowPrivateHosts: scrapeHosts,
            csrfTokenTTLSeconds: number("CSRF_TOKEN_TTL_SECONDS", default: 3600, range: 1...86400 * 7),
            maxBodyBytes: Int(number("MAX_BODY_BYTES", default: 1_048_576, range: 1024...104_857_600)),
            sweepIntervalSeconds: number("SWEEP_INTERVAL_SECONDS", default: 60, range: 0.05...86400),
            jobs: jobs, invitationReminderHours: reminderHours,
            matchCacheMegabytes: Int(number("MATCH_CACHE_MB", default: 256, range: 1...65536)),
            rateLimits: rateLimits, trustedProxies: trustedProxies,
            changeNotifications: notifications, billingCacheTTLSeconds: billingCacheTTL, sqliteSynchronous: sqliteSynchronous,
            report: report)
        config.shutdownDrainSeconds = drainSeconds
        config.shutdownGraceSeconds = graceSeconds
        config.hstsMaxAgeSeconds = hstsMaxAge
        config.ai = ai
        return config
    }

    /// The AI provider (`AI_API_BASE`, `AI_API_KEY`, `AI_MODEL`, `AI_TIMEOUT_SECONDS`), with its
    /// report lines: configured with its base, model and timeout, or missing with AI assistance
    /// degraded to 503 `ai_not_configured`. The base is an absolute http(s) URL; in production an
    /// `http:` base must name a loopback host (a server on the same machine), since the key and
    /// the job texts would otherwise cross the network in clear; a base with a user, password,
    /// query or fragment is refused (`/chat/completions` is appended to its path, and the report
    /// shows it). The key is never reported.
    mutating func readAI(production: Bool) -> AppConfig.AI {
        var base = url("AI_API_BASE")
        if let parsed = base, parsed.query != nil || parsed.fragment != nil || parsed.user != nil || parsed.password != nil {
            problems.append("AI_API_BASE must be a plain base URL, without user, password, query or fragment (the key goes in AI_API_KEY)")
            base = nil
        }
        let timeout = number("AI_TIMEOUT_SECONDS", default: AppConfig.AI.off.timeoutSeconds, range: 1...600)
        let ai = AppConfig.AI(apiBase: base, apiKey: value("AI_API_KEY"), model: value("AI_MODEL"), timeoutSeconds: timeout)
        if let base, base.scheme?.lowercased() == "http", !AppConfig.isLoopbackHost(base.host ?? "") {
            if production {
                problems.append("AI_API_BASE must be an https URL in production (http only to a loopback host such as 127.0.0.1): "
                    + "the API key and the job texts would cross the network in clear")
            } else {
                report.warnings.append("AI_API_BASE is plain http to \(base.host ?? "") (allowed outside production only)")
            }
        }
        guard let base = ai.apiBase, let model = ai.model else {
            if ai.apiBase == nil { report.missing.append("AI_API_BASE") }
            if ai.model == nil { report.missing.append("AI_MODEL") }
            report.degraded.append("AI assistance (503 ai_not_configured)")
            return ai
        }
        var endpoint = base.absoluteString
        while endpoint.hasSuffix("/") { endpoint.removeLast() }
        report.configured.append("ai: model \(model) at \(endpoint)/chat/completions, "
            + (ai.apiKey == nil ? "no API key (AI_API_KEY unset)" : "with an API key")
            + ", \(timeout.formatted()) s a call (AI_TIMEOUT_SECONDS)")
        return ai
    }

    /// The pool size and the timeouts of PostgreSQL connections (`DATABASE_MAX_CONNECTIONS`,
    /// `DATABASE_CONNECT_TIMEOUT_SECONDS`, `DATABASE_POOL_TIMEOUT_SECONDS`,
    /// `DATABASE_QUERY_TIMEOUT_SECONDS`), with their report line.
    mutating func databaseLimits(for database: AppConfig.DatabaseTarget) -> AppConfig.DatabaseLimits {
        let defaults = AppConfig.DatabaseLimits.defaults
        let names = ["DATABASE_MAX_CONNECTIONS", "DATABASE_CONNECT_TIMEOUT_SECONDS", "DATABASE_POOL_TIMEOUT_SECONDS", "DATABASE_QUERY_TIMEOUT_SECONDS"]
        var maxConnections: Int?
        if let raw = value(names[0]) {
            if let count = Int(raw), (1...1000).contains(count) { maxConnections = count } else {
                problems.append("DATABASE_MAX_CONNECTIONS must be a whole number in 1...1000")
            }
        }
        let limits = AppConfig.DatabaseLimits(
            maxConnections: maxConnections,
            connectTimeoutSeconds: number(names[1], default: defaults.connectTimeoutSeconds, range: 0.1...600),
            poolTimeoutSeconds: number(names[2], default: defaults.poolTimeoutSeconds, range: 0.1...600),
            queryTimeoutSeconds: number(names[3], default: defaults.queryTimeoutSeconds, range: 0.1...3600))
        guard case .postgres = database else {
            if names.contains(where: { value($0) != nil }) {
                report.warnings.append("DATABASE_MAX_CONNECTIONS and DATABASE_*_TIMEOUT_SECONDS apply to PostgreSQL only; ignored with SQLite")
            }
            return limits
        }
        let pool = limits.maxConnections.map { "up to \($0) connections" } ?? "up to 4 connections per event loop"
        report.configured.append("database pool: \(pool); \(limits.connectTimeoutSeconds.formatted()) s to connect, "
            + "\(limits.poolTimeoutSeconds.formatted()) s for a free connection, \(limits.queryTimeoutSeconds.formatted()) s a statement or transaction "
            + "(then 503 with Retry-After)")
        if limits.poolTimeoutSeconds + limits.queryTimeoutSeconds > 25 {
            report.warnings.append("DATABASE_POOL_TIMEOUT_SECONDS + DATABASE_QUERY_TIMEOUT_SECONDS exceed 25 s: while the database does not answer, "
                + "a request may outlast a 30 s proxy timeout instead of getting its 503")
        }
        return limits
    }

    /// Where migrations run (`DATABASE_DIRECT_URL` when set, else `DATABASE_URL`), with its report line.
    /// `changeNotifications` reports a malformed `DATABASE_DIRECT_URL`.
    mutating func migrationDatabase(for database: AppConfig.DatabaseTarget) -> AppConfig.DatabaseTarget {
        guard case .postgres = database else { return database }
        guard let direct = value("DATABASE_DIRECT_URL"),
              direct.lowercased().hasPrefix("postgres://") || direct.lowercased().hasPrefix("postgresql://") else {
            report.configured.append("migrations: over DATABASE_URL, one instance at a time (their lock is held in one open transaction, "
                + "which a transaction-mode pooler keeps on one server connection)")
            return database
        }
        let target = AppConfig.DatabaseTarget.postgres(url: direct)
        report.configured.append("migrations: over DATABASE_DIRECT_URL \(target.redacted), one instance at a time")
        return target
    }

    /// Where change announcements are received (`DATABASE_DIRECT_URL`, else `DATABASE_URL` when
    /// it is PostgreSQL; `DATABASE_NOTIFICATIONS=off` turns them off), with its report line.
    mutating func changeNotifications(for database: AppConfig.DatabaseTarget, cacheTTL: Double) -> AppConfig.DatabaseTarget? {
        let direct = value("DATABASE_DIRECT_URL")
        if let direct, !(direct.lowercased().hasPrefix("postgres://") || direct.lowercased().hasPrefix("postgresql://")) {
            problems.append("DATABASE_DIRECT_URL must start with postgres:// or postgresql://")
        }
        let mode = value("DATABASE_NOTIFICATIONS")?.lowercased() ?? "listen"
        guard ["listen", "off"].contains(mode) else {
            problems.append("DATABASE_NOTIFICATIONS must be listen or off")
            return nil
        }
        let fallback = cacheTTL == 0
            ? "billing snapshot cache off (BILLING_CACHE_TTL_SECONDS=0)"
            : "billing snapshots of other instances' changes served up to \(cacheTTL.formatted()) s (BILLING_CACHE_TTL_SECONDS)"
        guard case .postgres(let url) = database else {
            if direct != nil || value("DATABASE_NOTIFICATIONS") != nil {
                report.warnings.append("DATABASE_DIRECT_URL and DATABASE_NOTIFICATIONS apply to PostgreSQL only; ignored with SQLite")
            }
            if cacheTTL == 0 { report.configured.append(fallback) }
            return nil
        }
        guard mode == "listen" else {
            report.configured.append("change notifications: off; \(fallback)")
            return nil
        }
        let target = AppConfig.DatabaseTarget.postgres(url: direct ?? url)
        report.configured.append("change notifications: LISTEN on \(target.redacted)"
            + (direct == nil ? " (through a transaction-mode pooler LISTEN receives nothing: set DATABASE_DIRECT_URL to a direct connection, "
                + "or DATABASE_NOTIFICATIONS=off so that caches rely on BILLING_CACHE_TTL_SECONDS alone)" : "")
            + "; while not listening, " + fallback)
        if direct == nil, Self.looksLikePooler(url) {
            report.warnings.append("DATABASE_URL looks like a transaction-mode pooler (port 6543 or a pooler host) and DATABASE_DIRECT_URL is unset: "
                + "change announcements will not arrive; set DATABASE_DIRECT_URL, or DATABASE_NOTIFICATIONS=off")
        }
        return target
    }

    /// Supabase's transaction pooler listens on port 6543 (`*.pooler.supabase.com`); a hint only,
    /// since nothing in the protocol tells a pooler from a server.
    static func looksLikePooler(_ url: String) -> Bool {
        guard let parts = URLComponents(string: url) else { return false }
        return parts.port == 6543 || (parts.host?.lowercased().contains("pooler.") ?? false)
    }
}
