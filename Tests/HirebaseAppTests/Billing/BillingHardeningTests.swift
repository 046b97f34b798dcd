import BillingCore
import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting
@testable import HirebaseApp

/// Cases found by trying to break billing; each pins the failing input.
@Suite("Billing hardening")
struct BillingHardeningTests {
    @Test(arguments: TestDatabase.all)
    func concurrentOlderEventsNeverUndoACancellation(database: TestDatabase) async throws {
        try await withHirebase(on: database, environment: billingEnvironment) { app in
            let user = TestUser()
            let now = Int(Date().timeIntervalSince1970)
            #expect(try await app.webhook(StripeEvents.event(type: "customer.subscription.created", created: now - 10,
                                                             object: StripeEvents.subscription(userID: user.id))).status == .ok)
            var payloads = [StripeEvents.event(type: "customer.subscription.deleted", created: now,
                                               object: StripeEvents.subscription(status: "canceled", userID: user.id))]
            for offset in 1...5 {
                payloads.append(StripeEvents.event(type: "customer.subscription.updated", created: now - offset,
                                                   object: StripeEvents.subscription(userID: user.id)))
            }
            // Stripe often sends `updated` in the same second as `deleted`.
            payloads.append(StripeEvents.event(type: "customer.subscription.updated", created: now,
                                               object: StripeEvents.subscription(userID: user.id, cancelAtPeriodEnd: true)))
            let sent = payloads
            let statuses = try await withThrowingTaskGroup(of: UInt.self) { group in
                for payload in sent { group.addTask { try await app.webhook(payload).status.code } }
                return try await group.reduce(into: [UInt]()) { $0.append($1) }
            }
            #expect(statuses.allSatisfy { $0 == 200 }, "\(statuses)")
            // Invoices of an ended subscription change nothing either.
            #expect(try await app.webhook(StripeEvents.event(type: "invoice.payment_failed", created: now + 1, object: StripeEvents.invoice(status: "open"))).status == .ok)
            #expect(try await app.webhook(StripeEvents.event(type: "invoice.paid", created: now + 2, object: StripeEvents.invoice())).status == .ok)
            let status = try await app.send(.GET, "/subscription-status", as: user)
            #expect(status["status"] == "canceled")
        }
    }

    @Test func absurdPeriodDatesDoNotCrash() async throws {
        try await withHirebase(on: .sqlite, environment: billingEnvironment) { app in
            let user = TestUser()
            let huge = 10_000_000_000_000
            let event = StripeEvents.event(type: "customer.subscription.created", created: Int(Date().timeIntervalSince1970),
                                           object: StripeEvents.subscription(userID: user.id, periodStart: huge, periodEnd: huge + 100))
            #expect(try await app.webhook(event).status == .ok)
            let response = try await app.send(.POST, "/verify-billing", as: user, json: JSON(["feature": "job_scraping", "consume": true]))
            #expect(response.status == .ok)
        }
    }

    @Test func malformedSignedEventsAreAcknowledgedNotRetriedForever() async throws {
        try await withHirebase(on: .sqlite, environment: billingEnvironment) { app in
            let event = StripeEvents.event(type: "customer.subscription.updated", created: 1, object: ["id": "sub_x", "object": "subscription"])
            let response = try await app.webhook(event)
            #expect(response.status == .ok)
            #expect(response.json["ignored"] as? Bool == true)
        }
    }

    @Test func refusedScrapesCostNothing() async throws {
        try await withHirebase(on: .sqlite, environment: billingEnvironment) { app in
            let scenario = try await Scenario.make(app)
            for url in ["http://10.0.0.1/", "http://127.0.0.1:9/job", "http://user:pw@example.com/"] {
                let response = try await app.send(.POST, "/scrape", as: scenario.recruiter, json: JSON(["url": url]))
                #expect(response.status.code >= 400)
            }
            let status = try await app.send(.GET, "/subscription-status", as: scenario.recruiter)
            #expect((status.json["usage"] as? [String: [String: Any]])?["job_scraping"]?["used"] as? Int == 0)
        }
    }

    @Test func idempotencyKeyWithAnotherQuantityIs400() async throws {
        try await withHirebase(on: .sqlite, environment: billingEnvironment) { app in
            let user = TestUser()
            #expect(try await app.send(.POST, "/verify-billing", as: user, json: JSON(["feature": "job_scraping", "consume": true, "quantity": 1, "idempotencyKey": "k"])).status == .ok)
            let other = try await app.send(.POST, "/verify-billing", as: user, json: JSON(["feature": "job_scraping", "consume": true, "quantity": 2, "idempotencyKey": "k"]))
            #expect(other.status == .badRequest)
        }
    }
}

@Suite("Pipeline history under concurrency")
struct PipelineConcurrencyTests {
    @Test(arguments: TestDatabase.all)
    func everySuccessfulMoveIsInTheHistory(database: TestDatabase) async throws {
        try await withHirebase(on: database) { app in
            let scenario = try await Scenario.make(app)
            let job = try await scenario.job(app)
            let candidate = try await scenario.candidate(app, email: "h@example.com")
            _ = try await app.send(.POST, "/jobs/\(job)/applications", as: scenario.recruiter, json: JSON(["candidateId": candidate]))
            var tokens: [String] = []
            for _ in 0..<12 { tokens.append(try await scenario.csrf(app)) }
            let headers = try await scenario.recruiter.headers()
            let bodies: [JSON] = (0..<12).map { index in
                index % 2 == 0 ? JSON(["jobId": job, "candidateId": candidate, "action": "reject", "reason": "r"])
                               : JSON(["jobId": job, "candidateId": candidate, "action": "unreject"])
            }
            let successes = try await withThrowingTaskGroup(of: Bool.self) { group in
                for index in 0..<12 {
                    var h = headers
                    h.add(name: "X-CSRF-Token", value: tokens[index])
                    let requestHeaders = h
                    let body = bodies[index]
                    group.addTask { try await app.send(.POST, "/job-action", headers: requestHeaders, json: body).status == .ok }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            let list = try await app.send(.GET, "/jobs/\(job)/applications", as: scenario.recruiter)
            let history = try #require((list.json["items"] as? [[String: Any]])?.first?["history"] as? [Any])
            #expect(history.count == 1 + successes)
        }
    }
}
