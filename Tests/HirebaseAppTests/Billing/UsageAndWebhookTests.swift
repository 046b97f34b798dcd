import BillingCore
import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting
@testable import HirebaseApp

@Suite("Plan limits and usage")
struct UsageTests {
    @Test(arguments: TestDatabase.all)
    func concurrentConsumersGetExactlyTheLimit(database: TestDatabase) async throws {
        try await withHirebase(on: database, environment: billingEnvironment) { app in
            let user = TestUser()
            _ = try await app.send(.GET, "/csrf-token", as: user)
            let headers = try await user.headers()
            let allowed = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<15 {
                    group.addTask {
                        let response = try await app.send(.POST, "/verify-billing", headers: headers, json: JSON(["feature": "job_scraping", "consume": true]))
                        return response.json["allowed"] as? Bool ?? false
                    }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(allowed == 10)
            let status = try await app.send(.GET, "/subscription-status", as: user)
            #expect(status["plan"] == "free")
            let usage = try #require(status.json["usage"] as? [String: [String: Any]])
            #expect(usage["job_scraping"]?["used"] as? Int == 10)
            #expect(usage["job_scraping"]?["limit"] as? Int == 10)
        }
    }

    @Test func verifyBillingAnswersAndIdempotency() async throws {
        try await withHirebase(on: .sqlite, environment: billingEnvironment) { app in
            let user = TestUser()
            let check = try await app.send(.POST, "/verify-billing", as: user, json: JSON(["feature": "ai_assessments"]))
            #expect(check.status == .ok)
            #expect(check.json["allowed"] as? Bool == true)
            #expect(check.json["used"] as? Int == 0)
            #expect(check.json["limit"] as? Int == 3)
            #expect(check.json["remaining"] as? Int == 3)
            #expect(check["periodEnd"] != nil)

            let first = try await app.send(.POST, "/verify-billing", as: user, json: JSON(["feature": "ai_assessments", "consume": true, "quantity": 2, "idempotencyKey": "k1"]))
            #expect(first.json["used"] as? Int == 2)
            let retried = try await app.send(.POST, "/verify-billing", as: user, json: JSON(["feature": "ai_assessments", "consume": true, "quantity": 2, "idempotencyKey": "k1"]))
            #expect(retried.json["used"] as? Int == 2)
            #expect(retried.json["allowed"] as? Bool == true)
            let tooMany = try await app.send(.POST, "/verify-billing", as: user, json: JSON(["feature": "ai_assessments", "consume": true, "quantity": 2]))
            #expect(tooMany.status == .ok)
            #expect(tooMany.json["allowed"] as? Bool == false)
            #expect(tooMany.json["used"] as? Int == 2)

            let missing = try await app.send(.POST, "/verify-billing", as: user, json: JSON([String: Any]()))
            #expect(missing.status == .badRequest)
            #expect(missing["detail"] == "Feature parameter required")
            let empty = try await app.send(.POST, "/verify-billing", as: user, json: JSON(["feature": ""]))
            #expect(empty["detail"] == "Feature parameter required")
            let unknown = try await app.send(.POST, "/verify-billing", as: user, json: JSON(["feature": "teleport"]))
            #expect(unknown.code == "unknown_feature")
            for bad in [["feature": "job_scraping", "quantity": 0], ["feature": "job_scraping", "quantity": 1001],
                        ["feature": "job_scraping", "consume": true, "idempotencyKey": String(repeating: "k", count: 256)]] as [[String: Any]] {
                #expect(try await app.send(.POST, "/verify-billing", as: user, json: JSON(bad)).status == .badRequest)
            }
        }
    }

    @Test func invitationsPastTheLimitAre402WithThePlan() async throws {
        try await withHirebase(on: .sqlite, environment: billingEnvironment) { app in
            let scenario = try await Scenario.make(app)
            for index in 0..<3 { _ = try await scenario.invite(app, email: "c\(index)@example.com") }
            let fourth = try await app.send(.POST, "/assessments/invitations/create", as: scenario.recruiter,
                                            json: JSON(["assessmentId": scenario.assessmentID, "candidateEmail": "c4@example.com"]))
            #expect(fourth.status == .paymentRequired)
            #expect(fourth.code == "plan_limit_reached")
            #expect(fourth["plan"] == "free")
            #expect(fourth.json["limit"] as? Int == 3)
            #expect(fourth["periodEnd"] != nil)
            #expect(try await Invitation.query(on: app.db).count() == 3)
            // A refused duplicate does not use the allowance either.
            let status = try await app.send(.GET, "/subscription-status", as: scenario.recruiter)
            #expect((status.json["usage"] as? [String: [String: Any]])?["ai_assessments"]?["used"] as? Int == 3)
        }
    }

    @Test func statusOfAnotherUserNeedsAdmin() async throws {
        try await withHirebase(on: .sqlite, environment: billingEnvironment) { app in
            let user = TestUser()
            let other = TestUser("other")
            let otherPath = "/subscription-status?userId=" + other.id.uuidString
            let ownPath = "/subscription-status?userId=" + user.id.uuidString
            let foreign = try await app.send(.GET, otherPath, as: user)
            #expect(foreign.status == .forbidden)
            let own = try await app.send(.GET, ownPath, as: user)
            #expect(own.status == .ok)
            let byAdmin = try await app.send(.GET, otherPath, as: TestUser("admin", admin: true))
            #expect(byAdmin.status == .ok)
            #expect(try await app.send(.GET, "/subscription-status?userId=nope", as: user).status == .badRequest)
        }
    }
}

@Suite("Stripe webhooks")
struct StripeWebhookTests {
    @Test(arguments: TestDatabase.all)
    func subscriptionEventsSetThePlanOnceAndInOrder(database: TestDatabase) async throws {
        try await withHirebase(on: database, environment: billingEnvironment) { app in
            let user = TestUser()
            let now = Int(Date().timeIntervalSince1970)
            let start = now - 86_400
            let end = now + 29 * 86_400
            // updated arrives before created: the newer state must win.
            let updated = StripeEvents.event(type: "customer.subscription.updated", created: now - 10,
                                             object: StripeEvents.subscription(userID: user.id, periodStart: start, periodEnd: end, cancelAtPeriodEnd: true))
            let created = StripeEvents.event(type: "customer.subscription.created", created: now - 20,
                                             object: StripeEvents.subscription(status: "incomplete", userID: user.id, periodStart: start, periodEnd: end))
            #expect(try await app.webhook(updated).status == .ok)
            #expect(try await app.webhook(created).status == .ok)
            let replay = try await app.webhook(updated)
            #expect(replay.status == .ok)
            #expect(replay.json["duplicate"] as? Bool == true)
            #expect(try await StripeEventRecord.query(on: app.db).count() == 2)

            let status = try await app.send(.GET, "/subscription-status", as: user)
            #expect(status["plan"] == "pro")
            #expect(status["status"] == "active")
            #expect(status.json["cancelAtPeriodEnd"] as? Bool == true)
            let usage = try #require(status.json["usage"] as? [String: [String: Any]])
            #expect(usage["ai_assessments"]?["limit"] as? Int == 100)

            // A failed payment suspends the paid limits; a paid invoice restores them.
            let failed = StripeEvents.event(type: "invoice.payment_failed", created: now - 5, object: StripeEvents.invoice(status: "open"))
            #expect(try await app.webhook(failed).status == .ok)
            let suspended = try await app.send(.GET, "/subscription-status", as: user)
            #expect(suspended["status"] == "past_due")
            #expect((suspended.json["usage"] as? [String: [String: Any]])?["ai_assessments"]?["limit"] as? Int == 3)
            let paid = StripeEvents.event(type: "invoice.paid", created: now - 1, object: StripeEvents.invoice())
            #expect(try await app.webhook(paid).status == .ok)
            #expect(try await app.send(.GET, "/subscription-status", as: user)["status"] == "active")

            let deleted = StripeEvents.event(type: "customer.subscription.deleted", created: now,
                                             object: StripeEvents.subscription(status: "canceled", userID: user.id, periodStart: start, periodEnd: end))
            #expect(try await app.webhook(deleted).status == .ok)
            let after = try await app.send(.GET, "/subscription-status", as: user)
            #expect(after["status"] == "canceled")
            #expect((after.json["usage"] as? [String: [String: Any]])?["ai_assessments"]?["limit"] as? Int == 3)
        }
    }

