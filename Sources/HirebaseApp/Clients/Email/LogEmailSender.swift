import Foundation
import Logging

/// The development transport (`EMAIL_PROVIDER=log`): writes each message to the log, link
/// included so that a developer can open it. In production the link's token is masked, because
/// logs are not a safe place for secrets.
public struct LogEmailSender: EmailSending {
    let logger: Logger
    let revealLinks: Bool

    public init(logger: Logger, revealLinks: Bool) {
        self.logger = logger
        self.revealLinks = revealLinks
    }

    public func send(_ message: EmailMessage) async throws(EmailDeliveryError) -> String? {
        let body = revealLinks ? message.text : Self.maskTokens(in: message.text)
        logger.notice("e-mail (log provider; not delivered)", metadata: [
            "to": .string(Redaction.email(message.to)),
            "subject": .string(message.subject),
            "body": .string(body),
        ])
        return nil
    }

    /// Replaces the value of every `token=` query parameter with `***`.
    static func maskTokens(in text: String) -> String {
        text.replacing(/token=[A-Za-z0-9_\-]+/) { _ in "token=***" }
    }
}
