import Foundation
import Testing
@testable import HirebaseApp

/// `Data.base64URLEncodedString()` (tokens, page cursors): byte by byte, the same text as the
/// `replacingOccurrences` form it replaced, and read back by `Data(base64URLEncoded:)`.
@Suite("Base64url")
struct Base64URLTests {
    /// The form it replaced: Foundation's base64 with its `+`, `/` and `=` replaced.
    func reference(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    @Test func everyLengthAndEveryByteEncodeAsBefore() throws {
        var generator = SystemRandomNumberGenerator()
        // Every length's padding (0-2 `=`), bytes that give `+` and `/` (0xfb, 0xff), random ones.
        var samples: [Data] = [Data(), Data([0xfb, 0xff, 0xbf]), Data([0x3e, 0x3f]), Data(0...255)]
        for length in 0..<70 { samples.append(Data((0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) })) }
        for data in samples {
            let encoded = data.base64URLEncodedString()
            #expect(encoded == reference(data))
            #expect(Data(base64URLEncoded: encoded) == data)
        }
        #expect(SecretToken.generate().utf8.count == 43)
    }
}
