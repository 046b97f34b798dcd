import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting
@testable import HirebaseApp

@Suite("Checkout, confirmation and cancellation against a fake Stripe")
struct CheckoutTests {
    func environment(_ stripe: FakeStripe) -> [String: String] {
        billingEnvironment.merging(["STRIPE_SECRET_KEY": "sk_test_fake", "STRIPE_API_BASE": stripe.baseURL.absoluteString]) { $1 }
    }

    func checkout(_ app: Application, _ user: TestUser, _ body: [String: Any]) async throws -> TestingHTTPResponse {
        let csrf = try await app.send(.GET, "/csrf-token", as: user)["csrfToken"] ?? ""
        return try await app.send(.POST, "/create-checkout-session", as: user, headers: ["X-CSRF-Token": csrf], json: JSON(body))
    }

    let urls: [String: Any] = ["successUrl": "http://localhost:3000/billing/ok", "cancelUrl": "http://localhost:3000/billing"]

    @Test(arguments: TestDatabase.all)
    func concurrentFirstCheckoutsMakeOneCustomer(database: TestDatabase) async throws {
        let stripe = try await FakeStripe.start()
        try await withHirebase(on: database, environment: environment(stripe)) { app in
            let user = TestUser()
            _ = try await app.send(.GET, "/csrf-token", as: user)
            var tokens: [String] = []
            for _ in 0..<5 { tokens.append(try await app.send(.GET, "/csrf-token", as: user)["csrfToken"] ?? "") }
            let body = JSON(urls.merging(["plan": "pro"]) { $1 })
            let headers = try await user.headers()
            let statuses = try await withThrowingTaskGroup(of: UInt.self) { group in
                for token in tokens {
                    var h = headers
                    h.add(name: "X-CSRF-Token", value: token)
                    let requestHeaders = h
                    group.addTask { try await app.send(.POST, "/create-checkout-session", headers: requestHeaders, json: body).status.code }
                }
                return try await group.reduce(into: [UInt]()) { $0.append($1) }
            }
            #expect(statuses == Array(repeating: 200, count: 5), "\(statuses)")
            #expect(stripe.createdCustomerCount == 1)
            #expect(try await StripeCustomerLink.query(on: app.db).count() == 1)
            let sessionRequest = try #require(stripe.requests.first { $0.method == "POST" && $0.path == "/v1/checkout/sessions" })
            let form = sessionRequest.form
            #expect(form["client_reference_id"] == user.id.uuidString.lowercased())
            #expect(form["metadata[user_id]"] == user.id.uuidString.lowercased())
            #expect(form["subscription_data[metadata][user_id]"] == user.id.uuidString.lowercased())
            #expect(form["line_items[0][price]"] == "price_pro_monthly")
            #expect(sessionRequest.idempotencyKey != nil)
            #expect(sessionRequest.stripeVersion != nil)
        }
        await stripe.stop()
    }

    @Test func checkoutInputIsChecked() async throws {
        let stripe = try await FakeStripe.start()
        try await withHirebase(on: .sqlite, environment: environment(stripe)) { app in
            let user = TestUser()
            for body in [
                urls.merging(["plan": "platinum"]) { $1 }, urls.merging(["plan": "free"]) { $1 },
                urls.merging(["plan": "pro", "priceId": "price_pro_monthly"]) { $1 }, urls,
                ["plan": "pro", "successUrl": "javascript:alert(1)", "cancelUrl": "http://localhost:3000/x"],
                ["priceId": "price_unknown", "successUrl": "http://a.example/x", "cancelUrl": "http://a.example/y"],
            ] {
                #expect(try await checkout(app, user, body).status == .badRequest, "\(body)")
            }
            let byPrice = try await checkout(app, user, urls.merging(["priceId": "price_business_monthly"]) { $1 })
            #expect(byPrice.status == .ok)
            #expect(byPrice["sessionId"]?.hasPrefix("cs_") == true)
            let noCSRF = try await app.send(.POST, "/create-checkout-session", as: user, json: JSON(urls.merging(["plan": "pro"]) { $1 }))
            #expect(noCSRF.code == "csrf_token_invalid")
        }
        await stripe.stop()
    }

    @Test func withoutAStripeKeyBillingCallsAre503AndTheRestWorks() async throws {
        try await withHirebase(on: .sqlite, environment: billingEnvironment) { app in
            let user = TestUser()
            let response = try await checkout(app, user, urls.merging(["plan": "pro"]) { $1 })
            #expect(response.status == .serviceUnavailable)
            #expect(response.code == "stripe_not_configured")
            #expect(response.headers.first(name: "Retry-After") != nil)
            #expect(try await app.send(.GET, "/subscription-status", as: user).status == .ok)
            #expect(try await app.send(.POST, "/companies", as: user, json: JSON(["name": "Still works"])).status == .created)
        }
    }

