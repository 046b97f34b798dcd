import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting
@testable import HirebaseApp

@Suite("Metrics")
struct MetricsTests {
    @Test func requestsAreCountedByRoutePattern() async throws {
        try await withHirebase(on: .sqlite) { app in
            _ = try await app.send(.GET, "/health")
            _ = try await app.send(.GET, "/companies/\(UUID())", as: TestUser())
            let response = try await app.send(.GET, "/metrics")
            #expect(response.status == .ok)
            let text = String(buffer: response.body)
            #expect(text.contains(#"hirebase_http_requests_total{method="GET",route="/health",status="200"} 1"#))
            #expect(text.contains(#"route="/companies/:companyID""#))
            #expect(text.contains("hirebase_http_request_duration_seconds"))
        }
    }

    /// The client picks the method: one NIO's parser accepts but the API does not serve is
    /// labelled `other`, so that `method` has a fixed set of values whatever callers send.
    @Test func unservedMethodsShareOneMethodLabel() async throws {
        try await withHirebase(on: .sqlite) { app in
            for method in ["PROPFIND", "MKCOL", "SEARCH", "PURGE", "LINK"] {
                let known = try await app.send(HTTPMethod(rawValue: method), "/health")
                #expect(known.status == .methodNotAllowed)
                let unknown = try await app.send(HTTPMethod(rawValue: method), "/no-such-path")
                #expect(unknown.status == .notFound)
            }
            _ = try await app.send(.DELETE, "/health")
            let text = String(buffer: try await app.send(.GET, "/metrics").body)
            #expect(sample(text, #"hirebase_http_requests_total{method="other",route="unmatched",status="405"}"#) == 5)
            #expect(sample(text, #"hirebase_http_requests_total{method="other",route="unmatched",status="404"}"#) == 5)
            #expect(sample(text, #"hirebase_http_requests_total{method="DELETE",route="unmatched",status="405"}"#) == 1)
            #expect(!text.contains("PROPFIND") && !text.contains("MKCOL"))
        }
    }

    @Test func metricsTokenIsRequiredWhenSet() async throws {
        try await withHirebase(on: .sqlite, environment: ["METRICS_TOKEN": "scrape-me"]) { app in
            let missing = try await app.send(.GET, "/metrics")
            #expect(missing.status == .unauthorized)
            let wrong = try await app.send(.GET, "/metrics", headers: HTTPHeaders([("Authorization", "Bearer wrong")]))
            #expect(wrong.status == .unauthorized)
            let right = try await app.send(.GET, "/metrics", headers: HTTPHeaders([("Authorization", "Bearer scrape-me")]))
            #expect(right.status == .ok)
        }
    }

    @Test func stripeCallsAreCountedByOperationAndOutcomeAndTheOpenBreakerIsExported() async throws {
        let stripe = try await FakeStripe.start()
        let environment = billingEnvironment.merging(["STRIPE_SECRET_KEY": "sk_test_fake", "STRIPE_API_BASE": stripe.baseURL.absoluteString]) { $1 }
        try await withHirebase(on: .sqlite, environment: environment) { app in
            #expect(try await checkout(app, TestUser()).status == .ok)
            let before = try await scrape(app)
            #expect(sample(before, #"hirebase_stripe_requests_total{operation="create_customer",outcome="success"}"#) == 1)
            #expect(sample(before, #"hirebase_stripe_requests_total{operation="create_checkout_session",outcome="success"}"#) == 1)
            #expect(sample(before, #"hirebase_stripe_circuit_breaker_state{state="closed"}"#) == 1)
            #expect(sample(before, #"hirebase_stripe_circuit_breaker_state{state="open"}"#) == 0)

            // Five failures in a row (not retried: `Stripe-Should-Retry: false`) open the breaker;
            // the sixth call is refused without reaching Stripe.
            stripe.fail("/v1/customers", with: .status(500, shouldRetry: false), times: 5)
            for _ in 0..<6 {
                #expect(try await checkout(app, TestUser()).status == .serviceUnavailable)
            }
            let after = try await scrape(app)
            #expect(sample(after, #"hirebase_stripe_requests_total{operation="create_customer",outcome="server_error"}"#) == 5)
            #expect(sample(after, #"hirebase_stripe_requests_total{operation="create_customer",outcome="circuit_open"}"#) == 1)
            #expect(sample(after, #"hirebase_stripe_request_duration_seconds_count{operation="create_customer"}"#) == 7)
            #expect(sample(after, #"hirebase_stripe_circuit_breaker_state{state="open"}"#) == 1)
            #expect(sample(after, #"hirebase_stripe_circuit_breaker_state{state="closed"}"#) == 0)
        }
        await stripe.stop()
    }

