import Foundation

/// The time source of everything that reads the time: expiry, leases, billing periods, caches,
/// JWKS refresh, stage-change stamps. Built once by `ServiceFactory` (the system clock) and
/// passed to whatever needs it, so that tests move time instead of sleeping (STYLE.md habit 13).
///
/// A value type around one function: cheap to copy into services and actors. `Date`, not a
/// monotonic instant, because every use compares with stored timestamps or with Stripe's.
public struct WallClock: Sendable {
    private let read: @Sendable () -> Date

    /// A clock that answers `read()`.
    public init(_ read: @escaping @Sendable () -> Date) {
        self.read = read
    }

    /// The current time.
    public func now() -> Date { read() }

    /// The machine's clock (`Date()`).
    public static let system = WallClock { Date() }
}
