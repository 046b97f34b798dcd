import Foundation

/// The validator works on arrays of Unicode scalars rather than on `String`, because the rules
/// it mirrors (python `str`, RFC 5321/5322 grammars, IDNA) are defined on code points, while
/// `String` compares and slices by grapheme cluster and treats canonically equivalent strings as
/// equal (`"é" == "e\u{301}"`), which would hide exactly the differences NFC checks look for.
extension Array where Element == Unicode.Scalar {
    /// The scalars as a `String`.
    var text: String {
        var result = String()
        result.unicodeScalars.append(contentsOf: self)
        return result
    }

    /// Builds the scalars of an ASCII literal; used for the fixed pieces of the grammar.
    init(ascii literal: String) {
        self = Array(literal.unicodeScalars)
    }

    /// Canonical composition (NFC, UAX #15), the form RFC 6532 §3.1 and IDNA2008 (RFC 5891 §5.2)
    /// expect. Pure ASCII is already NFC, which spares Foundation the common case.
    var nfc: [Unicode.Scalar] {
        if allSatisfy(\.isASCII) { return self }
        return Array(text.precomposedStringWithCanonicalMapping.unicodeScalars)
    }

    /// Compatibility composition (NFKC), used to approximate the UTS #46 mapping and the IDNA2008
    /// "unstable" test (RFC 5892 §2.2).
    var nfkc: [Unicode.Scalar] {
        if allSatisfy(\.isASCII) { return self }
        return Array(text.precomposedStringWithCompatibilityMapping.unicodeScalars)
    }

    /// Compatibility decomposition (NFKD), the first half of the UTS #46 mapping.
    var nfkd: [Unicode.Scalar] {
        if allSatisfy(\.isASCII) { return self }
        return Array(text.decomposedStringWithCompatibilityMapping.unicodeScalars)
    }

    /// Length in UTF-8 octets, the unit RFC 5321 §4.5.3.1 limits are counted in once SMTPUTF8
    /// (RFC 6531) is in play.
    var utf8Count: Int {
        reduce(0) { $0 + UTF8.width($1) }
    }

    /// Code-point-wise equality, deliberately stricter than `String ==`.
    func sameScalars(as other: [Unicode.Scalar]) -> Bool {
        elementsEqual(other)
    }

    func hasPrefix(_ prefix: [Unicode.Scalar]) -> Bool {
        count >= prefix.count && self[..<prefix.count].elementsEqual(prefix)
    }

    func hasSuffix(_ suffix: [Unicode.Scalar]) -> Bool {
        count >= suffix.count && self[(count - suffix.count)...].elementsEqual(suffix)
    }

    /// Whether `needle` occurs as a contiguous run (python's `in` for strings).
    func containsRun(_ needle: [Unicode.Scalar]) -> Bool {
        guard !needle.isEmpty else { return true }
        guard count >= needle.count else { return false }
        for start in 0...(count - needle.count)
        where self[start..<(start + needle.count)].elementsEqual(needle) {
            return true
        }
        return false
    }

    /// Python's `str.split(sep)`: empty pieces are kept, so `"a..b"` gives three labels.
    func pieces(separatedBy separator: Unicode.Scalar) -> [[Unicode.Scalar]] {
        split(separator: separator, omittingEmptySubsequences: false).map(Array.init)
    }

    /// Python's ordering of `str` values: lexicographic by code point.
    func precedesByCodePoint(_ other: [Unicode.Scalar]) -> Bool {
        lexicographicallyPrecedes(other) { $0.value < $1.value }
    }
}
