/// Internationalized domain names as python `email-validator` 2.3 handles them through the idna
/// package (IDNA2008, RFC 5890-5893, with the UTS #46 mapping in front).
///
/// Covered:
/// - UTS #46 mapping, non-transitional, without STD3 rules (``UTS46Mapping``);
/// - A-label and U-label conversion with Punycode (RFC 3492, ``Punycode``), including the
///   idna package's checks on `xn--` labels (non-empty, no trailing hyphen, decodable);
/// - the label checks of RFC 5891 §5.4: NFC, hyphen placement, no leading combining mark,
///   IDNA2008 code point classes (``IDNACodePointClass``), CONTEXTO rules and the virama rule
///   for joiners (``IDNAContextRule``), and the RFC 5893 bidi rule per label (``BidiClass``);
/// - the 63-octet label and 253-octet domain limits (RFC 1035 §2.3.4).
///
/// Not covered: the Arabic joining-type rule for ZERO WIDTH NON-JOINER (such joiners are refused,
/// which the address check would do anyway, so only the message can differ), and code points
/// newer than the runtime's Unicode data. Characters newer than ``UnicodeReference`` fail the
/// bidi step for lack of a direction, as they do in python. Error texts are the idna package's,
/// because the python library quotes them.
enum IDNA {
    /// A refusal, worded as the idna package's `IDNAError`.
    struct Failure: Error {
        let message: String
    }

    /// The characters the idna package accepts as label separators when splitting.
    private static let dots: Set<Unicode.Scalar> = [".", "\u{3002}", "\u{FF0E}", "\u{FF61}"]

    /// UTS #46 processing step 1-2: map every code point, then NFC.
    static func uts46Remap(_ domain: [Unicode.Scalar]) throws(Failure) -> [Unicode.Scalar] {
        var output: [Unicode.Scalar] = []
        output.reserveCapacity(domain.count)
        for (index, scalar) in domain.enumerated() {
            switch UTS46Mapping.status(of: scalar) {
            case .valid:
                output.append(scalar)
            case .mapped(let replacement):
                output.append(contentsOf: replacement)
            case .ignored:
                continue
            case .disallowed:
                throw Failure(message: "Codepoint \(CharacterDisplay.codePoint(scalar.value)) not "
                    + "allowed at position \(index + 1) in \(CharacterDisplay.pythonRepr(domain))")
            }
        }
        return output.nfc
    }

    /// Converts one label to its ASCII form (an A-label when it holds non-ASCII), checking it.
    static func aLabel(_ label: [Unicode.Scalar]) throws(Failure) -> [Unicode.Scalar] {
        if label.allSatisfy(\.isASCII) {
            // An ASCII label is checked as a U-label would be (so a fake `xn--` label fails),
            // but returned as given.
            _ = try uLabel(label)
            if label.count > 63 { throw Failure(message: "Label too long") }
            return label
        }
        try checkLabel(label.map(\.value))
        let encoded = [Unicode.Scalar](ascii: "xn--") + Punycode.encode(label)
        if encoded.count > 63 { throw Failure(message: "Label too long") }
        return encoded
    }

    /// Converts one ASCII label to its Unicode form, decoding `xn--` labels, and checks it.
    static func uLabel(_ label: [Unicode.Scalar]) throws(Failure) -> [Unicode.Scalar] {
        let lowered = label.map(\.asciiLowercased)
        let prefix = [Unicode.Scalar](ascii: "xn--")
        guard lowered.hasPrefix(prefix) else {
            try checkLabel(lowered.map(\.value))
            return lowered
        }
        let encoded = Array(lowered.dropFirst(prefix.count))
        if encoded.isEmpty {
            throw Failure(message: "Malformed A-label, no Punycode eligible content found")
        }
        if encoded.last == "-" {
            throw Failure(message: "A-label must not end with a hyphen")
        }
        guard let decoded = Punycode.decode(encoded) else {
            throw Failure(message: "Invalid A-label")
        }
        try checkLabel(decoded)
        // checkLabel refuses surrogates, so every value is a scalar now.
        return decoded.compactMap(Unicode.Scalar.init)
    }

    /// `idna.decode`: the Unicode form of a whole (ASCII) domain.
    static func decode(_ domain: [Unicode.Scalar]) throws(Failure) -> [Unicode.Scalar] {
        var labels = try splitLabels(domain)
        var result: [[Unicode.Scalar]] = []
        let trailingDot = labels.last?.isEmpty == true
        if trailingDot { labels.removeLast() }
        for label in labels {
            let decoded = try uLabel(label)
            if decoded.isEmpty { throw Failure(message: "Empty label") }
            result.append(decoded)
        }
        if trailingDot { result.append([]) }
        return Array(result.joined(separator: [Unicode.Scalar("." as Unicode.Scalar)]))
    }

