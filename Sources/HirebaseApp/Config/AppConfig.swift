import Foundation
import Logging

/// Hirebase's whole configuration, read from the process environment once at start-up
/// (see `AppConfig.load(from:)`) and stored in `app.storage`; nothing else reads the environment.
///
/// Variable names are those of `API.md` § Configuration. Every problem is collected and reported
/// together by `ConfigurationError`; nothing secret falls back silently to a default.
public struct AppConfig: Sendable {
    /// The deployment kind (`HIREBASE_ENV`): development (default), testing or production.
    public enum Kind: String, Sendable, CaseIterable {
        case development, testing, production
    }

    /// Where data lives (`DATABASE_URL`).
    public enum DatabaseTarget: Sendable, Equatable {
        /// A SQLite file at this path (the default `hirebase.sqlite`, or an explicit `sqlite://` URL).
        case sqliteFile(path: String)
        /// PostgreSQL at this `postgres://` URL (the multi-instance deployment).
        case postgres(url: String)

        /// A description safe for logs (no password).
        public var redacted: String {
            switch self {
            case .sqliteFile(let path): return "SQLite file \(path)"
            case .postgres(let url):
                guard var parts = URLComponents(string: url) else { return "PostgreSQL" }
                if parts.password != nil { parts.password = "***" }
                return "PostgreSQL \(parts.string ?? "")"
            }
        }
    }

    /// How a SQLite file's commits reach the disk (`SQLITE_SYNCHRONOUS`); see
    /// `DatabaseSetup.prepareSQLiteFile`.
    public enum SQLiteSynchronous: String, Sendable, CaseIterable {
        /// The log is synced at checkpoints: a power cut may lose the last commits.
        case normal
        /// The log is synced at every commit.
        case full
    }

    /// The PostgreSQL connection pool and the bound on every wait for the database
    /// (`DATABASE_MAX_CONNECTIONS`, `DATABASE_*_TIMEOUT_SECONDS`); see `DatabaseSetup`.
    ///
    /// While PostgreSQL cannot be reached, a request that needs it waits at most
    /// `poolTimeoutSeconds` for a connection (opening one included) and then at most
    /// `queryTimeoutSeconds` for each statement or transaction, and answers 503 with `Retry-After`.
    public struct DatabaseLimits: Sendable, Equatable {
        /// Connections of one instance (`DATABASE_MAX_CONNECTIONS`), spread over its event loops
        /// with at least one each; `nil`: 4 per event loop (one loop per CPU core).
        public var maxConnections: Int?
        /// Seconds to open a connection, TCP and PostgreSQL's start-up exchange together
        /// (`DATABASE_CONNECT_TIMEOUT_SECONDS`, default 5).
        public var connectTimeoutSeconds: Double
        /// Seconds a statement waits for a free connection of the pool, opening one included
        /// (`DATABASE_POOL_TIMEOUT_SECONDS`, default 5).
        public var poolTimeoutSeconds: Double
        /// Seconds one statement, or one whole transaction, may take once it holds its connection
        /// (`DATABASE_QUERY_TIMEOUT_SECONDS`, default 10); past it the connection is closed (a
        /// pooler that queues the statement, a server or path that went silent) and the request
        /// answers 503. Migrations are not bounded by it.
        public var queryTimeoutSeconds: Double

        /// The defaults: 4 connections per event loop, 5 s to connect, 5 s for a free connection, 10 s a query.
        public static let defaults = DatabaseLimits(maxConnections: nil, connectTimeoutSeconds: 5, poolTimeoutSeconds: 5, queryTimeoutSeconds: 10)
    }

    /// How Supabase access tokens are verified.
    public struct Auth: Sendable {
        /// HS256 secret (`SUPABASE_JWT_SECRET`), or the generated development secret.
        public var hmacSecret: String?
        /// Whether `hmacSecret` is the generated development secret (never in production).
        public var hmacSecretIsGenerated: Bool
        /// The project URL (`SUPABASE_URL`); the JWKS is at `{url}/auth/v1/.well-known/jwks.json`.
        public var supabaseURL: URL?
        /// The required `aud` (`JWT_AUDIENCE`, default `authenticated`).
        public var audience: String
        /// User ids that are platform admins whatever their token says (`ADMIN_USER_IDS`).
        public var adminUserIDs: Set<UUID>
        /// Allowed clock skew for `exp`/`nbf`, in seconds.
        public var leewaySeconds: Double

        /// The JWKS document's URL, when a Supabase URL is configured.
        public var jwksURL: URL? { supabaseURL.map { $0.appendingPathComponent("auth/v1/.well-known/jwks.json") } }
        /// The issuer Supabase writes into `iss` (`{SUPABASE_URL}/auth/v1`); checked when present.
        public var issuer: String? {
            supabaseURL.map { url in
                var base = url.absoluteString
                while base.hasSuffix("/") { base.removeLast() }
                return base + "/auth/v1"
            }
        }
    }

