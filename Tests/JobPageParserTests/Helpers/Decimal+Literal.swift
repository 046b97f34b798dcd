import Foundation

extension Decimal {
    /// Exact decimal from its text, so expectations are not routed through Double.
    static func exactly(_ text: String) -> Decimal {
        Decimal(string: text, locale: Locale(identifier: "en_US_POSIX"))!
    }
}
