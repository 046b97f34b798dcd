import Crypto
import Foundation

/// Verifies the `Stripe-Signature` header of a webhook exactly as Stripe's official libraries do.
///
/// Sources: Stripe docs "Receive Stripe events in your webhook endpoint", section "Check the
/// webhook signatures" (https://docs.stripe.com/webhooks#verify-manually: header format, signed
/// payload, HMAC-SHA256, constant-time comparison, 5-minute default tolerance)
/// and stripe-python 16.1.0 `stripe/_webhook.py`, `WebhookSignature.verify_header`, whose logic
/// this follows step by step (stripe-node's `parseHeader`/`verifyHeader` and stripe-go agree):
/// 1. no header (or an empty one) -> ``StripeSignatureError/missingHeader``;
/// 2. no non-blank secret -> ``StripeSignatureError/noSecretConfigured``;
/// 3. the header is split on `,` and each element on `=` as Python's `split("=", 2)` does (the
///    value is the text between the first and a second `=`); the first `t` gives the timestamp,
///    every `v1` a signature; other schemes (`v0`, future ones) are ignored. A `t` or `v1` element
///    without `=`, no `t`, or a `t` that is not an integer -> ``StripeSignatureError/malformedHeader``;
/// 4. no `v1` -> ``StripeSignatureError/noSignaturesForScheme``;
/// 5. the signed payload is `"{t}.{raw body}"`, with `t` rendered from the parsed integer (so
///    `t=0042` signs `42.`); expected = lower-case hex of HMAC-SHA256(secret as UTF-8, signed payload);
///    it must equal one of the `v1` values byte for byte (so upper-case hex is refused, as in Python),
///    compared in constant time. Several secrets are tried (rotation: `STRIPE_WEBHOOK_SECRET` is
///    comma-separated) -> else ``StripeSignatureError/noMatchingSignature``;
/// 6. only then the age: `t < now - tolerance` -> ``StripeSignatureError/timestampOutsideTolerance(timestamp:)``.
///    A timestamp in the future is accepted, as in stripe-python (`timestamp < time.time() - tolerance`
///    is its only check), stripe-node and stripe-go: the HMAC already proves Stripe produced it,
///    clocks drift, and replays are caught by storing event ids. A tolerance of 0 disables the
///    age check, like Python's `if tolerance and ...`.
///
/// Deliberate differences, none reachable by a header Stripe sends: the payload is hashed as raw
/// bytes (Python first decodes it as UTF-8 and raises on invalid UTF-8; for valid UTF-8 the bytes
/// are identical, and stripe-node/stripe-go hash raw bytes too); `t` must be ASCII digits
/// (Python's `int()` also takes spaces, a sign, `_` and non-ASCII digits) that fit `Int`; a `v1`
/// with non-ASCII text simply does not match (Python's `hmac.compare_digest` raises `TypeError`).
public struct StripeSignature: Sendable {
    /// The header Stripe signs webhooks with.
    public static let headerName = "Stripe-Signature"
    /// The signature scheme Stripe's libraries check (`EXPECTED_SCHEME`).
    public static let scheme = "v1"
    /// Stripe's default tolerance (`Webhook.DEFAULT_TOLERANCE`): 300 seconds.
    public static let defaultTolerance: TimeInterval = 300

    /// The webhook signing secrets (`whsec_...`) tried in order; blank ones are dropped.
    public let secrets: [String]
    /// Maximum age of the header's timestamp in seconds; 0 disables the check.
    public let tolerance: TimeInterval

    /// Creates a verifier.
    /// - Parameters:
    ///   - secrets: signing secrets, several during a rotation; secrets that are empty or only
    ///     whitespace are ignored (stripe-python refuses them as "no secret").
    ///   - tolerance: seconds; ``defaultTolerance`` (300) unless testing.
    public init(secrets: [String], tolerance: TimeInterval = StripeSignature.defaultTolerance) {
        self.secrets = secrets.filter { !$0.allSatisfy(\.isWhitespace) }
        self.tolerance = tolerance
    }

