/// A plain search for a byte pattern in bytes, for the hot paths where `Collection.firstRange(of:)`
/// and `String.contains` were measured costly (the job move's answer, the log scrub's triggers).
enum ByteSearch {
    /// The offset in `bytes` where `pattern` first occurs, each byte of `bytes` compared after
    /// `fold` (the pattern's bytes as they are); `nil` when it does not occur or is empty.
    /// Linear in `bytes.count` times `pattern.count` at worst.
    static func firstOffset(of pattern: [UInt8], in bytes: UnsafeRawBufferPointer,
                            folding fold: (UInt8) -> UInt8 = { $0 }) -> Int? {
        guard let first = pattern.first, bytes.count >= pattern.count else { return nil }
        for start in 0...(bytes.count - pattern.count) where fold(bytes[start]) == first {
            var matched = 1
            while matched < pattern.count, fold(bytes[start + matched]) == pattern[matched] { matched += 1 }
            if matched == pattern.count { return start }
        }
        return nil
    }

    /// `byte` in lower case when it is an ASCII capital letter, else itself.
    static func lowercasedASCII(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
    }
}
