import Foundation
import NIOConcurrencyHelpers
import Testing
@testable import HirebaseApp

@Suite("Rate limits: RATE_LIMITS, the GCRA arithmetic, client addresses")
struct RateLimitPolicyTests {
    @Test func defaultsAreTheDocumentedOnes() {
        let (policy, problems) = RateLimitPolicy.parse("")
        #expect(problems.isEmpty)
        #expect(policy.summary == "read=600/m, write=120/m, costly=30/m, anonymous=60/m")
    }

    @Test func entriesOverrideDefaultsAndOffDisablesAClass() {
        let (policy, problems) = RateLimitPolicy.parse(" costly=5/h , read=off,anonymous=10/s")
        #expect(problems.isEmpty)
        #expect(policy[.costly] == RateLimit(count: 5, periodSeconds: 3600))
        #expect(policy[.read] == nil)
        #expect(policy[.anonymous] == RateLimit(count: 10, periodSeconds: 1))
        #expect(policy[.write] == RateLimit(count: 120, periodSeconds: 60))
    }

    @Test(arguments: ["costly", "costly=", "costly=0/m", "costly=5/d", "costly=-1/m", "cheap=5/m", "costly=5", "costly=1000001/s"])
    func malformedEntriesAreReported(entry: String) {
        let (_, problems) = RateLimitPolicy.parse(entry)
        #expect(problems.count == 1)
    }

    @Test func malformedRateLimitsStopTheStart() {
        #expect(throws: ConfigurationError.self) {
            try AppConfig.load(from: ["HIREBASE_ENV": "testing", "SUPABASE_JWT_SECRET": testJWTSecret, "RATE_LIMITS": "costly=lots"]) { _ in "" }
        }
        #expect(throws: ConfigurationError.self) {
            try AppConfig.load(from: ["HIREBASE_ENV": "testing", "SUPABASE_JWT_SECRET": testJWTSecret, "TRUSTED_PROXIES": "10.0.0.0/33"]) { _ in "" }
        }
    }

    @Test func aBurstOfNPassesThenOneCallPerIntervalRefills() {
        let counter = LocalRateCounter()
        let limit = RateLimit(count: 3, periodSeconds: 60)
        let start: Int64 = 1_000_000_000_000
        let decisions = (0..<4).map { _ in counter.charge(.read, key: "u", limit: limit, now: start) }

        #expect(decisions.map(\.allowed) == [true, true, true, false])
        #expect(decisions.map(\.remaining) == [2, 1, 0, 0])
        #expect(decisions[3].retryAfterSeconds == 20)
        #expect(decisions[2].resetSeconds == 60)
        // 20 s later exactly one more call fits; a refused call did not push the wait out.
        #expect(counter.charge(.read, key: "u", limit: limit, now: start + 19_999_999).allowed == false)
        #expect(counter.charge(.read, key: "u", limit: limit, now: start + 20_000_000).allowed)
        #expect(counter.charge(.read, key: "u", limit: limit, now: start + 20_000_000).allowed == false)
        // Other keys are not affected.
        #expect(counter.charge(.read, key: "v", limit: limit, now: start).allowed)
    }

    @Test func theLocalCounterKeepsItsKeysWithinItsCapacity() {
        let counter = LocalRateCounter(capacity: 100)
        let limit = RateLimit(count: 5, periodSeconds: 60)
        for index in 0..<1000 {
            _ = counter.charge(.anonymous, key: "ip-\(index)", limit: limit, now: 1_000_000)
            #expect(counter.count <= 100)
        }
        // The newest caller still has its bucket.
        #expect(counter.charge(.anonymous, key: "ip-999", limit: limit, now: 1_000_000).remaining == 3)
    }

    @Test func forwardedForIsBelievedOnlyFromTrustedProxies() throws {
        let none = ClientAddressResolver(trustedProxies: [])
        #expect(none.key(peer: "203.0.113.9", forwardedFor: ["198.51.100.1"]) == "203.0.113.9")

        let proxied = ClientAddressResolver(trustedProxies: [try #require(IPNetwork("10.0.0.0/8")), try #require(IPNetwork("::1"))])
        // Rightmost untrusted hop: a client cannot forge its way past by prepending addresses.
        #expect(proxied.key(peer: "10.1.2.3", forwardedFor: ["6.6.6.6, 198.51.100.1"]) == "198.51.100.1")
        #expect(proxied.key(peer: "10.1.2.3", forwardedFor: ["198.51.100.1", "10.9.9.9"]) == "198.51.100.1")
        #expect(proxied.key(peer: "::1", forwardedFor: ["[2001:db8:1:2:3:4:5:6]:443"]) == "2001:db8:1:2::/64")
        #expect(proxied.key(peer: "10.1.2.3", forwardedFor: ["not an address"]) == "10.1.2.3")
        #expect(proxied.key(peer: "10.1.2.3", forwardedFor: []) == "10.1.2.3")
        // A peer outside the trusted set is the client, whatever it claims.
        #expect(proxied.key(peer: "192.0.2.7", forwardedFor: ["198.51.100.1"]) == "192.0.2.7")
        #expect(proxied.key(peer: "::ffff:10.0.0.1", forwardedFor: ["198.51.100.1"]) == "198.51.100.1")
    }

    @Test func networksContainTheirAddressesOnly() throws {
        let v4 = try #require(IPNetwork("192.168.0.0/16"))
        #expect(v4.contains(try #require(IPAddress("192.168.255.1"))))
        #expect(!v4.contains(try #require(IPAddress("192.169.0.1"))))
        let v6 = try #require(IPNetwork("2001:db8::/32"))
        #expect(v6.contains(try #require(IPAddress("2001:db8:ffff::1"))))
        #expect(!v6.contains(try #require(IPAddress("2001:db9::1"))))
        #expect(IPNetwork("0.0.0.0/0")?.contains(try #require(IPAddress("8.8.8.8"))) == true)
        #expect(IPNetwork("1.2.3.4/x") == nil)
        #expect(IPNetwork("1.2.3/8") == nil)
    }
}
