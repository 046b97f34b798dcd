/// Why a webhook's `Stripe-Signature` was refused (``StripeSignature/verify(payload:header:now:)``).
///
/// Each case matches one `SignatureVerificationError` message of stripe-python's
/// `WebhookSignature.verify_header`. All of them answer 400 `invalid_webhook_signature`
/// ("Invalid webhook signature") and store nothing; the distinction is for logs.
public enum StripeSignatureError: Error, Sendable, Hashable {
    /// No `Stripe-Signature` header, or an empty one.
    case missingHeader
    /// No usable webhook secret configured (none, or only blank ones): stripe-python's
    /// "No webhook secret value was provided".
    case noSecretConfigured
    /// No `t=` element, a `t=` that is not a decimal integer, or a `t`/`v1` element without `=`
    /// ("Unable to extract timestamp and signatures from header").
    case malformedHeader
    /// A timestamp but no `v1=` element ("No signatures found with expected scheme v1").
    case noSignaturesForScheme
    /// No `v1` signature equals the HMAC of the payload under any configured secret
    /// ("No signatures found matching the expected signature for payload").
    case noMatchingSignature
    /// The signature matched but its timestamp (Unix seconds) is older than the tolerance
    /// ("Timestamp outside the tolerance zone"): a possible replay.
    case timestampOutsideTolerance(timestamp: Int)
}
