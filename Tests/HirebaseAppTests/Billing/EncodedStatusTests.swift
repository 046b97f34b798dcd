import BillingCore
import Foundation
import NIOCore
import Testing
import Vapor
import VaporTesting
@testable import HirebaseApp

/// The encoded `GET /subscription-status` body kept with the cached snapshot
/// (`BillingSnapshotCache.EncodedStatus`): answered only for the snapshot and period it was
/// encoded from, byte for byte what encoding gives, and gone with any change.
@Suite("Encoded subscription status: kept with its snapshot, dropped with it")
struct EncodedStatusTests {
    /// The parts of a response a client sees, but the request id (fresh on every request).
    private func visible(_ response: TestingHTTPResponse) -> (HTTPStatus, [String], Data) {
        let headers = response.headers.filter { $0.name.lowercased() != "x-request-id" }.map { "\($0.name.lowercased()): \($0.value)" }.sorted()
        return (response.status, headers, Data(buffer: response.body))
    }

    /// Reads the status three times (a miss, a hit that encodes and keeps the body, a hit that
    /// answers the kept body) and checks all three are the same response.
    /// - Returns: the kept answer's body.
    private func readThrice(_ app: Application, as user: TestUser, sourceLocation: SourceLocation = #_sourceLocation) async throws -> Data {
        let miss = visible(try await app.send(.GET, "/subscription-status", as: user))
        let first = visible(try await app.send(.GET, "/subscription-status", as: user))
        #expect(app.hirebase.billing.cache.snapshot(of: user.id)?.encodedStatus != nil, "the body was not kept", sourceLocation: sourceLocation)
        let kept = visible(try await app.send(.GET, "/subscription-status", as: user))
        #expect(miss.0 == .ok, sourceLocation: sourceLocation)
        #expect(first.0 == miss.0 && first.1 == miss.1 && first.2 == miss.2, sourceLocation: sourceLocation)
        #expect(kept.0 == miss.0 && kept.1 == miss.1, "headers differ: \(kept.1) vs \(miss.1)", sourceLocation: sourceLocation)
        #expect(kept.2 == miss.2, "\(String(decoding: kept.2, as: UTF8.self)) vs \(String(decoding: miss.2, as: UTF8.self))",
                sourceLocation: sourceLocation)
        return kept.2
    }

    /// The body encoded now from what the database holds (a fresh instance's answer).
    private func encodedAfresh(_ app: Application, of user: TestUser) async throws -> Data {
        let fresh = BillingService(plans: app.hirebase.billing.plans, cache: BillingSnapshotCache(unannouncedTTL: 0, announcedTTL: 0, clock: .system),
                                   stripe: UnconfiguredStripeClient(), clock: .system)
        let status = try await fresh.status(of: user.id, on: app.db)
        #expect(status.encodedBody == nil)
        return Data(buffer: try #require(try BillingController.response(status).body.buffer))
    }

    /// A hit answers exactly the miss's response; a consumption and a webhook on this instance
    /// show in the next read at once (the TTL is an hour), again byte for byte a fresh encoding.
    @Test(arguments: TestDatabase.all)
    func aKeptBodyIsTheEncodingAndChangesShowAtOnce(database: TestDatabase) async throws {
        var environment = billingEnvironment
        environment["BILLING_CACHE_TTL_SECONDS"] = "3600"
        try await withHirebase(on: database, environment: environment) { app in
            let user = TestUser()
            let free = try await readThrice(app, as: user)
            #expect(free == (try await encodedAfresh(app, of: user)))

            let consumed = try await app.send(.POST, "/verify-billing", as: user, json: JSON(["feature": "job_scraping", "consume": true]))
            #expect(consumed.json["allowed"] as? Bool == true)
            let afterConsume = try await readThrice(app, as: user)
            #expect(afterConsume != free)
            #expect(afterConsume == (try await encodedAfresh(app, of: user)))
            let usage = try JSONSerialization.jsonObject(with: afterConsume) as? [String: Any]
            #expect(((usage?["usage"] as? [String: [String: Any]])?["job_scraping"]?["used"] as? Int) == 1)

            let now = Int(Date().timeIntervalSince1970)
            let created = StripeEvents.event(type: "customer.subscription.created", created: now,
                                             object: StripeEvents.subscription(userID: user.id, periodStart: now - 60, periodEnd: now + 86_400))
            #expect(try await app.webhook(created).status == .ok)
            let afterWebhook = try await readThrice(app, as: user)
            #expect((try JSONSerialization.jsonObject(with: afterWebhook) as? [String: Any])?["plan"] as? String == "pro")
            #expect(afterWebhook == (try await encodedAfresh(app, of: user)))
        }
    }

    /// The same status encodes to the same bytes, whatever its usage dictionary's order (a new
    /// dictionary of the same members has a new hash seed, often another order), with its
    /// members in key order.
    @Test func aStatusAlwaysEncodesToTheSameBytes() throws {
        let clock = ManualClock()
        let standing = PlanStanding(record: nil, plans: try PlanCatalog.loadDefault(), at: clock.date)
        let status = BillingService.Status(userID: UUID(), standing: standing, used: [.jobScraping: 2, .aiAssessments: 1])
        let reference = Data(buffer: try #require(try BillingController.response(status).body.buffer))
        for _ in 0..<20 {
            var again = status
            again.used = Dictionary(uniqueKeysWithValues: status.used.map { ($0.key, $0.value) }.shuffled())
            #expect(Data(buffer: try #require(try BillingController.response(again).body.buffer)) == reference)
        }
        let text = String(decoding: reference, as: UTF8.self)
        let keys = ["cancelAtPeriodEnd", "currentPeriodEnd", "periodEnd", "periodStart", "plan", "status", "usage", "userId"]
        let places = keys.compactMap { text.range(of: "\"\($0)\":")?.lowerBound }
        #expect(places.count == keys.count && places == places.sorted(), "\(text)")
        let features = ["ai_assessments", "ai_generations", "candidate_matching", "job_scraping"].compactMap { text.range(of: "\"\($0)\"")?.lowerBound }
        #expect(features.count == 4 && features == features.sorted())
    }

    /// Through the service, with a clock the test moves: a kept body is answered for its
    /// snapshot and period only; the next period, a drop, and a store of the entry all end it.
    @Test func aKeptBodyServesOnlyItsSnapshotAndPeriod() async throws {
        // Ten seconds before a UTC month ends: a free user's period is the calendar month.
        let clock = ManualClock(startDate: Date(timeIntervalSince1970: 1_775_001_590))  // 2026-03-31T23:59:50Z
        try await withHirebase(on: .sqlite) { app in
            let cache = BillingSnapshotCache(unannouncedTTL: 3600, clock: clock.wall)
            let billing = BillingService(plans: app.hirebase.billing.plans, cache: cache, stripe: UnconfiguredStripeClient(), clock: clock.wall)
            let user = UUID()
            let miss = try await billing.status(of: user, on: app.db)
            #expect(miss.cachedRevision == nil && miss.encodedBody == nil)
            // Not read from the cache in whole: nothing is kept.
            billing.keepEncodedBody(ByteBuffer(string: "miss"), of: miss)
            let hit = try await billing.status(of: user, on: app.db)
            #expect(hit.encodedBody == nil)
            let revision = try #require(hit.cachedRevision)
            billing.keepEncodedBody(ByteBuffer(string: "march"), of: hit)
            #expect(try await billing.status(of: user, on: app.db).encodedBody == ByteBuffer(string: "march"))
            // A body encoded from an older revision of the entry is not kept.
            cache.drop(user)
            _ = try await billing.status(of: user, on: app.db)
            let current = try await billing.status(of: user, on: app.db)
            #expect(current.cachedRevision != revision)
            billing.keepEncodedBody(ByteBuffer(string: "stale"), of: hit)
            #expect(try await billing.status(of: user, on: app.db).encodedBody == nil)
            billing.keepEncodedBody(ByteBuffer(string: "march"), of: current)
            #expect(try await billing.status(of: user, on: app.db).encodedBody == ByteBuffer(string: "march"))

            // April: the same snapshot shows another period; the March body is not answered.
            clock.advance(by: .seconds(20))
            let april = try await billing.status(of: user, on: app.db)
            #expect(april.encodedBody == nil)
            #expect(april.standing.period != current.standing.period)

            // A store of the entry (a read of a part) drops its body too.
            let again = try await billing.status(of: user, on: app.db)
            billing.keepEncodedBody(ByteBuffer(string: "april"), of: again)
            #expect(try await billing.status(of: user, on: app.db).encodedBody == ByteBuffer(string: "april"))
            cache.store(nil, of: user, readAfter: cache.ticket())
            #expect(try await billing.status(of: user, on: app.db).encodedBody == nil)
        }
    }
}
