/// The limits of every rate class, from `RATE_LIMITS` (`API.md` § Conventions).
///
/// Format: a comma-separated list of `class=N/period` (period `s`, `m` or `h`; N from 1 to
/// 1,000,000) or `class=off`; classes not named keep their defaults
/// (`read=600/m,write=120/m,costly=30/m,anonymous=60/m`). `nil` for a class means unlimited.
public struct RateLimitPolicy: Sendable, Equatable {
    /// The documented defaults.
    public static let defaults = RateLimitPolicy(limits: [
        .read: RateLimit(count: 600, periodSeconds: 60),
        .write: RateLimit(count: 120, periodSeconds: 60),
        .costly: RateLimit(count: 30, periodSeconds: 60),
        .anonymous: RateLimit(count: 60, periodSeconds: 60),
    ])

    /// Every class turned off (tests that are not about rate limits).
    public static let off = RateLimitPolicy(limits: [:])

    /// The limit of each class; a missing class is unlimited.
    public var limits: [RateClass: RateLimit]

    public init(limits: [RateClass: RateLimit]) {
        self.limits = limits
    }

    /// The limit of `rateClass`, `nil` when it is off.
    public subscript(_ rateClass: RateClass) -> RateLimit? { limits[rateClass] }

    /// Parses `RATE_LIMITS` over the defaults.
    /// - Returns: the policy, and one message per malformed entry (empty when it is valid).
    public static func parse(_ text: String) -> (RateLimitPolicy, [String]) {
        var policy = defaults
        var problems: [String] = []
        for rawEntry in text.split(separator: ",") {
            let entry = rawEntry.trimmingCharacters(in: .whitespaces)
            guard !entry.isEmpty else { continue }
            let parts = entry.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, let rateClass = RateClass(rawValue: parts[0].lowercased()) else {
                problems.append("RATE_LIMITS entry \"\(entry)\" must be class=N/period with class one of \(RateClass.allCases.map(\.rawValue).joined(separator: ", "))")
                continue
            }
            if parts[1].lowercased() == "off" {
                policy.limits[rateClass] = nil
                continue
            }
            let rate = parts[1].split(separator: "/", maxSplits: 1)
            let periods = ["s": 1, "m": 60, "h": 3600]
            guard rate.count == 2, let count = Int(rate[0]), (1...1_000_000).contains(count),
                  let period = periods[rate[1].lowercased()] else {
                problems.append("RATE_LIMITS entry \"\(entry)\" must be class=N/period (N 1...1000000, period s, m or h) or class=off")
                continue
            }
            policy.limits[rateClass] = RateLimit(count: count, periodSeconds: period)
        }
        return (policy, problems)
    }

    /// `read=600/m, write=off, ...` for the start-up report.
    public var summary: String {
        RateClass.allCases.map { "\($0.rawValue)=\(limits[$0]?.description ?? "off")" }.joined(separator: ", ")
    }
}

import Foundation