    @Test func stripeFailuresAre503WithRetryAfter() async throws {
        let stripe = try await FakeStripe.start()
        stripe.fail("/v1/customers", with: .status(500), times: 10)
        try await withHirebase(on: .sqlite, environment: environment(stripe)) { app in
            let user = TestUser()
            let response = try await checkout(app, user, urls.merging(["plan": "pro"]) { $1 })
            #expect(response.status == .serviceUnavailable)
            #expect(response.headers.first(name: "Retry-After") != nil)
            #expect(try await StripeCustomerLink.query(on: app.db).count() == 0)
            // Retries reused one idempotency key.
            let keys = Set(stripe.requests.filter { $0.path == "/v1/customers" }.compactMap(\.idempotencyKey))
            #expect(keys.count == 1)
        }
        await stripe.stop()
    }

    @Test(arguments: TestDatabase.all)
    func confirmedSessionActivatesThePlanAndCancelAtPeriodEnd(database: TestDatabase) async throws {
        let stripe = try await FakeStripe.start()
        try await withHirebase(on: database, environment: environment(stripe)) { app in
            let user = TestUser()
            let created = try await checkout(app, user, urls.merging(["plan": "pro"]) { $1 })
            let sessionID = try #require(created["sessionId"])
            let early = try await app.send(.POST, "/verify-billing", as: user, json: JSON(["sessionId": sessionID]))
            #expect(early.status == .conflict, "an unpaid session activates nothing")
            stripe.complete(session: sessionID, periodStart: Int(Date().timeIntervalSince1970) - 60, periodEnd: Int(Date().timeIntervalSince1970) + 30 * 86_400)
            let stranger = try await app.send(.POST, "/verify-billing", as: TestUser("stranger"), json: JSON(["sessionId": sessionID]))
            #expect(stranger.status == .forbidden)
            let confirmed = try await app.send(.POST, "/verify-billing", as: user, json: JSON(["sessionId": sessionID]))
            #expect(confirmed.status == .ok, "\(String(buffer: confirmed.body))")
            #expect(confirmed.json["activated"] as? Bool == true)
            #expect(confirmed["plan"] == "pro")
            let status = try await app.send(.GET, "/subscription-status", as: user)
            #expect(status["plan"] == "pro")
            #expect((status.json["usage"] as? [String: [String: Any]])?["ai_assessments"]?["limit"] as? Int == 100)

            let csrf = try await app.send(.GET, "/csrf-token", as: user)["csrfToken"] ?? ""
            let cancelled = try await app.send(.POST, "/cancel-subscription", as: user, headers: ["X-CSRF-Token": csrf], json: JSON(["atPeriodEnd": true]))
            #expect(cancelled.status == .ok, "\(String(buffer: cancelled.body))")
            #expect(cancelled.json["cancelAtPeriodEnd"] as? Bool == true)
            #expect(cancelled["status"] == "active")
        }
        await stripe.stop()
    }

    @Test func mismatchedAmountActivatesNothing() async throws {
        let stripe = try await FakeStripe.start()
        try await withHirebase(on: .sqlite, environment: environment(stripe)) { app in
            let user = TestUser()
            stripe.seed(FakeStripe.Subscription(id: "sub_cheap", customer: "cus_cheap"))
            stripe.seed(FakeStripe.CheckoutSession(id: "cs_cheap", amountTotal: 100, customer: "cus_cheap", subscription: "sub_cheap",
                                                   clientReferenceID: user.id.uuidString.lowercased()))
            let response = try await app.send(.POST, "/verify-billing", as: user, json: JSON(["sessionId": "cs_cheap"]))
            #expect(response.status == .conflict)
            #expect(try await BillingSubscription.query(on: app.db).count() == 0)
            let bad = try await app.send(.POST, "/verify-billing", as: user, json: JSON(["sessionId": "../v1/customers"]))
            #expect(bad.status == .badRequest)
        }
        await stripe.stop()
    }