    @Test func webhookEventsAreCountedByTypeAndOutcome() async throws {
        try await withHirebase(on: .sqlite, environment: billingEnvironment) { app in
            let now = Int(Date().timeIntervalSince1970)
            let created = StripeEvents.event(type: "customer.subscription.created", created: now, object: StripeEvents.subscription(userID: UUID()))
            #expect(try await app.webhook(created).status == .ok)
            #expect(try await app.webhook(created).status == .ok)
            #expect(try await app.webhook(StripeEvents.event(type: "customer.created", created: now, object: ["id": "cus_1", "object": "customer"])).status == .ok)
            #expect(try await app.webhook(created, tamper: true).status == .unauthorized)

            let text = try await scrape(app)
            #expect(sample(text, #"hirebase_stripe_webhook_events_total{type="customer.subscription.created",outcome="applied"}"#) == 1)
            #expect(sample(text, #"hirebase_stripe_webhook_events_total{type="customer.subscription.created",outcome="duplicate"}"#) == 1)
            #expect(sample(text, #"hirebase_stripe_webhook_events_total{type="other",outcome="ignored"}"#) == 1)
            #expect(sample(text, #"hirebase_stripe_webhook_events_total{type="unknown",outcome="invalid_signature"}"#) == 1)
            #expect(!text.contains(#"type="customer.created""#), "unhandled types are not label values")
        }
    }

    @Test func scrapesAreCountedBySourceAndOutcome() async throws {
        let pages = try await JobPages.start()
        try await withHirebase(on: .sqlite, environment: ["SCRAPE_ALLOW_PRIVATE_HOSTS": "127.0.0.1:\(pages.port)"]) { app in
            let scenario = try await Scenario.make(app)
            let base = "http://127.0.0.1:\(pages.port)"
            for (path, status) in [("/job", HTTPStatus.ok), ("/missing", .badGateway), ("/plain", .unprocessableEntity)] {
                let response = try await app.send(.POST, "/scrape", as: scenario.recruiter, json: JSON(["url": base + path]))
                #expect(response.status == status, "\(path)")
            }
            let blocked = try await app.send(.POST, "/scrape", as: scenario.recruiter, json: JSON(["url": "http://169.254.169.254/latest/meta-data/"]))
            #expect(blocked.status == .forbidden)

            let text = try await scrape(app)
            #expect(sample(text, #"hirebase_scrape_requests_total{source="json_ld",outcome="ok"}"#) == 1)
            #expect(sample(text, #"hirebase_scrape_requests_total{source="page",outcome="not_found"}"#) == 1)
            #expect(sample(text, #"hirebase_scrape_requests_total{source="page",outcome="no_posting"}"#) == 1)
            #expect(sample(text, #"hirebase_scrape_requests_total{source="page",outcome="blocked"}"#) == 1)
        }
        try await pages.stop()
    }

