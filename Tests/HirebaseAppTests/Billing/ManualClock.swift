import NIOConcurrencyHelpers

/// A clock that moves only when a test moves it, for `CircuitBreaker(now:)`.
final class ManualClock: Sendable {
    private let start = ContinuousClock.now
    private let offset = NIOLockedValueBox(Duration.zero)

    var now: ContinuousClock.Instant { start.advanced(by: offset.withLockedValue { $0 }) }

    func advance(by duration: Duration) { offset.withLockedValue { $0 += duration } }

    /// `now` as a function to inject.
    var reading: @Sendable () -> ContinuousClock.Instant { { self.now } }
}
