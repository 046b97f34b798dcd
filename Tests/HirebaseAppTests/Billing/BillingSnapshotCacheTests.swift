import BillingCore
import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting
@testable import HirebaseApp

/// Waits until `condition` holds, checking every 50 ms, for at most `seconds`.
/// - Returns: whether it held in time.
func eventually(within seconds: Double, _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(50))
    }
    return try await condition()
}

@Suite("Billing snapshot cache: no stale write-back, periods, freshness, bounds")
struct BillingSnapshotCacheUnitTests {
    let user = UUID()

    @Test func aReadThatBeganBeforeAChangeIsNotKept() {
        let cache = BillingSnapshotCache(unannouncedTTL: 60, clock: ManualClock().wall)
        let early = cache.ticket()
        cache.drop(user)   // a change committed (here or announced) while the read ran
        cache.store(nil, of: user, readAfter: early)
        #expect(cache.record(of: user) == nil)
        let late = cache.ticket()
        cache.store(nil, of: user, readAfter: late)
        #expect(cache.record(of: user) == .some(nil))
    }

    @Test func usageIsServedOnlyForItsPeriodAndWithinTheTTL() {
        let clock = ManualClock()
        let cache = BillingSnapshotCache(unannouncedTTL: 5, clock: clock.wall)
        let start = clock.date
        cache.store(.init(periodStart: start, used: [.jobScraping: 3]), of: user, readAfter: cache.ticket())
        #expect(cache.usage(of: user, periodStart: start)?[.jobScraping] == 3)
        #expect(cache.usage(of: user, periodStart: start.addingTimeInterval(86_400)) == nil)
        clock.advance(by: .seconds(4))
        #expect(cache.usage(of: user, periodStart: start) != nil)
        clock.advance(by: .seconds(2))
        #expect(cache.usage(of: user, periodStart: start) == nil)
    }

    @Test func announcedEntriesLiveLongerAndAFreshnessSwitchDropsEverything() {
        let clock = ManualClock()
        let cache = BillingSnapshotCache(unannouncedTTL: 5, announcedTTL: 300, clock: clock.wall)
        let ticket = cache.ticket()
        cache.setFreshness(.announced)
        // Read before the listener connected: announcements may have been missed meanwhile.
        cache.store(nil, of: user, readAfter: ticket)
        #expect(cache.record(of: user) == nil)
        cache.store(nil, of: user, readAfter: cache.ticket())
        clock.advance(by: .seconds(200))
        #expect(cache.record(of: user) == .some(nil))
        cache.setFreshness(.unannounced)
        #expect(cache.record(of: user) == nil)
    }

    @Test func aZeroTTLCachesNothing() {
        let cache = BillingSnapshotCache(unannouncedTTL: 0, announcedTTL: 0, clock: ManualClock().wall)
        cache.store(nil, of: user, readAfter: cache.ticket())
        #expect(cache.record(of: user) == nil)
    }

    @Test func theCacheStaysWithinItsCapacity() {
        let cache = BillingSnapshotCache(unannouncedTTL: 60, capacity: 100, clock: ManualClock().wall)
        for _ in 0..<1_000 {
            cache.store(nil, of: UUID(), readAfter: cache.ticket())
            cache.drop(UUID())
        }
        #expect(cache.count <= 100)
    }

    /// A consumption drops the usage (and the body encoded from it) and keeps the subscription;
    /// it is still a change of the user, so a read begun before it stores nothing.
    @Test func droppingTheUsageKeepsTheSubscription() throws {
        let clock = ManualClock()
        let cache = BillingSnapshotCache(unannouncedTTL: 60, clock: clock.wall)
        let start = clock.date
        let early = cache.ticket()
        cache.replace(nil, .init(periodStart: start, used: [.jobScraping: 1]), of: user, readAfter: cache.ticket())
        let before = try #require(cache.snapshot(of: user))
        let period = try #require(BillingPeriod(start: start, end: start.addingTimeInterval(86_400)))
        cache.keep(.init(period: period, body: ByteBuffer(string: "{}")), of: user, revision: before.revision)
        #expect(cache.snapshot(of: user)?.encodedStatus != nil)
        cache.dropUsage(user)
        #expect(cache.record(of: user) == .some(nil))
        #expect(cache.usage(of: user, periodStart: start) == nil)
        #expect(cache.snapshot(of: user) == nil)
        cache.store(.init(periodStart: start, used: [.jobScraping: 1]), of: user, readAfter: early)
        #expect(cache.usage(of: user, periodStart: start) == nil)
        cache.store(.init(periodStart: start, used: [.jobScraping: 2]), of: user, readAfter: cache.ticket())
        let after = try #require(cache.snapshot(of: user))
        #expect(after.usage.used[.jobScraping] == 2)
        #expect(after.encodedStatus == nil)
        // The kept subscription expires with its own read, not with the usage read after it.
        clock.advance(by: .seconds(61))
        #expect(cache.record(of: user) == nil)
    }

