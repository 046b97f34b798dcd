/// Lower-case hexadecimal text of bytes (`0x0f, 0xa0` -> `"0fa0"`): the form of Stripe's `v1`
/// signatures and of the SHA-256 hashes Hirebase stores for its tokens.
public enum LowercaseHex {
    private static let digits = Array("0123456789abcdef".utf8)

    /// Two ASCII digits a byte, high nibble first.
    public static func bytes(of data: some Sequence<UInt8>) -> [UInt8] {
        var hex: [UInt8] = []
        hex.reserveCapacity(data.underestimatedCount * 2)
        for byte in data {
            hex.append(digits[Int(byte >> 4)])
            hex.append(digits[Int(byte & 0x0F)])
        }
        return hex
    }

    /// The same as a `String`.
    public static func string(of data: some Sequence<UInt8>) -> String {
        String(decoding: bytes(of: data), as: UTF8.self)
    }
}
