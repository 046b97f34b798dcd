import Testing

@testable import HirebaseApp

/// Runs one call through `breaker` that ends with `outcome` (`nil`: success) and returns the
/// error it threw, if any; counts the calls that reached the "service".
private func call(
    _ breaker: CircuitBreaker, failing outcome: StripeError? = nil, reached: Counter? = nil
) async -> StripeError? {
    do throws(StripeError) {
        _ = try await breaker.run { () async throws(StripeError) -> Int in
            _ = reached?.next()
            if let outcome { throw outcome }
            return 1
        }
        return nil
    } catch {
        return error
    }
}

@Suite("CircuitBreaker: closed, open, half-open, on a manual clock")
struct CircuitBreakerTests {
    let clock = ManualClock()

    func makeBreaker(threshold: Int = 5, coolDown: Duration = .seconds(30)) -> CircuitBreaker {
        CircuitBreaker(failureThreshold: threshold, coolDown: coolDown, now: clock.reading)
    }

    @Test func opensAfterThresholdConsecutiveFailuresAndFailsFast() async {
        let breaker = makeBreaker(threshold: 3)
        let reached = Counter()

        for _ in 1...2 { _ = await call(breaker, failing: .timeout, reached: reached) }
        #expect(await breaker.state == .closed)
        #expect(await call(breaker, failing: .unavailable("503"), reached: reached) == .unavailable("503"))

        #expect(await breaker.state == .open)
        #expect(await call(breaker, reached: reached) == .circuitOpen(retryAfter: 30))
        #expect(reached.value == 3)
    }

    @Test func retryAfterCountsDownInWholeSecondsRoundedUp() async {
        let breaker = makeBreaker(threshold: 1)
        _ = await call(breaker, failing: .timeout)

        clock.advance(by: .milliseconds(10_500))
        #expect(await call(breaker) == .circuitOpen(retryAfter: 20))
        clock.advance(by: .milliseconds(19_400))
        #expect(await call(breaker) == .circuitOpen(retryAfter: 1))
    }

    @Test func clientErrorsDoNotCountAndEndARunOfFailures() async {
        let breaker = makeBreaker(threshold: 2)
        let clientErrors: [StripeError] = [
            .invalidRequest(type: "invalid_request_error", code: nil, message: "bad", param: nil),
            .notFound("No such subscription"), .unexpectedResponse("html"),
        ]

        for clientError in clientErrors {
            _ = await call(breaker, failing: .timeout)
            _ = await call(breaker, failing: clientError)
        }
        for _ in 1...5 { _ = await call(breaker, failing: .notFound("No such subscription")) }

        #expect(await breaker.state == .closed)
    }

    /// Issue 7 § 5: Stripe's 429 is its per-account rate limit, not an outage; one user's flood
    /// must not open the breaker for every user.
    @Test func rateLimitAnswersNeverOpenTheBreaker() async {
        let breaker = makeBreaker(threshold: 2)
        let reached = Counter()

        for _ in 1...10 {
            #expect(await call(breaker, failing: .rateLimited(retryAfter: 3), reached: reached) == .rateLimited(retryAfter: 3))
        }

        #expect(await breaker.state == .closed)
        #expect(reached.value == 10)
        #expect(StripeError.rateLimited(retryAfter: 3).appError.status == .serviceUnavailable)
        #expect(StripeError.rateLimited(retryAfter: 3).appError.headers.first(name: "Retry-After") == "3")
        #expect(StripeError.rateLimited(retryAfter: nil).appError.headers.first(name: "Retry-After") == "2")
    }

    @Test func afterTheCoolDownOneSuccessfulProbeClosesIt() async {
        let breaker = makeBreaker(threshold: 1)
        _ = await call(breaker, failing: .timeout)

        clock.advance(by: .seconds(30))
        #expect(await breaker.state == .halfOpen)
        let reached = Counter()
        #expect(await call(breaker, reached: reached) == nil)

        #expect(reached.value == 1)
        #expect(await breaker.state == .closed)
        #expect(await call(breaker, reached: reached) == nil)
    }

    @Test func aFailedProbeOpensItForAnotherCoolDown() async {
        let breaker = makeBreaker(threshold: 1)
        _ = await call(breaker, failing: .timeout)
        clock.advance(by: .seconds(31))

        #expect(await call(breaker, failing: .unavailable("down")) == .unavailable("down"))

        #expect(await breaker.state == .open)
        #expect(await call(breaker) == .circuitOpen(retryAfter: 30))
    }

    @Test func onlyOneProbeAtATime() async throws {
        let breaker = makeBreaker(threshold: 1)
        _ = await call(breaker, failing: .timeout)
        clock.advance(by: .seconds(30))

        let probe = try await breaker.acquire()
        #expect(probe.isProbe)
        await #expect(throws: CircuitBreaker.Open(retryAfter: 1)) { try await breaker.acquire() }

        await breaker.record(.success, for: probe)
        #expect(await breaker.state == .closed)
    }

    @Test func anAbandonedProbeLetsTheNextCallProbe() async throws {
        let breaker = makeBreaker(threshold: 1)
        _ = await call(breaker, failing: .timeout)
        clock.advance(by: .seconds(30))

        let probe = try await breaker.acquire()
        await breaker.record(.abandoned, for: probe)

        let next = try await breaker.acquire()
        #expect(next.isProbe)
    }

    @Test func anOutcomeFromBeforeTheBreakerOpenedIsIgnored() async throws {
        let breaker = makeBreaker(threshold: 1)
        let slow = try await breaker.acquire()
        _ = await call(breaker, failing: .timeout)
        clock.advance(by: .seconds(30))
        let probe = try await breaker.acquire()

        // The slow call admitted while closed succeeds now: it must not close the breaker.
        await breaker.record(.success, for: slow)
        #expect(await breaker.state == .halfOpen)
        await breaker.record(.failure, for: probe)
        #expect(await breaker.state == .open)
    }
}
