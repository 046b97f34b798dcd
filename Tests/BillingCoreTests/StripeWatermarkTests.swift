import Testing
@testable import BillingCore

@Suite struct StripeWatermarkTests {
    @Test func olderEventNeverOverwritesNewerState() throws {
        let created = try Fixture.event("customer.subscription.created__2025-03-31.basil")
        let updated = try Fixture.event("customer.subscription.updated__2025-03-31.basil")
        // Stripe may deliver `updated` first; `created`, arriving later, must not roll it back.
        let stored = updated.watermark
        #expect(!created.watermark.supersedes(stored))
        #expect(updated.watermark.supersedes(created.watermark))
    }

    @Test func firstEventAlwaysApplies() {
        #expect(StripeWatermark(created: 1).supersedes(nil))
    }

    @Test func sameSecondAppliesAgain() {
        // Stripe's `created` has one-second resolution; a redelivery or a same-second event applies.
        let stored = StripeWatermark(created: 1_770_296_460)
        #expect(StripeWatermark(created: 1_770_296_460).supersedes(stored))
        #expect(!StripeWatermark(created: 1_770_296_459).supersedes(stored))
    }

    @Test func watermarkIsTheEventsCreated() throws {
        let event = try Fixture.event("invoice.paid__2024-06-20")
        #expect(event.watermark == StripeWatermark(created: 1_770_299_940))
        #expect(StripeWatermark(created: 1) < StripeWatermark(created: 2))
    }
}
