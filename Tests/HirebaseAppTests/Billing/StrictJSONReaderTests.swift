import BillingCore
import Foundation
import JSONTree
import Testing
@testable import HirebaseApp

/// The webhook's fast JSON reader gives `JSONDecoder`'s value for everything it reads, and leaves
/// everything else (`nil`) to `JSONDecoder`.
@Suite("StrictJSONReader")
struct StrictJSONReaderTests {
    /// The Stripe payloads of BillingCore's fixtures (events of several API versions, objects).
    private static func stripeFixtures() throws -> [(String, Data)] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("BillingCoreTests/Fixtures")
        var found: [(String, Data)] = []
        for folder in ["events", "stripe-public", "stripe-python-signed"] {
            let directory = root.appendingPathComponent(folder)
            for name in try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() where name.hasSuffix(".json") {
                found.append((folder + "/" + name, try Data(contentsOf: directory.appendingPathComponent(name))))
            }
        }
        return found
    }

    @Test func stripePayloadsReadAsJSONDecoderReadsThem() throws {
        let fixtures = try Self.stripeFixtures()
        #expect(fixtures.count >= 20)
        var read = 0
        for (name, data) in fixtures {
            let expected = try JSONValue(parsing: data)
            if let value = StrictJSONReader.value(of: data) {
                #expect(value == expected, "\(name)")
                read += 1
            }
        }
        // Only payloads with a fractional number go to JSONDecoder.
        #expect(read >= fixtures.count - 3, "\(read) of \(fixtures.count)")
        let event = StripeEvents.event(type: "customer.subscription.updated", created: 1_764_547_200, object: StripeEvents.subscription(userID: UUID()))
        #expect(try StripeWebhookController.event(from: event) == StripeEvent(payload: event))
    }

    @Test(arguments: [
        #"{}"#, #"[]"#, #" { "a" : [ 1 , -2 , 0 , 9223372036854775807, -9223372036854775807 ] } "#, #"{"t":true,"f":false,"n":null}"#,
        #"{"s":"plain","e":"q\"b\\s\/n\nr\rt\tb\bf\f","u":"\u00e9\u4e2d\ud83d\ude00","raw":"é中😀","nul":"a\u0000b","empty":""}"#,
        #"[[[{"deep":[{}]}]]]"#, #""just a string""#, "12", "null",
    ])
    func readsWhatJSONDecoderReads(text: String) throws {
        let data = Data(text.utf8)
        let value = try #require(StrictJSONReader.value(of: data))
        #expect(value == (try JSONValue(parsing: data)))
    }

    /// Left to JSONDecoder: numbers that are not `Int64` integers, `-0`, repeated keys, lone
    /// surrogates, raw control characters, invalid UTF-8, nesting past the limit, and non-JSON.
    @Test(arguments: [
        #"{"a":1.5}"#, #"{"a":1e3}"#, #"{"a":1E3}"#, #"{"a":-0}"#, #"{"a":01}"#, #"{"a":9223372036854775808}"#, #"{"a":-}"#,
        #"{"a":1,"a":2}"#, #"{"a":"\ud83d"}"#, #"{"a":"\ude00x"}"#, #"{"a":"\u12"}"#, #"{"a":"\x"}"#, "{\"a\":\"tab\there\"}",
        #"{"a":1,}"#, #"[1,]"#, #"{"a" 1}"#, #"{a:1}"#, #"{"a":tru}"#, #"{"a":nul}"#, #"{"a":1} x"#, "", " ", #"{"a":"#, #"""#,
        "\u{FEFF}{}", String(repeating: "[", count: 65) + String(repeating: "]", count: 65),
    ])
    func leavesTheRestToJSONDecoder(text: String) {
        #expect(StrictJSONReader.value(of: Data(text.utf8)) == nil)
    }

    @Test func invalidUTF8IsLeftToJSONDecoder() {
        #expect(StrictJSONReader.value(of: Data([0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0xC3, 0x28, 0x22, 0x7D])) == nil)
        #expect(StrictJSONReader.value(of: Data([0x22, 0xFF, 0x22])) == nil)
    }

    /// 64 levels are read, as deep as the limit allows.
    @Test func nestingUpToTheLimitIsRead() {
        let text = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(StrictJSONReader.value(of: Data(text.utf8)) != nil)
    }
}