    /// Which e-mail transport the outbox uses (`EMAIL_PROVIDER`).
    public enum EmailProvider: String, Sendable {
        /// Writes each message to the log (development default).
        case log
        /// Resend-style HTTP API: `POST {EMAIL_API_BASE}/emails` with a bearer key.
        case resend
    }

    /// E-mail delivery settings.
    public struct Email: Sendable {
        public var provider: EmailProvider
        public var apiKey: String?
        public var apiBase: URL
        public var from: String
        /// Attempts before a message is marked `failed` (`EMAIL_MAX_ATTEMPTS`, default 6).
        public var maxAttempts: Int
        /// First retry delay in seconds, doubled per attempt (`EMAIL_RETRY_BASE_SECONDS`, default 5).
        public var retryBaseSeconds: Double
        /// Where the `log` provider writes whole messages, links included (`EMAIL_LOG_DIR`, default
        /// `.hirebase-mail`); `nil` in production, where no file holds a candidate's link.
        public var logDirectory: String?
    }

    /// The job queue's workers (`background_jobs`; see `BackgroundWorkers`).
    public struct Jobs: Sendable {
        /// Worker loops in each `serve` process (`JOB_WORKERS`, default 2; 0: none, for web-only
        /// instances beside `hirebase worker` processes).
        public var workers: Int
        /// Seconds a claimed job is held before another worker may take it over (`JOB_LEASE_SECONDS`,
        /// default 60; renewed every third while the job runs).
        public var leaseSeconds: Double
        /// Seconds an idle worker waits before looking for due jobs again (`JOB_POLL_SECONDS`, default 1).
        public var pollSeconds: Double
        /// Runs of a sweep or clean-up job before it is `dead` (`JOB_MAX_ATTEMPTS`, default 5;
        /// e-mail uses `EMAIL_MAX_ATTEMPTS`).
        public var maxAttempts: Int
        /// First retry delay of those jobs in seconds, doubled per attempt, with jitter
        /// (`JOB_RETRY_BASE_SECONDS`, default 2; e-mail uses `EMAIL_RETRY_BASE_SECONDS`).
        public var retryBaseSeconds: Double
    }

    /// Stripe settings; read here so that the start-up report can say what billing lacks.
    public struct Stripe: Sendable {
        public var secretKey: String?
        public var webhookSecrets: [String]
        public var apiBase: URL
        public var plansFile: String?
    }

    /// The OpenAI-compatible AI provider (`API.md` § AI assistance); see `LiveChatCompletionsClient`.
    public struct AI: Sendable, Equatable {
        /// `AI_API_BASE`: the API's base, `/chat/completions` is appended (e.g.
        /// `https://api.openai.com/v1`, `http://127.0.0.1:11434/v1` for Ollama).
        public var apiBase: URL?
        /// `AI_API_KEY`, sent as `Authorization: Bearer`; unset for a local server that needs none.
        /// Never logged nor reported.
        public var apiKey: String?
        /// `AI_MODEL`, the `model` of every request.
        public var model: String?
        /// `AI_TIMEOUT_SECONDS` (1...600, default 60): the whole of one call, retries and the
        /// waits between them included.
        public var timeoutSeconds: Double

        /// Nothing configured: the AI routes answer 503 `ai_not_configured`.
        public static let off = AI(apiBase: nil, apiKey: nil, model: nil, timeoutSeconds: 60)

        /// Whether calls can be made: a base and a model are set.
        public var isConfigured: Bool { apiBase != nil && model != nil }
    }