    @Test(arguments: TestDatabase.all)
    func jobOutcomesAndTheQueueAreExported(database: TestDatabase) async throws {
        let api = try await FakeEmailAPI.start(statuses: [500])
        let clock = ManualClock()
        try await withHirebase(on: database, environment: api.environment, overrides: ServiceOverrides(clock: clock.wall)) { app in
            let scenario = try await Scenario.make(app)
            _ = try await scenario.invite(app)
            let queue = app.hirebase.backgroundJobs
            // The e-mail's first attempt fails (500): retried with backoff, not due yet.
            #expect(await queue.runDue(on: app.db) == 1)
            // A job of a kind this version does not know dies at once.
            let store = BackgroundJobStore()
            let now = clock.date
            try await store.enqueue(kind: "legacy.kind", maxAttempts: 3, runAt: now, now: now, on: app.db)
            #expect(await queue.runDue(on: app.db) == 1)
            // Another, due two minutes ago, waits.
            try await store.enqueue(kind: "legacy.kind", maxAttempts: 3, runAt: now.addingTimeInterval(-120), now: now, on: app.db)

            let text = try await scrape(app)
            #expect(sample(text, #"hirebase_jobs_retries_total{kind="email.deliver"}"#) == 1)
            #expect(sample(text, #"hirebase_outbox_deliveries_total{outcome="retried"}"#) == 1)
            #expect(sample(text, #"hirebase_outbox_deliveries_total{outcome="sent"}"#) == 0)
            #expect(sample(text, #"hirebase_jobs_dead_total{kind="other"}"#) == 1)
            #expect(sample(text, #"hirebase_jobs_queue_depth{kind="email.deliver",status="retrying"}"#) == 1)
            #expect(sample(text, #"hirebase_jobs_queue_depth{kind="email.deliver",status="queued"}"#) == 0)
            #expect(sample(text, #"hirebase_jobs_queue_depth{kind="other",status="dead"}"#) == 1)
            #expect(sample(text, #"hirebase_jobs_queue_depth{kind="other",status="queued"}"#) == 1)
            #expect(sample(text, #"hirebase_jobs_queue_depth{kind="cleanup",status="queued"}"#) == 0)
            #expect(sample(text, #"hirebase_jobs_oldest_queued_age_seconds{kind="other"}"#) == 120)
            #expect(sample(text, #"hirebase_jobs_oldest_queued_age_seconds{kind="email.deliver"}"#) == 0, "a retry not due yet is not late")
            #expect(sample(text, #"hirebase_metrics_collection_errors_total{source="job_queue"}"#) == 0)

            // Past the backoff the e-mail goes out.
            clock.advance(by: .seconds(10))
            await queue.runDue(on: app.db)
            let later = try await scrape(app)
            #expect(sample(later, #"hirebase_outbox_deliveries_total{outcome="sent"}"#) == 1)
            #expect(sample(later, #"hirebase_jobs_completed_total{kind="email.deliver"}"#) == 1)
        }
        try await api.server.stop()
    }

    @Test func anUnreadableQueueIsCountedAndTheScrapeStillAnswers() async throws {
        try await withHirebase(on: .sqlite) { app in
            try await (app.db as! any SQLDatabase).raw("ALTER TABLE background_jobs RENAME TO background_jobs_away").run()
            let response = try await app.send(.GET, "/metrics")
            #expect(response.status == .ok)
            let text = String(buffer: response.body)
            #expect(sample(text, #"hirebase_metrics_collection_errors_total{source="job_queue"}"#) == 1)
            #expect(text.contains("hirebase_cache_requests_total"), "the rest is rendered")
        }
    }

