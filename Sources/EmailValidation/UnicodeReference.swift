/// The Unicode version whose character repertoire the validator assumes.
///
/// python `email-validator` takes general categories, character names and bidi classes from the
/// interpreter's `unicodedata`, so its verdict on a character assigned in a recent Unicode
/// version depends on the python release: to CPython 3.11 (Unicode 14.0) such a character is
/// unassigned, hence unsafe, and an `xn--` label that decodes to it has "unknown
/// directionality". The Swift runtime knows newer versions (16 or 17), so without a pin this
/// validator would accept addresses that the python side refuses.
///
/// Pinned to Unicode 14.0, CPython 3.11's version, which is what the fixture verdicts and the
/// exhaustive per-code-point comparison were checked against. Characters assigned after it are
/// treated as unassigned (general category Cn, no name, no bidi class). Raising the pin follows a
/// newer python (3.12: 15.0, 3.13: 15.1, 3.14: 16.0), but needs re-checking against it.
enum UnicodeReference {
    static let version = (major: 14, minor: 0)

    /// Whether `scalar` is assigned in the reference version.
    static func isAssigned(_ scalar: Unicode.Scalar) -> Bool {
        guard let age = scalar.properties.age,
              scalar.properties.generalCategory != .unassigned else { return false }
        return (age.major, age.minor) <= version
    }
}
