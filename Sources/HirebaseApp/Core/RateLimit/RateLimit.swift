/// One class's limit: `count` calls per `periodSeconds`, as a token bucket (GCRA, the "generic
/// cell rate algorithm" of ITU-T I.371): a burst of up to `count` calls, refilled evenly at one
/// call per `periodSeconds / count`. Unlike fixed windows it has no boundary where twice the
/// limit gets through.
public struct RateLimit: Sendable, Equatable, CustomStringConvertible {
    /// Calls allowed in a burst, and per period on average (>= 1).
    public var count: Int
    /// The period in seconds: 1 (`s`), 60 (`m`) or 3600 (`h`).
    public var periodSeconds: Int

    public init(count: Int, periodSeconds: Int) {
        self.count = count
        self.periodSeconds = periodSeconds
    }

    /// Microseconds between two calls at the sustained rate (the GCRA "emission interval"),
    /// at least 1.
    var emissionIntervalMicros: Int64 {
        max(1, Int64(periodSeconds) * 1_000_000 / Int64(count))
    }

    public var description: String {
        let unit = periodSeconds == 1 ? "s" : (periodSeconds == 60 ? "m" : "h")
        return "\(count)/\(unit)"
    }
}
