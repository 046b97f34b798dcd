/// Stops calling a service that keeps failing, so that requests fail at once (503 with
/// `Retry-After`) instead of each waiting for the timeouts, and the service gets room to recover.
///
/// - **closed**: calls go through; `failureThreshold` failures in a row open it. Only failures
///   that say the service is unwell count (`CircuitBreakerFailure.countsAgainstAvailability`:
///   for Stripe timeouts, network errors, 5xx, 409; for the AI provider timeouts, network errors
///   and 5xx); any other outcome, a 4xx and a 429 included, shows the service answers and ends
///   the run.
/// - **open**: calls fail at once with the caller's error for it
///   (`CircuitBreakerFailure.circuitOpen(retryAfterSeconds:)`), carrying the whole seconds left of
///   `coolDown`, without touching the service.
/// - **half-open** (the cool-down is over): ONE call goes through as a probe while the others
///   still fail fast; its success closes the breaker, its failure opens it for another
///   `coolDown`. A probe whose task was cancelled proves nothing: the next call probes instead.
///
/// A call counts once, whatever retries it made inside. An outcome that arrives after the state
/// changed under it (a slow call started while closed that ends after the breaker opened) is
/// ignored, so only the probe decides a half-open breaker.
///
/// One breaker per service (Stripe, the AI provider): it is generic over the caller's error type,
/// which says which failures count and how "open" is told.
///
/// `now` is injectable so that tests can move time; it defaults to the continuous clock.
public actor CircuitBreaker {
    /// Thrown by `acquire` while the breaker refuses calls: `retryAfter` whole seconds (at least 1)
    /// until it lets a probe through. `run` turns it into the caller's own error.
    struct Open: Error, Sendable, Equatable {
        var retryAfter: Int
    }

    /// What the breaker does with the next call.
    public enum State: Sendable, Equatable {
        case closed
        case open
        /// The cool-down is over: the next call (or the one in flight) is the probe.
        case halfOpen
    }

    /// The right to make one call, handed out by `acquire` and given back with `record`.
    struct Ticket: Sendable, Equatable {
        var generation: Int
        var isProbe: Bool
    }

    /// How a call ended, for the breaker.
    enum Outcome: Sendable {
        case success
        case failure
        /// The caller gave up (task cancelled): says nothing about the service.
        case abandoned
    }

    private enum Phase {
        case closed(consecutiveFailures: Int)
        case open(until: ContinuousClock.Instant)
        case halfOpen(probeInFlight: Bool)
    }

    /// Consecutive failures that open the breaker (default 5).
    public let failureThreshold: Int
    /// How long the breaker stays open before a probe (default 30 s).
    public let coolDown: Duration
    private let now: @Sendable () -> ContinuousClock.Instant
    private var phase = Phase.closed(consecutiveFailures: 0)
    /// Bumped at every change of phase, so that outcomes of calls admitted before it are ignored.
    private var generation = 0

    public init(
        failureThreshold: Int = 5,
        coolDown: Duration = .seconds(30),
        now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }
    ) {
        self.failureThreshold = max(1, failureThreshold)
        self.coolDown = coolDown
        self.now = now
    }

    /// The state as the next call would find it.
    public var state: State {
        switch phase {
        case .closed: .closed
        case .open(let until): now() < until ? .open : .halfOpen
        case .halfOpen: .halfOpen
        }
    }

    /// Runs `operation` if the breaker lets it, and counts its outcome.
    ///
    /// - Throws: `Failure.circuitOpen(retryAfterSeconds:)` without running `operation` while open
    ///   (or while a half-open probe is in flight); otherwise whatever `operation` throws.
    public func run<T: Sendable, Failure: CircuitBreakerFailure>(
        _ operation: @Sendable () async throws(Failure) -> T
    ) async throws(Failure) -> T {
        let ticket: Ticket
        do throws(Open) {
            ticket = try acquire()
        } catch {
            throw Failure.circuitOpen(retryAfterSeconds: error.retryAfter)
        }
        do {
            let value = try await operation()
            record(.success, for: ticket)
            return value
        } catch {
            if Task.isCancelled {
                record(.abandoned, for: ticket)
            } else {
                record(error.countsAgainstAvailability ? .failure : .success, for: ticket)
            }
            throw error
        }
    }

    /// Asks to make one call.
    /// - Throws: `Open` while the breaker refuses calls.
    func acquire() throws(Open) -> Ticket {
        switch phase {
        case .closed:
            return Ticket(generation: generation, isProbe: false)
        case .open(let until):
            let current = now()
            guard current >= until else { throw Open(retryAfter: Self.wholeSeconds(until - current)) }
            transition(to: .halfOpen(probeInFlight: true))
            return Ticket(generation: generation, isProbe: true)
        case .halfOpen(let probeInFlight):
            // The probe's answer is due within the client's total timeout; asking again soon is right.
            guard !probeInFlight else { throw Open(retryAfter: 1) }
            transition(to: .halfOpen(probeInFlight: true))
            return Ticket(generation: generation, isProbe: true)
        }
    }

    /// Counts how the call made with `ticket` ended.
    func record(_ outcome: Outcome, for ticket: Ticket) {
        guard ticket.generation == generation else { return }
        switch (phase, outcome) {
        case (.closed, .success):
            phase = .closed(consecutiveFailures: 0)
        case (.closed(let failures), .failure):
            if failures + 1 >= failureThreshold {
                transition(to: .open(until: now() + coolDown))
            } else {
                phase = .closed(consecutiveFailures: failures + 1)
            }
        case (.closed, .abandoned):
            break
        case (.halfOpen, .success):
            transition(to: .closed(consecutiveFailures: 0))
        case (.halfOpen, .failure):
            transition(to: .open(until: now() + coolDown))
        case (.halfOpen, .abandoned):
            transition(to: .halfOpen(probeInFlight: false))
        case (.open, _):
            // Only tickets of an earlier generation could report here; they were filtered above.
            break
        }
    }

    private func transition(to next: Phase) {
        phase = next
        generation += 1
    }

    /// `duration` rounded up to whole seconds, at least 1: the `Retry-After` to announce.
    static func wholeSeconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return max(1, Int(seconds) + (attoseconds > 0 ? 1 : 0))
    }
}

/// An error type that a `CircuitBreaker` can run calls with: which failures count against the
/// service, and how a call refused by the open breaker is told.
public protocol CircuitBreakerFailure: Error {
    /// Whether this failure says the service is unwell (a timeout, no connection, a 5xx), so that
    /// the breaker counts it; any other outcome breaks a run of failures.
    var countsAgainstAvailability: Bool { get }
    /// The error of a call refused while the breaker is open, `retryAfterSeconds` (at least 1)
    /// before it lets a probe through.
    static func circuitOpen(retryAfterSeconds: Int) -> Self
}