    /// Issue 10's Stripe follow-up: a `checkout.session.completed` that arrives while Stripe
    /// cannot be read is applied (200, the customer linked) and its subscription read by a
    /// `stripe.subscription-sync` job once Stripe answers, instead of the delivery failing and
    /// waiting for Stripe's own retries.
    @Test(arguments: TestDatabase.all)
    func aCheckoutCompletedWhileStripeIsDownIsFollowedUpByAJob(database: TestDatabase) async throws {
        let stripe = try await FakeStripe.start()
        try await withHirebase(on: database, environment: environment(stripe)) { app in
            let user = TestUser()
            let now = Int(Date().timeIntervalSince1970)
            stripe.seed(FakeStripe.Subscription(id: "sub_f", customer: "cus_f", currentPeriodStart: now - 60, currentPeriodEnd: now + 30 * 86_400,
                                                metadata: ["user_id": user.id.uuidString.lowercased()]))
            // Every attempt of the webhook's read fails (the client tries 3 times).
            stripe.fail("/v1/subscriptions/sub_f", method: "GET", with: .status(503), times: 3)
            let event = StripeEvents.event(type: "checkout.session.completed", created: now, object: [
                "id": "cs_f", "object": "checkout.session", "mode": "subscription", "status": "complete", "payment_status": "paid",
                "customer": "cus_f", "subscription": "sub_f", "client_reference_id": user.id.uuidString.lowercased(),
            ])
            let delivered = try await app.webhook(event)
            #expect(delivered.status == .ok, "\(String(buffer: delivered.body))")
            #expect(try await app.send(.GET, "/subscription-status", as: user)["plan"] == "free")
            let queued = try await BackgroundJobStore().list(limit: 10, on: app.db)
            #expect(queued.map(\.kind) == ["stripe.subscription-sync"])

            // Stripe answers again: the job stores the subscription.
            #expect(await app.hirebase.backgroundJobs.runDue(on: app.db) == 1)
            #expect(try await app.send(.GET, "/subscription-status", as: user)["plan"] == "pro")
            #expect(try await BackgroundJobStore().counts(on: app.db).done == 1)
            // A replay of the event queues nothing more.
            #expect(try await app.webhook(event).status == .ok)
            #expect(try await BackgroundJobStore().list(limit: 10, on: app.db).isEmpty)
        }
        await stripe.stop()
    }

    /// The follow-up gives up on a subscription Stripe does not know: dead with Stripe's answer.
    @Test func aFollowUpForAnUnknownSubscriptionIsDead() async throws {
        let stripe = try await FakeStripe.start()
        try await withHirebase(on: .sqlite, environment: environment(stripe)) { app in
            let queue = app.hirebase.backgroundJobs
            let payload = #"{"subscriptionId":"sub_nowhere","userId":"\#(UUID().uuidString.lowercased())"}"#
            try await queue.enqueue("stripe.subscription-sync", payload: payload, on: app.db)
            #expect(await queue.runDue(on: app.db) == 1)
            let job = try #require(try await BackgroundJobStore().list(limit: 10, on: app.db).first)
            #expect(job.status == .dead)
            #expect(job.attempts == 1)
            #expect(job.lastError?.contains("sub_nowhere") == true)
        }
        await stripe.stop()
    }

    @Test func cancellingTwiceAnswersTheCurrentState() async throws {
        let stripe = try await FakeStripe.start()
        try await withHirebase(on: .sqlite, environment: environment(stripe)) { app in
            let user = TestUser()
            let none = try await app.send(.POST, "/cancel-subscription", as: user,
                                          headers: ["X-CSRF-Token": try await app.send(.GET, "/csrf-token", as: user)["csrfToken"] ?? ""], json: JSON([String: Any]()))
            #expect(none.status == .notFound)
            let now = Int(Date().timeIntervalSince1970)
            stripe.seed(FakeStripe.Subscription(id: "sub_9", customer: "cus_9", currentPeriodStart: now - 60, currentPeriodEnd: now + 86_400,
                                                metadata: ["user_id": user.id.uuidString.lowercased()]))
            let event = StripeEvents.event(type: "customer.subscription.created", created: now,
                                           object: StripeEvents.subscription(id: "sub_9", customer: "cus_9", userID: user.id, periodStart: now - 60, periodEnd: now + 86_400))
            #expect(try await app.webhook(event).status == .ok)
            for _ in 0..<2 {
                let csrf = try await app.send(.GET, "/csrf-token", as: user)["csrfToken"] ?? ""
                let response = try await app.send(.POST, "/cancel-subscription", as: user, headers: ["X-CSRF-Token": csrf], json: JSON(["atPeriodEnd": false]))
                #expect(response.status == .ok, "\(String(buffer: response.body))")
                #expect(response["status"] == "canceled")
            }
        }
        await stripe.stop()
    }

