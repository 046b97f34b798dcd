import Foundation

/// An e-mail ready to hand to a provider.
public struct EmailMessage: Sendable, Equatable {
    public var from: String
    public var to: String
    public var subject: String
    public var text: String
    public var html: String?
    /// A key the provider uses to deliver this message at most once however often it is sent
    /// (Resend's `Idempotency-Key`; the outbox message id): a send repeated after a crash or a
    /// lost answer is not delivered twice.
    public var idempotencyKey: String?

    public init(from: String, to: String, subject: String, text: String, html: String?, idempotencyKey: String? = nil) {
        self.from = from
        self.to = to
        self.subject = subject
        self.text = text
        self.html = html
        self.idempotencyKey = idempotencyKey
    }
}

/// Why a send failed, and whether trying again later may help (network trouble, 429, 5xx) or
/// not (the provider refused the message).
public struct EmailDeliveryError: Error, Sendable, Equatable {
    /// A short, safe description (status and trimmed provider text; never the message body).
    public var message: String
    public var retryable: Bool

    public init(message: String, retryable: Bool) {
        self.message = message
        self.retryable = retryable
    }
}

/// An e-mail transport. Implementations must not log the message body in production: it may
/// carry a secret link.
public protocol EmailSending: Sendable {
    /// Sends one message.
    /// - Returns: the provider's message id, when it gives one.
    /// - Throws: `EmailDeliveryError`.
    func send(_ message: EmailMessage) async throws(EmailDeliveryError) -> String?
}
