import BillingCore
import Foundation
import MatchingCore
import Vapor

/// Collaborators a test (or another host) puts in place of the live ones; each `nil` is built
/// from `AppConfig` as in production. Given to `configure`, so nothing is built, or captured by a
/// route, before the replacement is in place.
public struct ServiceOverrides: Sendable {
    /// The time source (default `WallClock.system`).
    public var clock: WallClock?
    /// Name resolution for `POST /scrape` (default: `getaddrinfo` on a pool of its own).
    public var hostResolver: (any HostResolving)?
    /// The job-page fetcher (default: `SafeJobPageFetcher` over `hostResolver`).
    public var jobPageFetcher: (any JobPageFetching)?
    /// Where e-mail goes (default: per `EMAIL_PROVIDER`).
    public var emailSender: (any EmailSending)?
    /// The AI provider (default: per `AI_API_BASE`).
    public var chat: (any ChatCompleting)?

    public init(clock: WallClock? = nil, hostResolver: (any HostResolving)? = nil,
                jobPageFetcher: (any JobPageFetching)? = nil, emailSender: (any EmailSending)? = nil,
                chat: (any ChatCompleting)? = nil) {
        self.clock = clock
        self.hostResolver = hostResolver
        self.jobPageFetcher = jobPageFetcher
        self.emailSender = emailSender
        self.chat = chat
    }
}

/// Builds every long-lived service of the app from the configuration, once: the only place that
/// decides which implementation runs (`configure` calls it; tests reach it through `configure`
/// with their `ServiceOverrides`).
enum ServiceFactory {
    /// - Throws: `ConfigurationError` when the plans file or the bundled matching tables cannot
    ///   be loaded (the start stops rather than run with empty ones).
    static func make(for app: Application, config: AppConfig, overrides: ServiceOverrides) async throws -> HirebaseServices {
        let clock = overrides.clock ?? .system
        let metrics = HirebaseMetrics()
        let jwks = config.auth.jwksURL.map {
            JWKSCache(fetcher: LiveJWKSFetcher(client: app.client, url: $0), clock: clock, logger: Logger(label: "hirebase.jwks"))
        }
        let emailSender: any EmailSending
        if let replacement = overrides.emailSender {
            emailSender = replacement
        } else {
            switch config.email.provider {
            case .log:
                emailSender = LogEmailSender(logger: Logger(label: "hirebase.email"), clock: clock,
                                             mailDirectory: config.email.logDirectory.map { URL(fileURLWithPath: $0, isDirectory: true) })
            case .resend:
                emailSender = ResendEmailSender(client: app.client, baseURL: config.email.apiBase, apiKey: config.email.apiKey ?? "")
            }
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
            stripe = LiveStripeClient(httpClient: client, secretKey: key, apiBase: config.stripe.apiBase, metrics: metrics.stripe)
        } else {
            stripe = UnconfiguredStripeClient()
        }
        let chat: any ChatCompleting
        if let replacement = overrides.chat {
            chat = replacement
        } else if let base = config.ai.apiBase, let model = config.ai.model {
            let client = LiveChatCompletionsClient.makeHTTPClient(eventLoopGroup: app.eventLoopGroup)
            app.lifecycle.use(HTTPClientShutdown(client: client))
            chat = LiveChatCompletionsClient(httpClient: client, apiBase: base, apiKey: config.ai.apiKey, model: model,
                                             timeout: .milliseconds(Int64(config.ai.timeoutSeconds * 1000)), clock: clock)
        } else {
            chat = UnconfiguredChatClient()
        }
        let heavyWork = HeavyWork()
        app.lifecycle.use(ThreadPoolShutdown(pool: heavyWork.pool))
        let jobPageFetcher: any JobPageFetching
        if let replacement = overrides.jobPageFetcher {
            jobPageFetcher = replacement
        } else {
            let resolver: any HostResolving
            if let replacement = overrides.hostResolver {
                resolver = replacement
            } else {
                // Name resolution for /scrape blocks in getaddrinfo: on a pool of its own, never
                // the one the SQLite driver runs every query on (issue 7 § 3).
                let dnsPool = SystemHostResolver.makeThreadPool()
                app.lifecycle.use(ThreadPoolShutdown(pool: dnsPool))
                resolver = SystemHostResolver(threadPool: dnsPool)
            }
            jobPageFetcher = SafeJobPageFetcher(httpClient: app.http.client.shared, allowPrivateHosts: Set(config.scrapeAllowPrivateHosts),
                                                resolver: resolver)
        }
        let billing = BillingService(
            plans: plans,
            cache: BillingSnapshotCache(unannouncedTTL: config.billingCacheTTLSeconds,
                                        announcedTTL: config.billingCacheTTLSeconds == 0 ? 0 : 300, clock: clock,
                                        lookups: metrics.caches.billingSnapshot),
            stripe: stripe, clock: clock)
        let jobs = JobService(store: JobStore(), clock: clock)
        let aiRuns = AIRunService(store: AIRunStore(), clock: clock, metrics: metrics.ai)
        let grading = AnswerGradingService(chat: chat, store: GradingStore(), runs: aiRuns, clock: clock, maxAttempts: config.jobs.maxAttempts,
                                           logger: Logger(label: "hirebase.grading"))
        let invitations = InvitationService(store: InvitationStore(), outbox: OutboxStore(deliveryAttempts: config.email.maxAttempts), usage: billing,
                                            publicAppURL: config.publicAppURL, clock: clock, grading: grading.queue)
        let csrf = CSRFService(ttlSeconds: config.csrfTokenTTLSeconds, clock: clock)
        app.lifecycle.use(CSRFShutdown(csrf: csrf))
        let applicationStore = ApplicationStore()
        app.lifecycle.use(JobMoveShutdown(store: applicationStore))
        let rateLimiter = RateLimiter(policy: config.rateLimits, clock: clock)
        let backgroundJobs = makeJobRunner(config: config, clock: clock, emailSender: emailSender, invitations: invitations, grading: grading,
                                           csrf: csrf, rateLimiter: rateLimiter, billing: billing, metrics: metrics)
        return HirebaseServices(
            config: config,
            clock: clock,
            tokenVerifier: await SupabaseTokenVerifier(config: config.auth, jwks: jwks, cacheLookups: metrics.caches.verifiedToken),
            csrf: csrf,
            emailSender: emailSender,
            companies: CompanyService(store: CompanyStore(), users: UserStore(knownLookups: metrics.caches.user)),
            invitations: invitations,
            grading: grading,
            backgroundJobs: backgroundJobs,
            billing: billing,
            stripe: stripe,
            metrics: metrics,
            matcher: matcher,
            candidatePools: CandidatePoolCache(matcher: matcher, heavyWork: heavyWork, budgetBytes: config.matchCacheMegabytes << 20,
                                               lookups: metrics.caches.candidatePool),
            rateLimiter: rateLimiter,
            clientAddresses: ClientAddressResolver(trustedProxies: config.trustedProxies),
            heavyWork: heavyWork,
            jobPageFetcher: jobPageFetcher,
            chat: chat,
            jobs: jobs,
            applications: ApplicationService(store: applicationStore, jobs: JobStore(), candidates: CandidateStore(), clock: clock),
            candidates: CandidateService(store: CandidateStore(), clock: clock),
            assessments: AssessmentService(store: AssessmentStore(), clock: clock),
            assessmentDrafts: AssessmentDraftService(chat: chat, runs: aiRuns, assessments: AssessmentStore(), jobs: JobStore(), billing: billing,
                                                     clock: clock),
            aiRuns: aiRuns,
            matching: MatchService(matcher: matcher),
            scraping: ScrapeService(fetcher: jobPageFetcher, heavyWork: heavyWork, aliases: matcher.aliases, jobs: jobs, store: ScrapeStore(),
                                    metrics: metrics.scrapes))
    }

