import Foundation
import Testing
@testable import BillingCore

/// `SubscriptionReducer`: the ordering and finality rules, with events in every order Stripe may
/// deliver them (late, twice, several in one second).
@Suite struct SubscriptionReducerTests {
    // The bundled plans file (free, pro `price_pro_monthly`, business); PlanCatalogTests checks it.
    private let plans = try! PlanCatalog.loadDefault()
    private let start = Date(timeIntervalSince1970: 1_767_225_600)
    private let end = Date(timeIntervalSince1970: 1_769_904_000)

    private func subscription(
        _ status: SubscriptionStatus = .active, id: String = "sub_1", price: String? = "price_pro_monthly",
        customer: String? = "cus_1", cancelAtPeriodEnd: Bool = false
    ) -> Subscription {
        Subscription(id: id, customerID: customer, status: status, cancelAtPeriodEnd: cancelAtPeriodEnd,
                     currentPeriodStart: start, currentPeriodEnd: end, priceID: price)
    }

    /// Applies `changes` (with their `created`) in the order given, as the store would.
    private func replay(_ changes: [(SubscriptionChange, Int)], from stored: SubscriptionRecord? = nil) -> SubscriptionRecord? {
        var record = stored
        for (change, created) in changes {
            if let next = SubscriptionReducer.apply(change, to: record, at: StripeWatermark(created: created), plans: plans).record {
                record = next
            }
        }
        return record
    }

    @Test func theFirstSubscriptionIsStoredWithItsPlanName() {
        let record = replay([(.subscription(subscription()), 100)])
        #expect(record?.subscription == subscription())
        #expect(record?.plan == "pro")
        #expect(record?.watermark == StripeWatermark(created: 100))
    }

    @Test func aPriceWithoutAPlanIsNamedByItsIDElseTheStoredName() {
        let unknown = replay([(.subscription(subscription(price: "price_legacy")), 100)])
        #expect(unknown?.plan == "price_legacy")
        let noPrice = replay([(.subscription(subscription(price: nil)), 101)], from: unknown)
        #expect(noPrice?.plan == "price_legacy")
        #expect(replay([(.subscription(subscription(price: nil)), 100)])?.plan == "unknown")
    }

    @Test func aMissingCustomerKeepsTheStoredOne() {
        let stored = replay([(.subscription(subscription()), 100)])
        let record = replay([(.subscription(subscription(customer: nil)), 101)], from: stored)
        #expect(record?.subscription.customerID == "cus_1")
    }

    @Test func anOlderEventArrivingLateChangesNothing() {
        // `updated` (active, cancelling at period end) arrives before the older `created` (incomplete).
        let updated = (SubscriptionChange.subscription(subscription(cancelAtPeriodEnd: true)), 200)
        let created = (SubscriptionChange.subscription(subscription(.incomplete)), 100)
        let inOrder = replay([created, updated])
        let outOfOrder = replay([updated, created])
        #expect(outOfOrder == inOrder)
        #expect(outOfOrder?.subscription.status == .active)
        #expect(outOfOrder?.subscription.cancelAtPeriodEnd == true)
        #expect(SubscriptionReducer.apply(created.0, to: outOfOrder, at: StripeWatermark(created: 100), plans: plans) == .unchanged(.stale))
    }

    @Test func aDuplicateDeliveryIsHarmless() {
        let change = (SubscriptionChange.subscription(subscription(cancelAtPeriodEnd: true)), 200)
        let once = replay([change])
        #expect(replay([change, change, change]) == once)
    }

    @Test func everyOrderOfASequenceEndsInTheNewestState() {
        let events: [(SubscriptionChange, Int)] = [
            (.subscription(subscription(.incomplete)), 100),
            (.subscription(subscription(.active)), 110),
            (.invoicePaymentFailed(subscriptionID: "sub_1"), 120),
            (.subscription(subscription(.pastDue, cancelAtPeriodEnd: true)), 130),
        ]
        let expected = replay(events)
        #expect(expected?.subscription.status == .pastDue)
        for order in permutations(events.indices) {
            #expect(replay(order.map { events[$0] }) == expected, "\(order)")
        }
    }