    @Test func timeLimitAnswersWithoutWaitingForTheWork() async throws {
        let started = ContinuousClock.now
        await #expect(throws: TimeLimit.Exceeded.self) {
            try await TimeLimit.run(within: .milliseconds(50)) {
                // Ignores cancellation, as a query waiting for its answer does.
                await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
                    DispatchQueue.global().asyncAfter(deadline: .now() + 120) { done.resume() }
                }
                return 1
            }
        }
        // Far below the work's 120 s, far above 50 ms: the whole suite on a loaded 2-core machine
        // has kept the cooperative threads (and so this timer) waiting for over 10 s.
        #expect(ContinuousClock.now - started < .seconds(60), "the caller did not wait for the work")
        #expect(try await TimeLimit.run(within: .seconds(30)) { 7 } == 7)
    }

    /// Work that heeds cancellation may end with a `CancellationError` before `cancel()` has
    /// even returned (AsyncHTTPClient's request, whose cancellation closes its connection); the
    /// caller still gets `Exceeded` (the probe reports "no complete answer within N s", not
    /// "CancellationError()").
    @Test func timeLimitAnswersExceededWhenTheWorkHeedsCancellation() async throws {
        for _ in 0..<3 {
            await #expect(throws: TimeLimit.Exceeded.self) {
                try await TimeLimit.run(within: .milliseconds(5)) {
                    try await withTaskCancellationHandler {
                        try await Task.sleep(for: .seconds(30))
                        return 1
                    } onCancel: {
                        // A cancellation that takes a moment: the sleep above has ended by now.
                        Thread.sleep(forTimeInterval: 0.2)
                    }
                }
            }
        }
        #expect(try await TimeLimit.run(within: .seconds(30)) { 7 } == 7)
    }

    @Test func cacheHitsAndMissesAreCountedPerCache() async throws {
        try await withHirebase(on: .sqlite) { app in
            let scenario = try await Scenario.make(app)
            let job = try await scenario.job(app, skills: ["Swift"])
            _ = try await scenario.candidate(app, email: "c@example.com", skills: ["Swift"])
            let lookups = { (text: String, cache: String) -> (hits: Double, misses: Double) in
                (sample(text, #"hirebase_cache_requests_total{cache="\#(cache)",result="hit"}"#) ?? -1,
                 sample(text, #"hirebase_cache_requests_total{cache="\#(cache)",result="miss"}"#) ?? -1)
            }
            func counted(_ cache: String, from before: String, to after: String) -> (hits: Double, misses: Double) {
                let (start, end) = (lookups(before, cache), lookups(after, cache))
                return (end.hits - start.hits, end.misses - start.misses)
            }

            // A new user's first status misses every cache; the same token again finds them all.
            let headers = try await TestUser().headers()
            let start = try await scrape(app)
            for _ in 0..<2 {
                #expect(try await app.send(.GET, "/subscription-status", headers: headers).status == .ok)
            }
            let afterStatus = try await scrape(app)
            #expect(counted("verified_token", from: start, to: afterStatus) == (1, 1))
            #expect(counted("user", from: start, to: afterStatus) == (1, 1))
            // The subscription, then the usage: each missed, then found.
            #expect(counted("billing_snapshot", from: start, to: afterStatus) == (2, 2))

            for _ in 0..<2 {
                #expect(try await app.send(.POST, "/match-candidates", as: scenario.recruiter, json: JSON(["jobId": job])).status == .ok)
            }
            let afterMatch = try await scrape(app)
            #expect(counted("candidate_pool", from: afterStatus, to: afterMatch) == (1, 1))
        }
    }

    // MARK: - Helpers

    /// `GET /metrics`, its text.
    func scrape(_ app: Application) async throws -> String {
        let response = try await app.send(.GET, "/metrics")
        #expect(response.status == .ok)
        return String(buffer: response.body)
    }

    /// The value of the sample named exactly `series` (name and labels as rendered), if present.
    func sample(_ text: String, _ series: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1).prefix { $0 != " " })
        }
        return nil
    }

    /// A checkout of the pro plan by `user`, with a fresh CSRF token.
    func checkout(_ app: Application, _ user: TestUser) async throws -> TestingHTTPResponse {
        let csrf = try await app.send(.GET, "/csrf-token", as: user)["csrfToken"] ?? ""
        return try await app.send(.POST, "/create-checkout-session", as: user, headers: ["X-CSRF-Token": csrf],
                                  json: JSON(["plan": "pro", "successUrl": "http://localhost:3000/billing/ok", "cancelUrl": "http://localhost:3000/billing"]))
    }
}
