import BillingCore
import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting
@testable import HirebaseApp

/// The hot webhook path (`customer.subscription.*`) applies `SubscriptionReducer`'s replace rules
/// inside one upsert (`BillingStore.recordEventAndReplace`) instead of reading the stored row and
/// running the reducer: these tests hold the SQL to the reducer, case by case, on both databases.
@Suite("Subscription events: the one-statement upsert follows SubscriptionReducer")
struct SubscriptionUpsertTests {
    /// A subscription of `id` in `status`, with whole-second periods (both databases keep them exactly).
    private static func subscription(_ id: String, _ status: String, customer: String?, price: String?) -> Subscription {
        Subscription(id: id, customerID: customer, status: SubscriptionStatus(rawValue: status), cancelAtPeriodEnd: status == "past_due",
                     currentPeriodStart: Date(timeIntervalSince1970: 1_764_547_200), currentPeriodEnd: Date(timeIntervalSince1970: 1_767_225_600),
                     priceID: price)
    }

    /// An event of `type` at `created` (only its id, type and `created` are stored).
    private static func event(_ type: String, created: Int) throws -> StripeEvent {
        try StripeEvent(payload: StripeEvents.event(type: type, created: created, object: ["id": "sub_x", "object": "subscription"]))
    }

    /// Every stored state (none; the same subscription running or ended; another one running or
    /// ended; a stored row without customer) against every incoming state (running, past due, an
    /// unknown status, `incomplete_expired`, a deletion) at an older, the same and a newer second,
    /// with or without customer and price: the row written, and whether it was, are the reducer's.
    @Test(arguments: TestDatabase.all)
    func everyCaseMatchesTheReducer(database: TestDatabase) async throws {
        try await withHirebase(on: database, environment: billingEnvironment) { app in
            let plans = app.hirebase.billing.plans
            let store = BillingStore(db: app.db)
            let stored: [SubscriptionRecord?] = [
                nil,
                SubscriptionRecord(subscription: Self.subscription("sub_a", "active", customer: "cus_1", price: "price_pro_monthly"), plan: "pro", watermark: StripeWatermark(created: 100)),
                SubscriptionRecord(subscription: Self.subscription("sub_a", "canceled", customer: "cus_1", price: "price_pro_monthly"), plan: "pro", watermark: StripeWatermark(created: 100)),
                SubscriptionRecord(subscription: Self.subscription("sub_a", "incomplete_expired", customer: "cus_1", price: nil), plan: "unknown", watermark: StripeWatermark(created: 100)),
                SubscriptionRecord(subscription: Self.subscription("sub_b", "active", customer: "cus_1", price: "price_pro_monthly"), plan: "pro", watermark: StripeWatermark(created: 100)),
                SubscriptionRecord(subscription: Self.subscription("sub_b", "canceled", customer: "cus_1", price: "price_pro_monthly"), plan: "pro", watermark: StripeWatermark(created: 100)),
                SubscriptionRecord(subscription: Self.subscription("sub_a", "past_due", customer: nil, price: "price_legacy"), plan: "price_legacy", watermark: StripeWatermark(created: 100)),
            ]
            let incoming: [(status: String, deleted: Bool)] = [("active", false), ("past_due", false), ("paused_for_audit", false), ("incomplete_expired", false), ("active", true)]
            let details: [(customer: String?, price: String?)] = [("cus_2", "price_pro_monthly"), (nil, nil), ("cus_2", "price_unknown")]
            var cases = 0
            for before in stored {
                for (status, deleted) in incoming {
                    for created in [99, 100, 101] {
                        for (customer, price) in details {
                            let userID = UUID()
                            if let before { try await store.save(before, for: userID, at: Date()) }
                            let sent = Self.subscription("sub_a", status, customer: customer, price: price)
                            let change: SubscriptionChange = deleted ? .deleted(sent) : .subscription(sent)
                            let watermark = StripeWatermark(created: created)
                            let expected = SubscriptionReducer.apply(change, to: before, at: watermark, plans: plans)
                            let fresh = try #require(SubscriptionReducer.apply(change, to: nil, at: watermark, plans: plans).record)
                            let event = try Self.event(deleted ? "customer.subscription.deleted" : "customer.subscription.updated", created: created)

                            let outcome = try await store.recordEventAndReplace(event, with: fresh, keepingStoredCustomer: customer == nil,
                                                                                keepingStoredPlan: price == nil, of: userID, at: Date())

                            let label = "stored \(String(describing: before)), incoming \(status) deleted \(deleted) at \(created), customer \(customer ?? "-"), price \(price ?? "-")"
                            #expect(outcome == BillingStore.SubscriptionEventOutcome(recorded: true, stored: expected.record != nil), "\(label)")
                            #expect(try await store.subscription(of: userID) == (expected.record ?? before), "\(label)")
                            cases += 1
                        }
                    }
                }
            }
            #expect(cases == 315)
        }
    }

