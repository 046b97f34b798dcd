import Testing

@testable import HirebaseApp

@Suite("StripeRetryPolicy: what is retried, and the back-off")
struct StripeRetryPolicyTests {
    let policy = StripeRetryPolicy()

    @Test(arguments: [409, 429, 500, 502, 503, 504])
    func transientStatusesAreRetried(status: Int) {
        #expect(policy.shouldRetry(status: status, shouldRetryHeader: nil))
    }

    @Test(arguments: [400, 401, 402, 403, 404, 422])
    func otherClientErrorsAreNotRetried(status: Int) {
        #expect(!policy.shouldRetry(status: status, shouldRetryHeader: nil))
    }

    @Test func stripeShouldRetryHeaderOverridesTheStatus() {
        #expect(!policy.shouldRetry(status: 500, shouldRetryHeader: "false"))
        #expect(!policy.shouldRetry(status: 409, shouldRetryHeader: "False"))
        #expect(policy.shouldRetry(status: 400, shouldRetryHeader: "true"))
        #expect(policy.shouldRetry(status: 503, shouldRetryHeader: "maybe"))
    }

    @Test func backOffDoublesUpToTheCapWithJitterBetweenHalfAndAll() {
        let low = StripeRetryPolicy(random: { 0 })
        let high = StripeRetryPolicy(random: { 0.999_999 })

        // Half of 0.5 s is under the floor of 0.5 s.
        #expect(low.delay(beforeRetry: 1) == .milliseconds(500))
        #expect(low.delay(beforeRetry: 2) == .milliseconds(500))
        #expect(low.delay(beforeRetry: 3) == .seconds(1))
        #expect(low.delay(beforeRetry: 6) == .milliseconds(2500))
        #expect(high.delay(beforeRetry: 1) <= .milliseconds(500))
        #expect(high.delay(beforeRetry: 2) > .milliseconds(999))
        #expect(high.delay(beforeRetry: 4) > .milliseconds(3999))
        #expect(high.delay(beforeRetry: 10) <= .seconds(5))
        #expect(high.delay(beforeRetry: 10) > .milliseconds(4999))
    }

    @Test func retryAfterLengthensTheWaitButOnlyUpToTheCap() {
        let policy = StripeRetryPolicy(random: { 0 })

        #expect(policy.delay(beforeRetry: 1, retryAfter: .seconds(2)) == .seconds(2))
        #expect(policy.delay(beforeRetry: 1, retryAfter: .seconds(60)) == .milliseconds(500))
    }

    @Test func atLeastOneAttempt() {
        #expect(StripeRetryPolicy(maxAttempts: 0).maxAttempts == 1)
    }
}