    /// Without a cached subscription, dropping the usage leaves a change mark like `drop`.
    @Test func droppingTheUsageOfAnUncachedUserMarksAChange() {
        let cache = BillingSnapshotCache(unannouncedTTL: 60, clock: ManualClock().wall)
        let early = cache.ticket()
        cache.dropUsage(user)
        cache.store(nil, of: user, readAfter: early)
        #expect(cache.record(of: user) == nil)
        cache.store(nil, of: user, readAfter: cache.ticket())
        #expect(cache.record(of: user) == .some(nil))
    }

    @Test func announcementsRoundTripTheirPayload() {
        #expect(ChangeAnnouncement(payload: ChangeAnnouncement.billing(user).payload) == .billing(user))
        #expect(ChangeAnnouncement(payload: ChangeAnnouncement.usage(user).payload) == .usage(user))
        #expect(ChangeAnnouncement.usage(user).payload == "usage:" + user.uuidString.lowercased())
        #expect(ChangeAnnouncement(payload: "usage:not-a-uuid") == nil)
        #expect(ChangeAnnouncement(payload: "jobs:\(user.uuidString)") == nil)
        #expect(ChangeAnnouncement(payload: "billing:not-a-uuid") == nil)
    }
}

@Suite("Billing snapshot cache over HTTP and across instances")
struct BillingSnapshotCacheTests {
    private func used(_ feature: String, _ response: TestingHTTPResponse) -> Int? {
        (response.json["usage"] as? [String: [String: Any]])?[feature]?["used"] as? Int
    }

    /// A consumption on this instance shows in the next status read, though the status was cached.
    @Test(arguments: TestDatabase.all)
    func ownChangesShowAtOnce(database: TestDatabase) async throws {
        var environment = billingEnvironment
        environment["BILLING_CACHE_TTL_SECONDS"] = "3600"
        try await withHirebase(on: database, environment: environment) { app in
            let user = TestUser()
            #expect(used("job_scraping", try await app.send(.GET, "/subscription-status", as: user)) == 0)
            let consumed = try await app.send(.POST, "/verify-billing", as: user, json: JSON(["feature": "job_scraping", "consume": true]))
            #expect(consumed.json["allowed"] as? Bool == true)
            #expect(used("job_scraping", try await app.send(.GET, "/subscription-status", as: user)) == 1)
            // A refused consumption changes nothing and still answers from the database's count.
            for _ in 0..<12 {
                _ = try await app.send(.POST, "/verify-billing", as: user, json: JSON(["feature": "job_scraping", "consume": true]))
            }
            #expect(used("job_scraping", try await app.send(.GET, "/subscription-status", as: user)) == 10)
        }
    }

    /// A counted consumption keeps the cached subscription (the next metered call reads none)
    /// and drops the usage, which the next status read shows afresh; a refused one keeps both.
    @Test(arguments: TestDatabase.all)
    func aConsumptionKeepsTheCachedSubscription(database: TestDatabase) async throws {
        var environment = billingEnvironment
        environment["BILLING_CACHE_TTL_SECONDS"] = "3600"
        try await withHirebase(on: database, environment: environment) { app in
            let user = TestUser()
            let cache = app.hirebase.billing.cache
            #expect(used("job_scraping", try await app.send(.GET, "/subscription-status", as: user)) == 0)
            #expect(cache.snapshot(of: user.id) != nil)
            let consumed = try await app.send(.POST, "/verify-billing", as: user, json: JSON(["feature": "job_scraping", "consume": true]))
            #expect(consumed.json["used"] as? Int == 1)
            #expect(cache.record(of: user.id) == .some(nil))
            #expect(cache.snapshot(of: user.id) == nil)
            #expect(used("job_scraping", try await app.send(.GET, "/subscription-status", as: user)) == 1)
        }
    }