    /// A replayed event id records nothing and writes nothing, even when its state would apply.
    @Test(arguments: TestDatabase.all)
    func aReplayedEventWritesNothing(database: TestDatabase) async throws {
        try await withHirebase(on: database, environment: billingEnvironment) { app in
            let plans = app.hirebase.billing.plans
            let store = BillingStore(db: app.db)
            let userID = UUID()
            let event = try Self.event("customer.subscription.updated", created: 100)
            let first = try #require(SubscriptionReducer.apply(.subscription(Self.subscription("sub_a", "active", customer: "cus_1", price: "price_pro_monthly")),
                                                               to: nil, at: event.watermark, plans: plans).record)
            #expect(try await store.recordEventAndReplace(event, with: first, keepingStoredCustomer: false, keepingStoredPlan: false, of: userID, at: Date())
                    == BillingStore.SubscriptionEventOutcome(recorded: true, stored: true))
            let other = try #require(SubscriptionReducer.apply(.subscription(Self.subscription("sub_a", "past_due", customer: "cus_1", price: "price_pro_monthly")),
                                                               to: nil, at: event.watermark, plans: plans).record)

            let replay = try await store.recordEventAndReplace(event, with: other, keepingStoredCustomer: false, keepingStoredPlan: false, of: userID, at: Date())

            #expect(replay == BillingStore.SubscriptionEventOutcome(recorded: false, stored: false))
            #expect(try await store.subscription(of: userID)?.subscription.status == .active)
            #expect(try await StripeEventRecord.query(on: app.db).count() == 1)
        }
    }

    /// One event delivered many times at once (Stripe retries, several instances): applied by
    /// exactly one delivery, acknowledged as a duplicate by the others, recorded once.
    @Test(arguments: TestDatabase.all)
    func concurrentDeliveriesOfOneEventApplyItOnce(database: TestDatabase) async throws {
        try await withHirebase(on: database, environment: billingEnvironment) { app in
            let user = TestUser()
            let payload = StripeEvents.event(type: "customer.subscription.updated", created: Int(Date().timeIntervalSince1970),
                                             object: StripeEvents.subscription(userID: user.id))
            let duplicates = try await withThrowingTaskGroup(of: Bool?.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        let response = try await app.webhook(payload)
                        return response.status == .ok ? response.json["duplicate"] as? Bool : nil
                    }
                }
                return try await group.reduce(into: [Bool?]()) { $0.append($1) }
            }
            #expect(duplicates.filter { $0 == false }.count == 1, "\(duplicates)")
            #expect(duplicates.filter { $0 == true }.count == 7, "\(duplicates)")
            #expect(try await StripeEventRecord.query(on: app.db).count() == 1)
            #expect(try await app.send(.GET, "/subscription-status", as: user)["plan"] == "pro")
        }
    }

    /// A subscription without `metadata.user_id` applies to the user linked to its customer; one
    /// of an unknown customer is recorded (a replay is a duplicate) and stores nothing.
    @Test(arguments: TestDatabase.all)
    func eventsWithoutAUserIDFollowTheCustomerLink(database: TestDatabase) async throws {
        try await withHirebase(on: database, environment: billingEnvironment) { app in
            let user = TestUser()
            let now = Int(Date().timeIntervalSince1970)
            try await BillingStore(db: app.db).linkCustomer("cus_linked", to: user.id, at: Date())
            let linked = StripeEvents.event(type: "customer.subscription.created", created: now,
                                            object: StripeEvents.subscription(customer: "cus_linked", userID: nil))
            let unknown = StripeEvents.event(type: "customer.subscription.created", created: now,
                                             object: StripeEvents.subscription(id: "sub_9", customer: "cus_nobody", userID: nil))

            let applied = try await app.webhook(linked)
            let orphan = try await app.webhook(unknown)
            let orphanAgain = try await app.webhook(unknown)

            #expect(applied.json["duplicate"] as? Bool == false)
            #expect(try await app.send(.GET, "/subscription-status", as: user)["plan"] == "pro")
            #expect(orphan.status == .ok)
            #expect(orphan.json["duplicate"] as? Bool == false)
            #expect(orphanAgain.json["duplicate"] as? Bool == true)
            #expect(try await StripeEventRecord.query(on: app.db).count() == 2)
            #expect(try await BillingSubscription.query(on: app.db).count() == 1)
        }
    }
}
