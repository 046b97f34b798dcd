import Foundation
import Testing
@testable import BillingCore

@Suite struct StripeSignatureTests {
    private let secret = "whsec_test_hirebase_signing_secret"
    private let payload = Data(#"{"id":"evt_1","object":"event","type":"invoice.paid"}"#.utf8)
    private let timestamp = 1_767_618_062
    private var now: Date { Date(timeIntervalSince1970: TimeInterval(timestamp + 10)) }

    private func verify(_ header: String?, payload: Data? = nil, secrets: [String]? = nil, now: Date? = nil) -> StripeSignatureError? {
        do {
            try StripeSignature(secrets: secrets ?? [secret]).verify(payload: payload ?? self.payload, header: header, now: now ?? self.now)
            return nil
        } catch {
            return error
        }
    }

    private func v1(_ secret: String? = nil, payload: Data? = nil, timestamp: Int? = nil) -> String {
        let header = StripeSignature.header(for: payload ?? self.payload, secret: secret ?? self.secret, timestamp: timestamp ?? self.timestamp)
        return String(header.split(separator: ",")[1].dropFirst(3))
    }

    @Test func validSignatureIsAccepted() throws {
        let header = StripeSignature.header(for: payload, secret: secret, timestamp: timestamp)
        #expect(header == "t=\(timestamp),v1=\(v1())")
        #expect(v1().count == 64)
        #expect(try StripeSignature(secrets: [secret]).verify(payload: payload, header: header, now: now) == timestamp)
    }

    @Test func knownAnswer() {
        // HMAC-SHA256("whsec_test_hirebase_signing_secret", "1767618062.{payload}"), computed with
        // Python's hmac module; pins the signed-payload layout independently of `header(for:)`.
        #expect(v1() == "0db156a6215abcf84e0b093544c9052aebd5c0b63bba6e277e1bdea5f8dcbbfb")
    }

    @Test func oneValidAmongSeveralV1IsAccepted() {
        let header = "t=\(timestamp),v1=\(v1("whsec_other")),v1=\(v1()),v1=deadbeef"
        #expect(verify(header) == nil)
    }

    @Test func otherSchemesAreIgnored() {
        #expect(verify("t=\(timestamp),v0=\(v1("whsec_legacy")),v1=\(v1()),v2=future-scheme,x=1") == nil)
        #expect(verify("v0=abc,v1=\(v1()),t=\(timestamp)") == nil)
    }

    @Test func rotationSecondSecretMatches() {
        let header = StripeSignature.header(for: payload, secret: "whsec_new", timestamp: timestamp)
        #expect(verify(header, secrets: ["whsec_old", "whsec_new"]) == nil)
        #expect(verify(header, secrets: ["whsec_new", "whsec_old"]) == nil)
        #expect(verify(header, secrets: ["whsec_old"]) == .noMatchingSignature)
    }

    @Test func tamperedBodyIsRefused() {
        let header = StripeSignature.header(for: payload, secret: secret, timestamp: timestamp)
        var tampered = payload
        tampered[tampered.count - 2] = UInt8(ascii: "X")
        #expect(verify(header, payload: tampered) == .noMatchingSignature)
        #expect(verify(header, payload: payload + Data("\n".utf8)) == .noMatchingSignature)
    }

    @Test func tamperedTimestampIsRefused() {
        #expect(verify("t=\(timestamp + 1),v1=\(v1())") == .noMatchingSignature)
    }

    @Test func wrongSecretIsRefused() {
        let header = StripeSignature.header(for: payload, secret: "whsec_attacker", timestamp: timestamp)
        #expect(verify(header) == .noMatchingSignature)
    }

    @Test func upperCaseHexIsRefusedLikeStripePython() {
        #expect(verify("t=\(timestamp),v1=\(v1().uppercased())") == .noMatchingSignature)
    }

    @Test func oldTimestampIsRefused() {
        let old = timestamp - 301
        let header = StripeSignature.header(for: payload, secret: secret, timestamp: old)
        let at = Date(timeIntervalSince1970: TimeInterval(timestamp))
        #expect(verify(header, now: at) == .timestampOutsideTolerance(timestamp: old))
        // Exactly at the tolerance is still accepted: stripe-python refuses only `t < now - tolerance`.
        let edge = StripeSignature.header(for: payload, secret: secret, timestamp: timestamp - 300)
        #expect(verify(edge, now: at) == nil)
    }

    @Test func futureTimestampIsAcceptedLikeStripesLibraries() {
        let future = StripeSignature.header(for: payload, secret: secret, timestamp: timestamp + 86_400)
        #expect(verify(future) == nil)
    }

    @Test func zeroToleranceDisablesTheAgeCheck() throws {
        let header = StripeSignature.header(for: payload, secret: secret, timestamp: 1_000)
        let verifier = StripeSignature(secrets: [secret], tolerance: 0)
        #expect(try verifier.verify(payload: payload, header: header, now: now) == 1_000)
    }

    @Test func signatureIsCheckedBeforeAge() {
        // Same order as stripe-python: a forged old header is reported as a signature mismatch.
        let header = StripeSignature.header(for: payload, secret: "whsec_attacker", timestamp: 1_000)
        #expect(verify(header) == .noMatchingSignature)
    }

    @Test func missingHeader() {
        #expect(verify(nil) == .missingHeader)
        #expect(verify("") == .missingHeader)
    }

    @Test(arguments: [
        "garbage",
        "v1=abc",
        "t=,v1=abc",
        "t=abc,v1=abc",
        "t=-5,v1=abc",
        "t= 5,v1=abc",
        "t=99999999999999999999999,v1=abc",
        "t,v1=abc",
        "t=5,v1",
        "t=5,t",
    ])
    func malformedHeader(header: String) {
        #expect(verify(header) == .malformedHeader)
    }

    @Test func noV1Signature() {
        #expect(verify("t=\(timestamp)") == .noSignaturesForScheme)
        #expect(verify("t=\(timestamp),v0=\(v1())") == .noSignaturesForScheme)
        #expect(verify("t=\(timestamp),V1=\(v1())") == .noSignaturesForScheme)
        #expect(verify("t=\(timestamp), v1=\(v1())") == .noSignaturesForScheme) // Python does not trim either
    }

    @Test func noUsableSecret() {
        let header = StripeSignature.header(for: payload, secret: secret, timestamp: timestamp)
        #expect(verify(header, secrets: []) == .noSecretConfigured)
        #expect(verify(header, secrets: ["", "  \t"]) == .noSecretConfigured)
        #expect(StripeSignature(secrets: ["", secret, " "]).secrets == [secret])
    }

    @Test func headerParsingFollowsStripePython() throws {
        // The first `t` wins; the value ends at a second "=" (Python's split("=", 2)); the signed
        // timestamp is the parsed integer, so leading zeros are dropped.
        #expect(verify("t=\(timestamp),t=1,v1=\(v1())") == nil)
        #expect(verify("t=\(timestamp),v1=\(v1())=trailing") == nil)
        #expect(verify("t=000\(timestamp),v1=\(v1())") == nil)
        let parsed = try StripeSignature.parse(header: "t=42,v1=a,v0=b,v1=c=d,,x")
        #expect(parsed.timestamp == 42)
        #expect(parsed.signatures.map { String(decoding: $0, as: UTF8.self) } == ["a", "c"])
    }

    @Test func combiningMarkAfterSeparatorDoesNotHideIt() throws {
        // Swift would make "," + U+0301 one Character; Python splits on the comma regardless.
        let parsed = try StripeSignature.parse(header: "t=42,\u{301}x=1,v1=abc")
        #expect(parsed.signatures.map { String(decoding: $0, as: UTF8.self) } == ["abc"])
    }

    @Test func nonASCIISignatureDoesNotMatch() {
        #expect(verify("t=\(timestamp),v1=é\(v1().dropFirst())") == .noMatchingSignature)
    }

    @Test func bytePayloadsOfAnyKindVerify() throws {
        let header = StripeSignature.header(for: Array(payload), secret: secret, timestamp: timestamp)
        #expect(try StripeSignature(secrets: [secret]).verify(payload: Array(payload), header: header, now: now) == timestamp)
        #expect(try StripeSignature(secrets: [secret]).verify(payload: payload[...], header: header, now: now) == timestamp)
    }

    @Test func nonUTF8BodyIsHashedAsRawBytes() {
        let body = Data([0x7B, 0xFF, 0xFE, 0x7D])
        let header = StripeSignature.header(for: body, secret: secret, timestamp: timestamp)
        #expect(verify(header, payload: body) == nil)
    }

    @Test func constantTimeEqualsComparesContentAndLength() {
        #expect(StripeSignature.constantTimeEquals([1, 2, 3], [1, 2, 3]))
        #expect(!StripeSignature.constantTimeEquals([1, 2, 3], [1, 2, 4]))
        #expect(!StripeSignature.constantTimeEquals([1, 2, 3], [1, 2]))
        #expect(StripeSignature.constantTimeEquals([], []))
    }
}
