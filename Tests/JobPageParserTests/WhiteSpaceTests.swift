import JSONTree
import Foundation
import Testing

@testable import JobPageParser

/// The white-space checks that replaced slower library calls answer exactly as those did.
@Suite struct WhiteSpaceTests {
    @Test func trimmedCharactersAreFoundationsWhitespacesAndNewlines() {
        // Every scalar Foundation's set holds is below U+3001; the planes above hold none.
        let candidates = Array(UInt32(0)...0x3100) + [0xFEFF, 0x1_F600, 0xE_0020]

        for value in candidates {
            guard let scalar = Unicode.Scalar(value) else { continue }
            #expect(
                JSONValue.isWhiteSpaceOrNewline(scalar) == CharacterSet.whitespacesAndNewlines.contains(scalar),
                "U+\(String(value, radix: 16))")
        }
    }

    @Test func trimmingGivesFoundationsResult() {
        let samples = [
            " a ", "\u{200B}x\u{200B}", "\u{3000}\u{301}\u{3000}", "  ", "", "x\u{85}", "\u{1F600} ",
            " \u{301}a", "\n\tTitle\r\n", "no trimming", "\u{A0}\u{2028}mid dle\u{2029}\u{A0}",
        ]

        for sample in samples {
            #expect(JSONValue.trimmingWhiteSpace(sample) == sample.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }

    @Test func asciiWhiteSpaceIsTheUnicodeProperty() {
        for value in UInt8(0)...0x7F {
            let scalar = Unicode.Scalar(value)
            #expect(TextBuilder.isWhitespace(scalar) == scalar.properties.isWhitespace, "\(value)")
        }
    }
}