    @Test func sameSecondNewsOfTheSameSubscriptionApplies() {
        let first = replay([(.subscription(subscription(.active)), 100)])
        let second = replay([(.subscription(subscription(.active, cancelAtPeriodEnd: true)), 100)], from: first)
        #expect(second?.subscription.cancelAtPeriodEnd == true)
    }

    @Test func anUpdateInTheSameSecondAsTheDeletionDoesNotReviveIt() {
        let deleted = (SubscriptionChange.deleted(subscription(.active)), 300)
        let updated = (SubscriptionChange.subscription(subscription(.active, cancelAtPeriodEnd: true)), 300)
        for order in [[deleted, updated], [updated, deleted]] {
            let record = replay([(.subscription(subscription()), 100)] + order)
            #expect(record?.subscription.status == .canceled)
            #expect(record?.subscription.endsAtPeriodEnd == false)
        }
        let ended = replay([deleted])
        #expect(SubscriptionReducer.apply(updated.0, to: ended, at: StripeWatermark(created: 400), plans: plans) == .unchanged(.ended))
    }

    @Test func deletedIsStoredAsCanceledWhateverThePayloadSays() {
        let record = replay([(.deleted(subscription(.active)), 100)])
        #expect(record?.subscription.status == .canceled)
    }

    @Test func anIncompleteExpiredSubscriptionIsFinalToo() {
        let expired = replay([(.subscription(subscription(.incompleteExpired)), 100)])
        #expect(replay([(.subscription(subscription(.active)), 200)], from: expired)?.subscription.status == .incompleteExpired)
        #expect(replay([(.invoicePaid(subscriptionID: "sub_1", linePeriod: nil), 200)], from: expired)?.subscription.status == .incompleteExpired)
    }

    @Test func theEndOfAnOlderSubscriptionDoesNotReplaceTheCurrentOne() {
        let current = replay([(.subscription(subscription(id: "sub_new")), 200)])
        // The old subscription's `deleted`, even newer, must not replace the new subscription.
        let update = SubscriptionReducer.apply(.deleted(subscription(id: "sub_old")), to: current, at: StripeWatermark(created: 300), plans: plans)
        #expect(update == .unchanged(.otherSubscription))
    }

    @Test func sameSecondNewsOfAnotherSubscriptionKeepsTheStoredOne() {
        let current = replay([(.subscription(subscription(id: "sub_a")), 200)])
        let update = SubscriptionReducer.apply(.subscription(subscription(id: "sub_b")), to: current, at: StripeWatermark(created: 200), plans: plans)
        #expect(update == .unchanged(.otherSubscription))
        // One second later it is newer news, and a user subscribing again gets the new one.
        let later = replay([(.subscription(subscription(id: "sub_b")), 201)], from: current)
        #expect(later?.subscription.id == "sub_b")
    }

    @Test func aNewSubscriptionReplacesAnEndedOne() {
        let ended = replay([(.deleted(subscription(id: "sub_old")), 100)])
        let renewed = replay([(.subscription(subscription(id: "sub_new")), 200)], from: ended)
        #expect(renewed?.subscription.id == "sub_new")
        #expect(renewed?.subscription.status == .active)
    }

    @Test func aFailedPaymentSuspendsAndAPaidInvoiceRestoresWithItsPeriod() {
        let active = replay([(.subscription(subscription()), 100)])
        let failed = replay([(.invoicePaymentFailed(subscriptionID: "sub_1"), 110)], from: active)
        #expect(failed?.subscription.status == .pastDue)
        #expect(failed?.watermark == StripeWatermark(created: 110))
        let next = BillingPeriod(start: end, end: end.addingTimeInterval(28 * 86_400))
        let paid = replay([(.invoicePaid(subscriptionID: "sub_1", linePeriod: next), 120)], from: failed)
        #expect(paid?.subscription.status == .active)
        #expect(paid?.subscription.currentPeriod == next)
        #expect(paid?.watermark == StripeWatermark(created: 120))
    }

