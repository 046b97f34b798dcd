import Foundation
import NIOConcurrencyHelpers
@testable import HirebaseApp

/// A clock that moves only when a test moves it: as a monotonic instant for
/// `CircuitBreaker(now:)`, and as a `WallClock` for everything that reads the date.
final class ManualClock: Sendable {
    private let start = ContinuousClock.now
    /// The date `wall` answers before any `advance`.
    let startDate: Date
    private let offset = NIOLockedValueBox(Duration.zero)

    /// - Parameter startDate: where the wall clock starts (default: now, to the whole second).
    init(startDate: Date = Date().wholeSeconds) {
        self.startDate = startDate
    }

    var now: ContinuousClock.Instant { start.advanced(by: offset.withLockedValue { $0 }) }

    /// The wall-clock date: `startDate` moved by every `advance`.
    var date: Date {
        startDate.addingTimeInterval(offset.withLockedValue { $0 }.seconds)
    }

    func advance(by duration: Duration) { offset.withLockedValue { $0 += duration } }

    /// `now` as a function to inject.
    var reading: @Sendable () -> ContinuousClock.Instant { { self.now } }

    /// This clock as the app's `WallClock`.
    var wall: WallClock { WallClock { self.date } }
}