    /// Another instance's change reaches this one through `LISTEN`/`NOTIFY`, and only through it
    /// here (the TTL is an hour): a consumption, then a subscription change by a webhook, and
    /// again after the listener's connection was killed and came back.
    @Test func anotherInstancesChangesArriveByNotification() async throws {
        guard case .postgres(let url)? = TestDatabase.all.last else { return }
        var environment = billingEnvironment
        environment["BILLING_CACHE_TTL_SECONDS"] = "3600"
        environment["DATABASE_URL"] = url
        try await withHirebase(on: .postgres(url: url), environment: environment) { app in
            let user = TestUser()
            let config = app.hirebase.config
            #expect(config.changeNotifications == .postgres(url: url))
            // The other instance: its own services (and caches) over the same database.
            let other = try await ServiceFactory.make(for: app, config: config, overrides: ServiceOverrides())
            #expect(used("job_scraping", try await app.send(.GET, "/subscription-status", as: user)) == 0)
            _ = try await other.billing.consume(.jobScraping, quantity: 1, userID: user.id, idempotencyKey: nil, on: app.db)
            // Not listening: this instance still serves what it cached (the cache is real).
            #expect(used("job_scraping", try await app.send(.GET, "/subscription-status", as: user)) == 0)

            // A name of its own: the kill below must reach this listener only (the cluster is shared).
            let name = "hirebase-test-" + UUID().uuidString.prefix(8).lowercased()
            let listener = try #require(try ChangeListener.make(for: app, config: config, services: app.hirebase, applicationName: name))
            listener.start()
            defer { Task { await listener.stop() } }
            #expect(try await eventually(within: 30) { app.hirebase.billing.cache.freshness == .announced })
            #expect(used("job_scraping", try await app.send(.GET, "/subscription-status", as: user)) == 1)

            // Another instance's consumption drops this one's usage and keeps its subscription.
            let cache = app.hirebase.billing.cache
            #expect(cache.snapshot(of: user.id) != nil)
            _ = try await other.billing.consume(.jobScraping, quantity: 2, userID: user.id, idempotencyKey: nil, on: app.db)
            #expect(try await eventually(within: 15) { cache.snapshot(of: user.id) == nil })
            #expect(cache.record(of: user.id) == .some(nil))
            #expect(used("job_scraping", try await app.send(.GET, "/subscription-status", as: user)) == 3)

            // A subscription stored by the other instance (a webhook it received).
            let now = Int(Date().timeIntervalSince1970)
            let event = try StripeEvent(payload: StripeEvents.event(
                type: "customer.subscription.created", created: now,
                object: StripeEvents.subscription(userID: user.id, periodStart: now - 60, periodEnd: now + 86_400)))
            #expect(try await other.billing.receive(event, on: app.db, logger: app.logger) == .applied)
            #expect(try await eventually(within: 15) { try await app.send(.GET, "/subscription-status", as: user)["plan"] == "pro" })

            // The listener's connection dies: the cache falls back to its TTL, then listens again.
            try await (app.db as! any SQLDatabase).raw("""
                SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                WHERE application_name = \(bind: name)
                """).run()
            #expect(try await eventually(within: 30) { app.hirebase.billing.cache.freshness == .unannounced })
            #expect(try await eventually(within: 30) { app.hirebase.billing.cache.freshness == .announced })
            // The pro subscription's period began a minute ago: its usage starts from 0.
            #expect(used("job_scraping", try await app.send(.GET, "/subscription-status", as: user)) == 0)
            _ = try await other.billing.consume(.jobScraping, quantity: 1, userID: user.id, idempotencyKey: nil, on: app.db)
            #expect(try await eventually(within: 15) { used("job_scraping", try await app.send(.GET, "/subscription-status", as: user)) == 1 })
            await listener.stop()
        }
    }
}