    @Test func aPaidInvoiceActivatesOnlyASubscriptionWaitingForPayment() {
        for (status, after) in [(SubscriptionStatus.pastDue, SubscriptionStatus.active), (.unpaid, .active), (.incomplete, .active),
                                (.trialing, .trialing), (.paused, .paused), (.active, .active)] {
            let stored = replay([(.subscription(subscription(status)), 100)])
            let paid = replay([(.invoicePaid(subscriptionID: "sub_1", linePeriod: nil), 110)], from: stored)
            #expect(paid?.subscription.status == after, "\(status)")
            #expect(paid?.subscription.currentPeriodStart == start, "no line period: the period stays")
        }
    }

    @Test func aLateInvoiceChangesNothing() {
        let stored = replay([(.subscription(subscription()), 200)])
        #expect(SubscriptionReducer.apply(.invoicePaymentFailed(subscriptionID: "sub_1"), to: stored, at: StripeWatermark(created: 199),
                                          plans: plans) == .unchanged(.stale))
        // The same second as the stored state applies (Stripe sends `invoice.payment_failed` and
        // `customer.subscription.updated` together).
        #expect(replay([(.invoicePaymentFailed(subscriptionID: "sub_1"), 200)], from: stored)?.subscription.status == .pastDue)
    }

    @Test func invoicesOfAnotherSubscriptionOrOfNoneChangeNothing() {
        let stored = replay([(.subscription(subscription(id: "sub_a")), 100)])
        #expect(SubscriptionReducer.apply(.invoicePaid(subscriptionID: "sub_b", linePeriod: nil), to: stored, at: StripeWatermark(created: 200),
                                          plans: plans) == .unchanged(.notStored))
        #expect(SubscriptionReducer.apply(.invoicePaymentFailed(subscriptionID: "sub_a"), to: nil, at: StripeWatermark(created: 200),
                                          plans: plans) == .unchanged(.notStored))
    }

    @Test func invoicesOfAnEndedSubscriptionChangeNothing() {
        let ended = replay([(.deleted(subscription()), 300)])
        #expect(SubscriptionReducer.apply(.invoicePaymentFailed(subscriptionID: "sub_1"), to: ended, at: StripeWatermark(created: 301),
                                          plans: plans) == .unchanged(.ended))
        #expect(SubscriptionReducer.apply(.invoicePaid(subscriptionID: "sub_1", linePeriod: nil), to: ended, at: StripeWatermark(created: 302),
                                          plans: plans) == .unchanged(.ended))
    }

    @Test func aSubscriptionStripeNoLongerKnowsIsStoredAsCanceledKeepingItsWatermark() {
        let stored = replay([(.subscription(subscription(cancelAtPeriodEnd: true)), 100)])
        let record = replay([(.unknownToStripe(subscriptionID: "sub_1"), 500)], from: stored)
        #expect(record?.subscription.status == .canceled)
        #expect(record?.watermark == StripeWatermark(created: 100))
        #expect(record?.subscription.endsAtPeriodEnd == false)
        #expect(SubscriptionReducer.apply(.unknownToStripe(subscriptionID: "sub_other"), to: stored, at: StripeWatermark(created: 500),
                                          plans: plans) == .unchanged(.notStored))
    }

    @Test func aDirectReadIsOrderedByTheTimeOfTheRead() {
        // Confirmation reads the subscription at T; a webhook created before T is older news.
        let read = replay([(.subscription(subscription(.active)), 1_000)])
        let lateWebhook = replay([(.subscription(subscription(.incomplete)), 999)], from: read)
        #expect(lateWebhook?.subscription.status == .active)
        #expect(StripeWatermark(readAt: Date(timeIntervalSince1970: 1_000.9)) == StripeWatermark(created: 1_000))
    }
}

/// Every order of `indices`.
private func permutations(_ indices: Range<Int>) -> [[Int]] {
    guard let first = indices.first else { return [[]] }
    return permutations(indices.dropFirst().startIndex..<indices.endIndex).flatMap { rest in
        (0...rest.count).map { position in
            var order = rest
            order.insert(first, at: position)
            return order
        }
    }
}