    public var kind: Kind
    public var database: DatabaseTarget
    /// Pool size and timeouts of the PostgreSQL connections (ignored with SQLite).
    public var databaseLimits: DatabaseLimits
    /// Where migrations run and take their lock: `DATABASE_DIRECT_URL` when set (a session, past
    /// any transaction-mode pooler), else `database`.
    public var migrationDatabase: DatabaseTarget
    public var auth: Auth
    public var email: Email
    public var stripe: Stripe
    /// Base of links in e-mails (`PUBLIC_APP_URL`).
    public var publicAppURL: URL
    public var corsAllowedOrigins: [String]
    public var metricsToken: String?
    public var logFormat: LogFormat
    public var logLevel: Logger.Level
    /// Whether SQL statements are logged (`LOG_SQL`, development and testing only), at `info`,
    /// with their bound values redacted.
    public var logSQL: Bool
    /// `host:port` entries the scraper may reach although private (`SCRAPE_ALLOW_PRIVATE_HOSTS`).
    public var scrapeAllowPrivateHosts: [String]
    /// Lifetime of a CSRF token in seconds (`CSRF_TOKEN_TTL_SECONDS`, default 3600).
    public var csrfTokenTTLSeconds: Double
    /// Largest accepted request body in bytes (`MAX_BODY_BYTES`, default 1 MiB).
    public var maxBodyBytes: Int
    /// How often expired invitations and CSRF tokens are swept, in seconds (`SWEEP_INTERVAL_SECONDS`, default 60).
    public var sweepIntervalSeconds: Double
    /// The job queue's workers and retry policy.
    public var jobs: Jobs
    /// Hours before an invitation's expiry its one reminder e-mail is queued
    /// (`INVITATION_REMINDER_HOURS`, default 24; 0 turns reminders off).
    public var invitationReminderHours: Double
    /// Memory for prepared candidate pools, in MiB (`MATCH_CACHE_MB`, default 256).
    public var matchCacheMegabytes: Int
    /// Limits per rate class (`RATE_LIMITS`, defaults in `RateLimitPolicy.defaults`).
    public var rateLimits: RateLimitPolicy
    /// Proxies whose `X-Forwarded-For` is believed (`TRUSTED_PROXIES`: addresses or CIDR networks).
    public var trustedProxies: [IPNetwork]
    /// The PostgreSQL connection change announcements are received on (`DATABASE_DIRECT_URL`,
    /// else `DATABASE_URL`); `nil` on SQLite or with `DATABASE_NOTIFICATIONS=off`.
    public var changeNotifications: DatabaseTarget?
    /// Seconds a cached billing snapshot is served when changes made by other instances are not
    /// announced (`BILLING_CACHE_TTL_SECONDS`, default 5; 0 turns the cache off).
    public var billingCacheTTLSeconds: Double
    /// `SQLITE_SYNCHRONOUS` (default `normal`).
    public var sqliteSynchronous: SQLiteSynchronous
    /// Seconds `serve` keeps answering after SIGTERM/SIGINT while `/health/ready` says 503
    /// `draining`, so that load balancers stop sending before the listener closes
    /// (`SHUTDOWN_DRAIN_SECONDS`, 0...300; default 5 in production, 0 in development and testing).
    public var shutdownDrainSeconds: Double = 0
    /// Seconds in-flight work (requests, then background jobs) may take after the drain before
    /// the process exits anyway (`SHUTDOWN_GRACE_SECONDS`, 0...3600, default 20). Job workers
    /// stop claiming at SIGTERM and release what they hold when this runs out.
    public var shutdownGraceSeconds: Double = 20
    /// `Strict-Transport-Security`'s `max-age` in seconds (`HSTS_MAX_AGE_SECONDS`, 0...63072000,
    /// default 0: no such header). Set it only when clients reach the API over HTTPS (RFC 6797
    /// § 7.2); see `SecurityHeadersMiddleware`.
    public var hstsMaxAgeSeconds: Int = 0
    /// What the start-up report says (configured, missing, degraded).
    public var report: ConfigReport
    /// The AI provider (`AI_API_BASE`, `AI_API_KEY`, `AI_MODEL`, `AI_TIMEOUT_SECONDS`).
    public var ai: AI = .off
}

/// Console (`pretty`) or one JSON object per line (`json`), from `LOG_FORMAT`.
public enum LogFormat: String, Sendable {
    case pretty, json
}

/// Every problem found in the environment, reported together; thrown by `AppConfig.load`.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    public var problems: [String]
    public var description: String {
        "Configuration is not usable:\n" + problems.map { "  - \($0)" }.joined(separator: "\n")
    }
}

/// The start-up report: one line per setting, grouped as the contract asks.
public struct ConfigReport: Sendable {
    public var configured: [String] = []
    public var missing: [String] = []
    /// Features answering 503 because of missing settings.
    public var degraded: [String] = []
    public var warnings: [String] = []

    /// A multi-line, human-readable report (no secrets in it).
    public var text: String {
        var lines: [String] = []
        lines += configured.map { "configured: \($0)" }
        lines += missing.map { "missing: \($0)" }
        lines += degraded.map { "degraded: \($0)" }
        lines += warnings.map { "warning: \($0)" }
        return lines.joined(separator: "\n")
    }

    /// The level a line of `text` is logged at on start-up: `warning` (the console's ⚠️) for a
    /// `missing:`, `degraded:` or `warning:` line, so that what the server lacks never looks
    /// like success; `info` for a `configured:` line.
    public static func level(of line: String) -> Logger.Level {
        ["missing:", "degraded:", "warning:"].contains(where: line.hasPrefix) ? .warning : .info
    }
}