    /// Stripe keeps `cancel_at_period_end: true` on a subscription that ended at its period end;
    /// the status reports the free plan and no cancellation ahead.
    @Test func aSubscriptionThatEndedAtItsPeriodEndReportsTheFreePlan() async throws {
        try await withHirebase(on: .sqlite, environment: billingEnvironment) { app in
            let user = TestUser()
            let now = Int(Date().timeIntervalSince1970)
            let scheduled = StripeEvents.event(type: "customer.subscription.updated", created: now - 10,
                                               object: StripeEvents.subscription(userID: user.id, cancelAtPeriodEnd: true))
            #expect(try await app.webhook(scheduled).status == .ok)
            #expect(try await app.send(.GET, "/subscription-status", as: user)["plan"] == "pro")
            let deleted = StripeEvents.event(type: "customer.subscription.deleted", created: now,
                                             object: StripeEvents.subscription(status: "canceled", userID: user.id, cancelAtPeriodEnd: true))

            #expect(try await app.webhook(deleted).status == .ok)

            let status = try await app.send(.GET, "/subscription-status", as: user)
            #expect(status["status"] == "canceled")
            #expect(status["plan"] == "free")
            #expect(status.json["cancelAtPeriodEnd"] as? Bool == false)
        }
    }

    /// Without announcements, a cached snapshot is served for `BILLING_CACHE_TTL_SECONDS` of the
    /// injected clock, then read again.
    @Test func theSubscriptionCacheExpiresOnTheInjectedClock() async throws {
        let clock = ManualClock()
        var environment = billingEnvironment
        environment["BILLING_CACHE_TTL_SECONDS"] = "30"
        try await withHirebase(on: .sqlite, environment: environment, overrides: ServiceOverrides(clock: clock.wall)) { app in
            let user = TestUser()
            let now = Int(clock.date.timeIntervalSince1970)
            let created = StripeEvents.event(type: "customer.subscription.created", created: now,
                                             object: StripeEvents.subscription(userID: user.id, periodStart: now - 60, periodEnd: now + 86_400))
            #expect(try await app.webhook(created).status == .ok)
            #expect(try await app.send(.GET, "/subscription-status", as: user)["status"] == "active")
            // Changed behind the service's back (as another instance would): not seen while cached.
            let row = try #require(try await BillingSubscription.find(user.id, on: app.db))
            row.status = "past_due"
            try await row.update(on: app.db)

            // Before the entry's refresh point (60-80% of the TTL, then one reader refreshes it
            // ahead of expiry: `BillingSnapshotCache`, "Refreshed ahead").
            clock.advance(by: .seconds(17))
            #expect(try await app.send(.GET, "/subscription-status", as: user)["status"] == "active")
            clock.advance(by: .seconds(14))
            #expect(try await app.send(.GET, "/subscription-status", as: user)["status"] == "past_due")
        }
    }

