import Fluent
import Foundation
import NIOConcurrencyHelpers
import Testing
import Vapor
import VaporTesting
@testable import HirebaseApp

/// Every class off but the ones named (each test turns on what it is about).
private func limits(_ entries: String) -> [String: String] {
    ["RATE_LIMITS": "read=off,write=off,costly=off,anonymous=off," + entries]
}

@Suite("Rate limits over HTTP: 429, RateLimit-* headers, classes, keys, exemptions")
struct RateLimitTests {
    /// The `write` and `costly` classes are exact across instances: N concurrent charges against a
    /// limit L in one database let exactly min(N, L) through (two instances share nothing else).
    @Test(arguments: TestDatabase.all)
    func sharedClassesAreExactUnderConcurrency(database: TestDatabase) async throws {
        try await withHirebase(on: database) { app in
            let instances = [RateLimiter(policy: RateLimitPolicy.parse("costly=5/m").0, clock: .system),
                             RateLimiter(policy: RateLimitPolicy.parse("costly=5/m").0, clock: .system)]
            let db = app.db
            let allowed = try await withThrowingTaskGroup(of: Bool.self) { group in
                for index in 0..<24 {
                    group.addTask { try await instances[index % 2].charge(.costly, subject: "user-1", on: db)?.allowed ?? false }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(allowed == 5)
            // Another user has a bucket of its own.
            #expect(try await instances[0].charge(.costly, subject: "user-2", on: db)?.allowed == true)
        }
    }

    @Test(arguments: TestDatabase.all)
    func sharedBucketsRefillAndIdleOnesAreSwept(database: TestDatabase) async throws {
        try await withHirebase(on: database) { app in
            let clock = ManualClock(startDate: Date(timeIntervalSince1970: 2_000_000_000))
            let limiter = RateLimiter(policy: RateLimitPolicy.parse("write=2/s").0, clock: clock.wall)
            let first = try #require(try await limiter.charge(.write, subject: "u", on: app.db))
            #expect(first.allowed && first.remaining == 1 && first.limit == 2)
            #expect(try await limiter.charge(.write, subject: "u", on: app.db)?.allowed == true)
            let refused = try #require(try await limiter.charge(.write, subject: "u", on: app.db))
            #expect(!refused.allowed && refused.remaining == 0 && refused.retryAfterSeconds == 1)

            clock.advance(by: .milliseconds(500))
            #expect(try await limiter.charge(.write, subject: "u", on: app.db)?.allowed == true)
            clock.advance(by: .seconds(10))
            #expect(try await limiter.removeIdle(on: app.db) == 1)
            #expect(try await limiter.charge(.write, subject: "u", on: app.db)?.remaining == 1)
        }
    }

    @Test func aRefusedCostlyCallIs429WithRetryAfterAndFailedCallsCount() async throws {
        try await withHirebase(on: .sqlite, environment: limits("costly=2/m")) { app in
            let scenario = try await Scenario.make(app)
            // Two failing calls (400: no jobId) use the allowance like successful ones would.
            for remaining in ["1", "0"] {
                let failed = try await app.send(.POST, "/match-candidates", as: scenario.recruiter, json: JSON([:]))
                #expect(failed.status == .badRequest)
                #expect(failed.headers.first(name: "RateLimit-Limit") == "2")
                #expect(failed.headers.first(name: "RateLimit-Remaining") == remaining)
                #expect(failed.headers.first(name: "RateLimit-Reset") != nil)
            }
            let refused = try await app.send(.POST, "/match-candidates", as: scenario.recruiter, json: JSON([:]))
            #expect(refused.status == .tooManyRequests)
            #expect(refused.code == "rate_limited")
            #expect(refused["requestId"] != nil)
            // 2 per minute: the next call fits 30 s after the first (less the time the test took).
            #expect((1...30).contains(Int(refused.headers.first(name: "Retry-After") ?? "") ?? 0))
            #expect(refused.headers.first(name: "RateLimit-Remaining") == "0")
            // Other classes and other users are not affected.
            #expect(try await app.send(.GET, "/companies", as: scenario.recruiter).status == .ok)
            #expect(try await app.send(.POST, "/match-candidates", as: TestUser(), json: JSON([:])).status == .badRequest)
        }
    }

    @Test func eachCostlyRouteIsCostly() async throws {
        try await withHirebase(on: .sqlite, environment: limits("costly=1/h")) { app in
            let scenario = try await Scenario.make(app)
            let csrf = { try await scenario.csrf(app) }
            let invitation = try await scenario.invite(app)
            let calls: [(HTTPMethod, String, HTTPHeaders, JSON?)] = [
                (.POST, "/scrape", [:], JSON(["url": "https://example.com/job"])),
                (.POST, "/match-candidates", [:], JSON([:])),
                (.POST, "/assessments/invitations/\(invitation.id)/resend", [:], nil),
                (.POST, "/verify-billing", [:], JSON(["sessionId": "cs_test_unknown"])),
                (.POST, "/create-checkout-session", ["X-CSRF-Token": try await csrf()], JSON(["plan": "pro"])),
                (.POST, "/cancel-subscription", ["X-CSRF-Token": try await csrf()], JSON([:])),
            ]
            // Invitation create used the one call of the hour above (in `invite`); every costly
            // route is now refused for this user, whatever its body.
            for (method, path, headers, body) in calls {
                let response = try await app.send(method, path, as: scenario.recruiter, headers: headers, json: body)
                #expect(response.status == .tooManyRequests, "\(path)")
            }
            // A feature check on verify-billing is a plain write, not costly.
            #expect(try await app.send(.POST, "/verify-billing", as: scenario.recruiter, json: JSON(["feature": "job_scraping"])).status == .ok)
        }
    }

    @Test func readsAndWritesHaveTheirOwnClasses() async throws {
        try await withHirebase(on: .sqlite, environment: limits("read=3/m,write=2/m")) { app in
            let user = TestUser()
            for _ in 0..<3 { #expect(try await app.send(.GET, "/companies", as: user).status == .ok) }
            #expect(try await app.send(.GET, "/companies", as: user).status == .tooManyRequests)
            // GET /csrf-token stores a token: it is a write.
            #expect(try await app.send(.GET, "/csrf-token", as: user).status == .ok)
            #expect(try await app.send(.POST, "/companies", as: user, json: JSON(["name": "A"])).status == .created)
            let third = try await app.send(.GET, "/csrf-token", as: user)
            #expect(third.status == .tooManyRequests)
            #expect(third.headers.first(name: "RateLimit-Limit") == "2")
            // HEAD runs the GET route (and would store a token): it is a write too.
            let head = try await app.send(.HEAD, "/csrf-token", as: user)
            #expect(head.status == .tooManyRequests)
            #expect(try await CSRFToken.query(on: app.db).count() == 1)
        }
    }

    @Test func healthMetricsDocsAndWebhooksAreNotLimited() async throws {
        try await withHirebase(on: .sqlite, environment: limits("read=1/h,write=1/h,costly=1/h,anonymous=1/h")) { app in
            for _ in 0..<3 {
                for path in ["/health", "/health/ready", "/metrics", "/openapi.json"] {
                    let response = try await app.send(.GET, path)
                    #expect(response.status == .ok, "\(path)")
                    #expect(response.headers.first(name: "RateLimit-Limit") == nil, "\(path)")
                }
                // Not configured (503) rather than limited (429).
                #expect(try await app.send(.POST, "/webhooks/stripe", raw: "{}").status == .serviceUnavailable)
            }
        }
    }

    @Test func candidateCallsAreLimitedPerClientAddress() async throws {
        try await withHirebase(on: .sqlite, environment: limits("anonymous=2/m").merging(["TRUSTED_PROXIES": "127.0.0.1"]) { $1 }) { app in
            let scenario = try await Scenario.make(app)
            let invitation = try await scenario.invite(app)
            let path = "/assessments/invitations/\(invitation.id)?token=\(invitation.token)"
            func open(from client: String) async throws -> TestingHTTPResponse {
                try await app.send(.GET, path, headers: ["X-Forwarded-For": client], overNetwork: true)
            }
            #expect(try await open(from: "198.51.100.7").status == .ok)
            #expect(try await open(from: "198.51.100.7").status == .ok)
            let refused = try await open(from: "198.51.100.7")
            #expect(refused.status == .tooManyRequests)
            #expect((1...30).contains(Int(refused.headers.first(name: "Retry-After") ?? "") ?? 0))
            // Another client behind the same trusted proxy has its own allowance; a wrong-token
            // submit costs the caller's allowance like any other call.
            #expect(try await open(from: "203.0.113.20").status == .ok)
            let submit = try await app.send(.POST, "/assessments/invitations/\(invitation.id)/submit", headers: ["X-Forwarded-For": "203.0.113.20"],
                                            json: JSON(["token": "wrong", "answers": []]), overNetwork: true)
            #expect(submit.status == .forbidden)
            #expect(try await open(from: "203.0.113.20").status == .tooManyRequests)
        }
    }

    @Test func forwardedForFromAnUntrustedPeerIsIgnored() async throws {
        try await withHirebase(on: .sqlite, environment: limits("anonymous=1/m")) { app in
            let scenario = try await Scenario.make(app)
            let invitation = try await scenario.invite(app)
            let path = "/assessments/invitations/\(invitation.id)?token=\(invitation.token)"
            #expect(try await app.send(.GET, path, headers: ["X-Forwarded-For": "198.51.100.1"], overNetwork: true).status == .ok)
            // Without TRUSTED_PROXIES a new header value is not a new client.
            #expect(try await app.send(.GET, path, headers: ["X-Forwarded-For": "198.51.100.2"], overNetwork: true).status == .tooManyRequests)
        }
    }

    @Test func aStaleBearerOnTheCandidatesRoutesIsChargedAsAnonymous() async throws {
        try await withHirebase(on: .sqlite, environment: limits("anonymous=1/m")) { app in
            let scenario = try await Scenario.make(app)
            let invitation = try await scenario.invite(app)
            let path = "/assessments/invitations/\(invitation.id)?token=\(invitation.token)"
            var stale = HTTPHeaders()
            stale.bearerAuthorization = BearerAuthorization(token: try await TestUser().token(expiresIn: -3600))

            let opened = try await app.send(.GET, path, headers: stale)
            #expect(opened.status == .ok)
            #expect(opened.headers.first(name: "RateLimit-Limit") == "1")
            #expect(try await app.send(.GET, path, headers: stale).status == .tooManyRequests)
        }
    }

    /// Found by trying it: calls with an invalid or expired token were never limited.
    @Test func callsWithTokensThatDoNotVerifyAreLimitedPerAddress() async throws {
        try await withHirebase(on: .sqlite, environment: limits("anonymous=2/m")) { app in
            var garbage = HTTPHeaders()
            garbage.bearerAuthorization = BearerAuthorization(token: "garbage")
            #expect(try await app.send(.POST, "/scrape", headers: garbage, json: JSON(["url": "https://example.com"])).status == .unauthorized)
            #expect(try await app.send(.GET, "/companies", headers: garbage).status == .unauthorized)
            let refused = try await app.send(.GET, "/companies", headers: garbage)
            #expect(refused.status == .tooManyRequests)
            #expect(refused.code == "rate_limited")
            // A valid token is keyed by its user, not the address.
            #expect(try await app.send(.GET, "/companies", as: TestUser()).status == .ok)
        }
    }
}
