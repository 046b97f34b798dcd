/// The bidirectional class (UAX #9, UnicodeData.txt field 4) of the code points that can appear
/// in an IDNA2008 label, as far as the RFC 5893 bidi rule needs it.
///
/// The Swift standard library does not expose bidi classes, so this keeps a small table: the
/// code points that IDNA2008 permits (PVALID, CONTEXTO, CONTEXTJ) whose class is not the
/// default one for their general category (NSM for non-spacing and enclosing marks, L for
/// everything else). It was taken from the Unicode 14 data that python 3.11's `unicodedata`,
/// and so the python library's verdicts, use; scripts added later default to L or NSM here.
enum BidiClass: Equatable {
    case l, r, al, an, en, es, on, bn, nsm

    static func of(_ scalar: Unicode.Scalar) -> BidiClass {
        let value = scalar.value
        for (bidiClass, ranges) in table where ranges.contains(where: { $0.contains(value) }) {
            return bidiClass
        }
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .enclosingMark: return .nsm
        default: return .l
        }
    }

    /// Right-to-left classes, whose presence makes a label a "bidi label".
    var isRightToLeft: Bool {
        self == .r || self == .al || self == .an
    }

    private static let table: [(BidiClass, [ClosedRange<UInt32>])] = [
        (.r, right), (.al, arabicLetter), (.an, arabicNumber), (.en, europeanNumber),
        (.es, [0x002D...0x002D]), (.on, otherNeutral), (.bn, [0x200C...0x200D]),
        (.l, leftToRightMarks),
    ]

    private static let right: [ClosedRange<UInt32>] = [
        0x05D0...0x05EA, 0x05EF...0x05F4, 0x07C0...0x07EA, 0x07F4...0x07F5, 0x0800...0x0815,
        0x081A...0x081A, 0x0824...0x0824, 0x0828...0x0828, 0x0840...0x0858, 0x10800...0x10805,
        0x10808...0x10808, 0x1080A...0x10835, 0x10837...0x10838, 0x1083C...0x1083C,
        0x1083F...0x10855, 0x10860...0x10876, 0x10880...0x1089E, 0x108E0...0x108F2,
        0x108F4...0x108F5, 0x10900...0x10915, 0x10920...0x10939, 0x10980...0x109B7,
        0x109BE...0x109BF, 0x10A00...0x10A00, 0x10A10...0x10A13, 0x10A15...0x10A17,
        0x10A19...0x10A35, 0x10A60...0x10A7C, 0x10A80...0x10A9C, 0x10AC0...0x10AC7,
        0x10AC9...0x10AE4, 0x10B00...0x10B35, 0x10B40...0x10B55, 0x10B60...0x10B72,
        0x10B80...0x10B91, 0x10C00...0x10C48, 0x10CC0...0x10CF2, 0x10E80...0x10EA9,
        0x10EB0...0x10EB1, 0x10F00...0x10F1C, 0x10F27...0x10F27, 0x10F70...0x10F81,
        0x10FB0...0x10FC4, 0x10FE0...0x10FF6, 0x1E800...0x1E8C4, 0x1E922...0x1E943,
        0x1E94B...0x1E94B, 0x1E950...0x1E959,
    ]

    private static let arabicLetter: [ClosedRange<UInt32>] = [
        0x0620...0x063F, 0x0641...0x064A, 0x066E...0x066F, 0x0671...0x0674, 0x0679...0x06D3,
        0x06D5...0x06D5, 0x06E5...0x06E6, 0x06EE...0x06EF, 0x06FA...0x06FF, 0x0710...0x0710,
        0x0712...0x072F, 0x074D...0x07A5, 0x07B1...0x07B1, 0x0860...0x086A, 0x0870...0x0887,
        0x0889...0x088E, 0x08A0...0x08C9, 0xFE73...0xFE73, 0x10D00...0x10D23, 0x10F30...0x10F45,
    ]

    private static let arabicNumber: [ClosedRange<UInt32>] = [
        0x0660...0x0669, 0x10D30...0x10D39,
    ]

    private static let europeanNumber: [ClosedRange<UInt32>] = [
        0x0030...0x0039, 0x06F0...0x06F9,
    ]

    private static let otherNeutral: [ClosedRange<UInt32>] = [
        0x00B7...0x00B7, 0x02B9...0x02BA, 0x02C6...0x02CF, 0x02EC...0x02EC, 0x0375...0x0375,
        0x2E2F...0x2E2F, 0x30FB...0x30FB, 0xA67F...0xA67F, 0xA717...0xA71F, 0xA788...0xA788,
    ]

    /// Non-spacing marks whose class is L nevertheless.
    private static let leftToRightMarks: [ClosedRange<UInt32>] = [
        0x0CBF...0x0CBF, 0x0CC6...0x0CC6, 0x11A07...0x11A08, 0x11C3F...0x11C3F,
    ]
}