    /// Issue 8's defect: cancelling at once answered `status: canceled` with `"plan": "pro"` and
    /// `"cancelAtPeriodEnd": true`. An ended subscription answers the free plan, whose limits
    /// apply, and no cancellation ahead.
    @Test(arguments: TestDatabase.all)
    func cancellingAtOnceAfterSchedulingAnswersTheFreePlanAndNoCancellationAhead(database: TestDatabase) async throws {
        let stripe = try await FakeStripe.start()
        try await withHirebase(on: database, environment: environment(stripe)) { app in
            let user = TestUser()
            let now = Int(Date().timeIntervalSince1970)
            stripe.seed(FakeStripe.Subscription(id: "sub_now", customer: "cus_now", currentPeriodStart: now - 60, currentPeriodEnd: now + 86_400,
                                                metadata: ["user_id": user.id.uuidString.lowercased()]))
            let created = StripeEvents.event(type: "customer.subscription.created", created: now - 30,
                                             object: StripeEvents.subscription(id: "sub_now", customer: "cus_now", userID: user.id,
                                                                               periodStart: now - 60, periodEnd: now + 86_400))
            #expect(try await app.webhook(created).status == .ok)
            func cancel(atPeriodEnd: Bool) async throws -> TestingHTTPResponse {
                let csrf = try await app.send(.GET, "/csrf-token", as: user)["csrfToken"] ?? ""
                return try await app.send(.POST, "/cancel-subscription", as: user, headers: ["X-CSRF-Token": csrf], json: JSON(["atPeriodEnd": atPeriodEnd]))
            }

            let scheduled = try await cancel(atPeriodEnd: true)
            #expect(scheduled.status == .ok, "\(String(buffer: scheduled.body))")
            #expect(scheduled["plan"] == "pro")
            #expect(scheduled["status"] == "active")
            #expect(scheduled.json["cancelAtPeriodEnd"] as? Bool == true)

            let ended = try await cancel(atPeriodEnd: false)

            #expect(ended.status == .ok, "\(String(buffer: ended.body))")
            #expect(ended["status"] == "canceled")
            #expect(ended["plan"] == "free")
            #expect(ended.json["cancelAtPeriodEnd"] as? Bool == false)
            #expect((ended.json["usage"] as? [String: [String: Any]])?["ai_assessments"]?["limit"] as? Int == 3)
            #expect(stripe.requests.last { $0.method == "DELETE" }?.idempotencyKey == "hirebase-cancel-sub_now-now")
            let status = try await app.send(.GET, "/subscription-status", as: user)
            #expect(status["plan"] == "free")
            #expect(status["status"] == "canceled")
            #expect(status.json["cancelAtPeriodEnd"] as? Bool == false)
            // Asked again: the ended subscription is not sent to Stripe, and the same state answers.
            let deletes = stripe.requests.filter { $0.method == "DELETE" }.count
            let again = try await cancel(atPeriodEnd: false)
            #expect(again["plan"] == "free")
            #expect(again.json["cancelAtPeriodEnd"] as? Bool == false)
            #expect(stripe.requests.filter { $0.method == "DELETE" }.count == deletes)
        }
        await stripe.stop()
    }

    /// A subscription Stripe no longer knows (404 on DELETE and on GET) is stored as `canceled`.
    @Test func cancellingASubscriptionStripeForgotStoresItAsCanceled() async throws {
        let stripe = try await FakeStripe.start()
        try await withHirebase(on: .sqlite, environment: environment(stripe)) { app in
            let user = TestUser()
            let now = Int(Date().timeIntervalSince1970)
            let created = StripeEvents.event(type: "customer.subscription.created", created: now,
                                             object: StripeEvents.subscription(id: "sub_gone", customer: "cus_gone", userID: user.id,
                                                                               periodStart: now - 60, periodEnd: now + 86_400, cancelAtPeriodEnd: true))
            #expect(try await app.webhook(created).status == .ok)
            let csrf = try await app.send(.GET, "/csrf-token", as: user)["csrfToken"] ?? ""

            let response = try await app.send(.POST, "/cancel-subscription", as: user, headers: ["X-CSRF-Token": csrf], json: JSON(["atPeriodEnd": false]))

            #expect(response.status == .ok, "\(String(buffer: response.body))")
            #expect(response["status"] == "canceled")
            #expect(response["plan"] == "free")
            #expect(response.json["cancelAtPeriodEnd"] as? Bool == false)
            #expect(stripe.requests.map(\.method) == ["DELETE", "GET"])
        }
        await stripe.stop()
    }
}
