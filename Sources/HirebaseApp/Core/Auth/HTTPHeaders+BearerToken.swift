import Vapor

extension HTTPHeaders {
    /// The token of the first `Authorization` header when it reads `Bearer <token>`: the same
    /// answer as Vapor's `bearerAuthorization?.token`, whose rules it keeps (the value split at
    /// spaces, empty parts dropped; exactly two parts; the first `bearer` in any case).
    ///
    /// Vapor's getter splits the value by `Character`, grapheme cluster by cluster: on a request
    /// with a Supabase token (about 300 bytes) that was 8% of `GET /subscription-status`'s CPU,
    /// paid twice (the rate limiter and authentication both look). An ASCII value (every valid
    /// token's) is split here byte by byte, where a space byte is exactly a space character; any
    /// other value is left to Vapor's getter.
    var bearerToken: String? {
        guard let value = first(name: .authorization) else { return nil }
        return Self.bearerToken(in: value) ?? (value.utf8.allSatisfy { $0 < 0x80 } ? nil : bearerAuthorization?.token)
    }

    /// The token of an all-ASCII `Authorization` value `Bearer <token>`; `nil` for any other
    /// ASCII value and for every value with a non-ASCII byte.
    static func bearerToken(in value: String) -> String? {
        let bytes = value.utf8
        var scheme: Swift.Range<String.Index>?
        var token: Swift.Range<String.Index>?
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            guard byte < 0x80 else { return nil }
            if byte == UInt8(ascii: " ") { bytes.formIndex(after: &index); continue }
            let start = index
            while index < bytes.endIndex, bytes[index] != UInt8(ascii: " ") {
                guard bytes[index] < 0x80 else { return nil }
                bytes.formIndex(after: &index)
            }
            if scheme == nil { scheme = start..<index } else if token == nil { token = start..<index } else { token = nil; scheme = nil; break }
        }
        // A third part: not a bearer value (Vapor's `count == 2`); the rest needs no more looking
        // at unless it has a non-ASCII byte, which the caller checks.
        guard let scheme, let token, bytes[scheme].elementsEqual("bearer".utf8, by: { $0 | 0x20 == $1 }) else { return nil }
        return String(value[token])
    }
}