    /// Verifies `header` for the raw request body `payload`.
    /// - Parameters:
    ///   - payload: the body exactly as received (before any JSON parsing).
    ///   - header: the `Stripe-Signature` header value, `nil` when absent.
    ///   - now: the current time.
    /// - Returns: the header's timestamp (Unix seconds), for logging.
    /// - Throws: ``StripeSignatureError`` (see the type's documentation for the order of checks).
    @discardableResult
    public func verify(payload: some DataProtocol, header: String?, now: Date = Date()) throws(StripeSignatureError) -> Int {
        guard let header, !header.isEmpty else { throw .missingHeader }
        guard !secrets.isEmpty else { throw .noSecretConfigured }
        let (timestamp, signatures) = try Self.parse(header: header)
        guard !signatures.isEmpty else { throw .noSignaturesForScheme }

        let matched = secrets.contains { secret in
            let expected = Self.signatureHex(payload: payload, secret: secret, timestamp: timestamp)
            return signatures.contains { Self.constantTimeEquals(expected, $0) }
        }
        guard matched else { throw .noMatchingSignature }

        if tolerance > 0 && TimeInterval(timestamp) < now.timeIntervalSince1970 - tolerance {
            throw .timestampOutsideTolerance(timestamp: timestamp)
        }
        return timestamp
    }

    /// The `Stripe-Signature` value Stripe would send for `payload`: `t={timestamp},v1={hex}`, as
    /// stripe-python's `WebhookSignature.generate_signature_header`. For tests and the fake Stripe.
    /// - Parameters:
    ///   - payload: the exact body bytes.
    ///   - secret: the signing secret (`whsec_...`).
    ///   - timestamp: Unix seconds.
    public static func header(for payload: some DataProtocol, secret: String, timestamp: Int) -> String {
        let hex = String(decoding: signatureHex(payload: payload, secret: secret, timestamp: timestamp), as: UTF8.self)
        return "t=\(timestamp),\(scheme)=\(hex)"
    }

    /// Lower-case hex of HMAC-SHA256(key: secret, message: "{timestamp}.{payload}"), as ASCII bytes.
    static func signatureHex(payload: some DataProtocol, secret: String, timestamp: Int) -> [UInt8] {
        var hmac = HMAC<SHA256>(key: SymmetricKey(data: Array(secret.utf8)))
        hmac.update(data: Array("\(timestamp).".utf8))
        hmac.update(data: payload)
        return LowercaseHex.bytes(of: hmac.finalize())
    }

    /// Equality whose time does not depend on where the inputs differ (only on their lengths,
    /// which are not secret), like Python's `hmac.compare_digest`.
    static func constantTimeEquals(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for index in lhs.indices {
            difference |= lhs[index] ^ rhs[index]
        }
        return difference == 0
    }

    /// The timestamp and `v1` signatures of a header, parsed the way stripe-python's
    /// `_get_timestamp_and_signatures` does. Works on UTF-8 bytes, not `Character`s, because Swift
    /// would glue a `,` or `=` followed by a combining mark into one character where Python splits.
    static func parse(header: String) throws(StripeSignatureError) -> (timestamp: Int, signatures: [[UInt8]]) {
        let comma = UInt8(ascii: ","), equals = UInt8(ascii: "=")
        let timestampKey = Array("t".utf8), schemeKey = Array(scheme.utf8)
        var timestampText: [UInt8]?
        var signatures: [[UInt8]] = []
        for element in Array(header.utf8).split(separator: comma, omittingEmptySubsequences: false) {
            let parts = element.split(separator: equals, maxSplits: 2, omittingEmptySubsequences: false)
            let key = Array(parts[0])
            if key == timestampKey {
                guard parts.count > 1 else { throw .malformedHeader }
                if timestampText == nil { timestampText = Array(parts[1]) }
            } else if key == schemeKey {
                guard parts.count > 1 else { throw .malformedHeader }
                signatures.append(Array(parts[1]))
            }
        }
        guard let timestampText, let timestamp = parseDecimal(timestampText) else { throw .malformedHeader }
        return (timestamp, signatures)
    }

    /// A non-empty run of ASCII digits that fits `Int`, else `nil`.
    static func parseDecimal(_ bytes: [UInt8]) -> Int? {
        guard !bytes.isEmpty, bytes.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else { return nil }
        return Int(String(decoding: bytes, as: UTF8.self))
    }
}
