import Foundation

extension Date {
    /// Microseconds since 1970: exact on both databases, used as a sort key.
    var microsecondsSince1970: Int64 { Int64((timeIntervalSince1970 * 1_000_000).rounded()) }

    /// This instant without sub-second digits, as the contract's RFC 3339 timestamps show.
    var wholeSeconds: Date { Date(timeIntervalSince1970: timeIntervalSince1970.rounded(.down)) }
}