    /// The job queue's kinds: e-mail delivery (the e-mail settings' retry policy), the Stripe
    /// follow-up that reads a checkout's subscription when Stripe was down at its webhook, the AI
    /// grading of free-text answers (`assessments.grade`, `JOB_MAX_ATTEMPTS` runs), and the
    /// periodic ones, run once per `SWEEP_INTERVAL_SECONDS` across all instances — invitation
    /// expiry, invitation reminders (`INVITATION_REMINDER_HOURS`), and the clean-up of used CSRF
    /// tokens, idle rate-limit buckets and old finished jobs. Runs and deliveries are counted in
    /// `metrics`.
    static func makeJobRunner(config: AppConfig, clock: WallClock, emailSender: any EmailSending, invitations: InvitationService,
                              grading: AnswerGradingService, csrf: CSRFService, rateLimiter: RateLimiter, billing: BillingService, metrics: HirebaseMetrics) -> BackgroundJobRunner {
        let logger = Logger(label: "hirebase.jobs")
        let delivery = OutboxDispatcher(sender: emailSender, from: config.email.from, clock: clock, logger: Logger(label: "hirebase.outbox"),
                                        metrics: metrics.outbox)
        let (attempts, base) = (config.jobs.maxAttempts, config.jobs.retryBaseSeconds)
        let reminderLead = config.invitationReminderHours * 3600
        let periodicKinds = [
            BackgroundJobKind(name: "invitations.expire", maxAttempts: attempts, retryBaseSeconds: base) { _, db in
                try await invitations.expireOverdue(on: db)
            },
            BackgroundJobKind(name: "invitations.remind", maxAttempts: attempts, retryBaseSeconds: base) { _, db in
                try await invitations.queueDueReminders(lead: reminderLead, on: db, logger: logger)
            },
            BackgroundJobKind(name: "cleanup", maxAttempts: attempts, retryBaseSeconds: base) { _, db in
                _ = try await csrf.removeStale(on: db)
                _ = try await rateLimiter.removeIdle(on: db)
                _ = try await BackgroundJobStore().deleteDone(finishedBefore: clock.now().addingTimeInterval(-BackgroundJobStore.doneRetention), on: db)
            },
        ]
        let kinds = [
            delivery.jobKind(maxAttempts: config.email.maxAttempts, retryBaseSeconds: config.email.retryBaseSeconds),
            billing.subscriptionSyncJob(),
            grading.jobKind(),
        ] + periodicKinds
        let periodic = periodicKinds.map { PeriodicJob(kind: $0.name, interval: config.sweepIntervalSeconds) }
        return BackgroundJobRunner(kinds: kinds, periodic: periodic, clock: clock, lease: config.jobs.leaseSeconds, logger: logger,
                                   metrics: metrics.jobs)
    }
}