    @Test func badSignaturesAre401AndStoreNothing() async throws {
        try await withHirebase(on: .sqlite, environment: billingEnvironment) { app in
            let user = TestUser()
            let payload = StripeEvents.event(type: "customer.subscription.created", created: Int(Date().timeIntervalSince1970),
                                             object: StripeEvents.subscription(userID: user.id))
            for response in [
                try await app.webhook(payload, tamper: true),
                try await app.webhook(payload, secret: "whsec_wrong"),
                try await app.webhook(payload, timestamp: Int(Date().timeIntervalSince1970) - 301),
                try await app.send(.POST, "/webhooks/stripe", headers: ["Content-Type": "application/json"], raw: String(decoding: payload, as: UTF8.self)),
                // The earlier backend's runbook request: form-encoded, signature "invalid".
                try await app.send(.POST, "/webhooks/stripe", headers: ["Content-Type": "application/x-www-form-urlencoded", "Stripe-Signature": "invalid"], raw: "..."),
                try await app.send(.POST, "/webhooks/stripe", headers: ["Content-Type": "text/plain", "Stripe-Signature": "invalid"], raw: #"{"text": "\u0000"}"#),
            ] {
                #expect(response.status == .unauthorized)
                #expect(response.code == "invalid_webhook_signature")
                #expect(response["detail"] == "Invalid webhook signature")
            }
            #expect(try await StripeEventRecord.query(on: app.db).count() == 0)
            #expect(try await BillingSubscription.query(on: app.db).count() == 0)
        }
    }

    /// Issue 7 § 6: the NUL check ran before the signature, so Stripe got 400 for its own event
    /// and retried it for three days. Now it is applied (NUL read as U+FFFD).
    @Test(arguments: TestDatabase.all)
    func aValidlySignedEventWithNULIsAppliedLikeAnyOther(database: TestDatabase) async throws {
        try await withHirebase(on: database, environment: billingEnvironment) { app in
            let user = TestUser()
            var subscription = StripeEvents.subscription(userID: user.id)
            subscription["description"] = "plan for\u{0}team"
            let payload = StripeEvents.event(type: "customer.subscription.created", created: Int(Date().timeIntervalSince1970), object: subscription)
            #expect(String(decoding: payload, as: UTF8.self).contains("\\u0000"))

            let response = try await app.webhook(payload)

            #expect(response.status == .ok)
            #expect(try await StripeEventRecord.query(on: app.db).count() == 1)
            let status = try await app.send(.GET, "/subscription-status", as: user)
            #expect(status["plan"] == "pro")
        }
    }

    @Test func rotatedSecretsAndIgnoredTypes() async throws {
        try await withHirebase(on: .sqlite, environment: ["PLANS_FILE": "", "STRIPE_WEBHOOK_SECRET": "whsec_old,\(testWebhookSecret)"]) { app in
            let other = StripeEvents.event(type: "plan.created", created: Int(Date().timeIntervalSince1970), object: ["id": "plan_1", "object": "plan"])
            let response = try await app.webhook(other)
            #expect(response.status == .ok)
            #expect(response.json["ignored"] as? Bool == true)
            let signedWithOld = try await app.webhook(other, secret: "whsec_old")
            #expect(signedWithOld.status == .ok)
        }
    }

    @Test func webhooksWithoutASecretAre503() async throws {
        try await withHirebase(on: .sqlite, environment: ["PLANS_FILE": ""]) { app in
            let payload = StripeEvents.event(type: "invoice.paid", created: 1, object: StripeEvents.invoice())
            let response = try await app.webhook(payload)
            #expect(response.status == .serviceUnavailable)
            #expect(response.code == "stripe_not_configured")
        }
    }
}
