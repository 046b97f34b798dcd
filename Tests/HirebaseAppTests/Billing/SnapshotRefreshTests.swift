import BillingCore
import Foundation
import NIOCore
import Testing
import Vapor
import VaporTesting
@testable import HirebaseApp

/// `BillingSnapshotCache`'s refresh ahead of expiry: one reader per entry refreshes it in the
/// last part of its life while the others are answered from it.
@Suite("Billing snapshot cache: refreshed ahead by one reader")
struct SnapshotRefreshTests {
    /// A user whose refresh point is 80% of the TTL (the last byte of the id is 255).
    private let user = UUID(uuidString: "00000000-0000-4000-8000-0000000000FF")!

    @Test func oneReaderRefreshesAndTheEntryLivesOn() {
        let clock = ManualClock()
        let cache = BillingSnapshotCache(unannouncedTTL: 10, clock: clock.wall)
        let usage = BillingSnapshotCache.Usage(periodStart: clock.date, used: [.jobScraping: 1])
        cache.replace(nil, usage, of: user, readAfter: cache.ticket())
        #expect(cache.snapshot(of: user)?.refreshDue == false)
        clock.advance(by: .seconds(7))
        #expect(cache.snapshot(of: user)?.refreshDue == false)
        clock.advance(by: .milliseconds(1_500))
        let first = cache.snapshot(of: user)
        #expect(first?.refreshDue == true)
        // Every other reader meanwhile is answered from the entry.
        #expect(cache.snapshot(of: user)?.refreshDue == false)
        #expect(cache.snapshot(of: user)?.usage == usage)
        // A failed refresh: the next reader tries.
        cache.refreshFailed(user)
        #expect(cache.snapshot(of: user)?.refreshDue == true)
        let refreshed = BillingSnapshotCache.Usage(periodStart: clock.date, used: [.jobScraping: 2])
        cache.replace(nil, refreshed, of: user, readAfter: cache.ticket())
        let after = cache.snapshot(of: user)
        #expect(after?.usage == refreshed && after?.refreshDue == false && after?.revision != first?.revision)
        // 13.5 s after the first store: the entry would have expired; the refresh began a new life.
        clock.advance(by: .seconds(5))
        #expect(cache.snapshot(of: user)?.usage == refreshed)
        clock.advance(by: .seconds(6))
        #expect(cache.snapshot(of: user) == nil)
    }

    @Test func aRefreshReadBeforeAChangeIsNotKept() {
        let clock = ManualClock()
        let cache = BillingSnapshotCache(unannouncedTTL: 10, clock: clock.wall)
        let usage = BillingSnapshotCache.Usage(periodStart: clock.date, used: [:])
        cache.replace(nil, usage, of: user, readAfter: cache.ticket())
        clock.advance(by: .seconds(9))
        #expect(cache.snapshot(of: user)?.refreshDue == true)
        let ticket = cache.ticket()
        cache.drop(user)  // a change committed while the refresh read
        cache.replace(nil, usage, of: user, readAfter: ticket)
        #expect(cache.snapshot(of: user) == nil)
        #expect(cache.record(of: user) == nil)
    }

    @Test func usersComeDueAtSpreadPoints() {
        let clock = ManualClock()
        let cache = BillingSnapshotCache(unannouncedTTL: 10, clock: clock.wall)
        let users = (0..<64).map { _ in UUID() }
        let usage = BillingSnapshotCache.Usage(periodStart: clock.date, used: [:])
        for user in users { cache.replace(nil, usage, of: user, readAfter: cache.ticket()) }
        clock.advance(by: .milliseconds(5_999))
        #expect(users.allSatisfy { cache.snapshot(of: $0)?.refreshDue == false })
        clock.advance(by: .milliseconds(1_000))
        let dueAt7 = users.filter { cache.snapshot(of: $0)?.refreshDue == true }.count
        clock.advance(by: .milliseconds(1_002))
        let dueBy8 = dueAt7 + users.filter { cache.snapshot(of: $0)?.refreshDue == true }.count
        #expect(dueAt7 > 0 && dueAt7 < users.count, "\(dueAt7) of 64 due at 7 s")
        #expect(dueBy8 == users.count)
    }

    /// Over HTTP: a change made by another instance (no announcement on SQLite) shows once the
    /// entry is refreshed, within the TTL, and steady reads keep the entry from expiring.
    @Test(arguments: TestDatabase.all)
    func aRefreshShowsAnotherInstancesChangeWithinTheTTL(database: TestDatabase) async throws {
        let clock = ManualClock()
        var environment = billingEnvironment
        environment["BILLING_CACHE_TTL_SECONDS"] = "10"
        try await withHirebase(on: database, environment: environment, overrides: ServiceOverrides(clock: clock.wall)) { app in
            let user = TestUser()
            func used() async throws -> Int? {
                let status = try await app.send(.GET, "/subscription-status", as: user)
                return (status.json["usage"] as? [String: [String: Any]])?["job_scraping"]?["used"] as? Int
            }
            #expect(try await used() == 0)
            let other = try await ServiceFactory.make(for: app, config: app.hirebase.config, overrides: ServiceOverrides())
            _ = try await other.billing.consume(.jobScraping, quantity: 1, userID: user.id, idempotencyKey: nil, on: app.db)
            #expect(try await used() == 0)  // cached here, and not announced
            clock.advance(by: .seconds(9))  // past every user's refresh point, within the TTL
            #expect(try await used() == 1)  // this read refreshed the entry
            let revision = app.hirebase.billing.cache.snapshot(of: user.id)?.revision
            clock.advance(by: .seconds(5))  // the first entry would have expired by now
            #expect(try await used() == 1)
            #expect(app.hirebase.billing.cache.snapshot(of: user.id)?.revision == revision)
        }
    }
}
