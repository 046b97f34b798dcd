import Testing
@testable import HirebaseApp

@Suite("Byte search")
struct ByteSearchTests {
    private func offset(of pattern: String, in text: String, ignoringCase: Bool = false) -> Int? {
        Array(text.utf8).withUnsafeBytes { bytes in
            ignoringCase ? ByteSearch.firstOffset(of: Array(pattern.utf8), in: bytes, folding: ByteSearch.lowercasedASCII)
                : ByteSearch.firstOffset(of: Array(pattern.utf8), in: bytes)
        }
    }

    /// The first occurrence, at the start, in the middle after a partial match, and at the very end.
    @Test func findsTheFirstOccurrenceWherever() {
        #expect(offset(of: "ab", in: "abab") == 0)
        #expect(offset(of: "aab", in: "aaaab") == 2)
        #expect(offset(of: "]}", in: #"{"history":[]}"#) == 12)
        #expect(offset(of: "x", in: "abc") == nil)
    }

    /// An empty pattern, a pattern longer than the text, and empty text find nothing.
    @Test func degenerateInputsFindNothing() {
        #expect(offset(of: "", in: "abc") == nil)
        #expect(offset(of: "abcd", in: "abc") == nil)
        #expect(offset(of: "a", in: "") == nil)
    }

    /// Folded, the text's ASCII capitals match a lower-case pattern; other bytes are left as they are.
    @Test func foldingLowersASCIICapitalsOnly() {
        #expect(offset(of: "x-csrf-token", in: "X-CSRF-TOKEN: abc", ignoringCase: true) == 0)
        #expect(offset(of: "x-csrf-token", in: "X-CSRF-TOKEN: abc") == nil)
        #expect(offset(of: "{", in: "[", ignoringCase: true) == nil)  // only A-Z are lowered
        #expect(ByteSearch.lowercasedASCII(UInt8(ascii: "@")) == UInt8(ascii: "@"))
        #expect(ByteSearch.lowercasedASCII(UInt8(ascii: "[")) == UInt8(ascii: "["))
        #expect(ByteSearch.lowercasedASCII(UInt8(ascii: "Z")) == UInt8(ascii: "z"))
    }
}