    /// `idna.encode`: the ASCII form of a whole domain, with the total length limit.
    static func encode(_ domain: [Unicode.Scalar]) throws(Failure) -> [Unicode.Scalar] {
        var labels = try splitLabels(domain)
        var result: [[Unicode.Scalar]] = []
        let trailingDot = labels.last?.isEmpty == true
        if trailingDot { labels.removeLast() }
        for label in labels {
            let encoded = try aLabel(label)
            if encoded.isEmpty { throw Failure(message: "Empty label") }
            result.append(encoded)
        }
        if trailingDot { result.append([]) }
        let joined = Array(result.joined(separator: [Unicode.Scalar("." as Unicode.Scalar)]))
        if joined.count > (trailingDot ? 254 : 253) { throw Failure(message: "Domain too long") }
        return joined
    }

    private static func splitLabels(_ domain: [Unicode.Scalar]) throws(Failure) -> [[Unicode.Scalar]] {
        let labels = domain.split(omittingEmptySubsequences: false, whereSeparator: dots.contains)
            .map(Array.init)
        if labels.isEmpty || (labels.count == 1 && labels[0].isEmpty) {
            throw Failure(message: "Empty domain")
        }
        return labels
    }

    /// RFC 5891 §5.4 label validation. Takes raw code points because a decoded Punycode label
    /// may hold a surrogate, which must fail as a disallowed code point rather than crash.
    static func checkLabel(_ codes: [UInt32]) throws(Failure) {
        guard !codes.isEmpty else { throw Failure(message: "Empty Label") }
        // Surrogates stand in as U+FFFD, which like them neither composes nor reorders.
        let scalars = codes.map { Unicode.Scalar($0) ?? "\u{FFFD}" }
        let repr = CharacterDisplay.pythonRepr(codes: codes)

        if !scalars.nfc.sameScalars(as: scalars) {
            throw Failure(message: "Label must be in Normalization Form C")
        }
        if codes.count >= 4 && codes[2] == 0x2D && codes[3] == 0x2D {
            throw Failure(message: "Label has disallowed hyphens in 3rd and 4th position")
        }
        if codes.first == 0x2D || codes.last == 0x2D {
            throw Failure(message: "Label must not start or end with a hyphen")
        }
        if Unicode.Scalar(codes[0])?.majorCategory == "M" {
            throw Failure(message: "Label begins with an illegal combining character")
        }
        for (index, code) in codes.enumerated() {
            let position = index + 1
            let shown = CharacterDisplay.codePoint(code)
            switch IDNACodePointClass.of(code) {
            case .pvalid:
                continue
            case .contextJ:
                if !IDNAContextRule.allowsJoiner(in: scalars, at: index) {
                    throw Failure(message: "Joiner \(shown) not allowed at position \(position) in \(repr)")
                }
            case .contextO:
                if !IDNAContextRule.allowsContextO(in: scalars, at: index) {
                    throw Failure(message: "Codepoint \(shown) not allowed at position \(position) in \(repr)")
                }
            case .disallowed:
                throw Failure(message: "Codepoint \(shown) at position \(position) of \(repr) not allowed")
            }
        }
        try checkBidi(scalars, repr: repr)
    }

    /// The RFC 5893 §2 bidi rule, applied (as the idna package does) only to labels that
    /// contain a right-to-left character.
    private static func checkBidi(_ label: [Unicode.Scalar], repr: String) throws(Failure) {
        // Python has no bidi class for characters its Unicode version does not know.
        if let unknown = label.firstIndex(where: { !UnicodeReference.isAssigned($0) }) {
            throw Failure(message: "Unknown directionality in label \(repr) at position \(unknown + 1)")
        }
        let classes = label.map(BidiClass.of)
        guard classes.contains(where: \.isRightToLeft), let first = classes.first else { return }
        let rightToLeft: Bool
        switch first {
        case .r, .al: rightToLeft = true
        case .l: rightToLeft = false
        default:
            throw Failure(message: "First codepoint in label \(repr) must be directionality L, R or AL")
        }
        var validEnding = false
        var numberType: BidiClass?
        for (index, bidi) in classes.enumerated() {
            if rightToLeft {
                // Rule 2: L is the only class IDNA2008 lets into a label that is not allowed here.
                if bidi == .l {
                    throw Failure(message: "Invalid direction for codepoint at position \(index + 1) "
                        + "in a right-to-left label")
                }
                // Rule 3: end with R, AL, EN or AN, then only marks.
                if [.r, .al, .en, .an].contains(bidi) {
                    validEnding = true
                } else if bidi != .nsm {
                    validEnding = false
                }
                // Rule 4: European and Arabic-Indic digits do not mix.
                if bidi == .an || bidi == .en {
                    if let numberType, numberType != bidi {
                        throw Failure(message: "Can not mix numeral types in a right-to-left label")
                    }
                    numberType = bidi
                }
            } else {
                // Rule 5: no right-to-left characters in a left-to-right label.
                if bidi.isRightToLeft {
                    throw Failure(message: "Invalid direction for codepoint at position \(index + 1) "
                        + "in a left-to-right label")
                }
                // Rule 6: end with L or EN, then only marks.
                if bidi == .l || bidi == .en {
                    validEnding = true
                } else if bidi != .nsm {
                    validEnding = false
                }
            }
        }
        if !validEnding {
            throw Failure(message: "Label ends with illegal codepoint directionality")
        }
    }
}
