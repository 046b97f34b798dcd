import Foundation
import Logging

/// The development transport (`EMAIL_PROVIDER=log`): logs each message with its link's token
/// masked (no log ever holds a candidate token; issue 7 § 7) and, outside production, writes the
/// whole message, link included, to a file of its own in `mailDirectory` (`EMAIL_LOG_DIR`, default
/// `.hirebase-mail/`, git-ignored) so that a developer can open the link. Nothing is delivered.
public struct LogEmailSender: EmailSending {
    let logger: Logger
    /// Where whole messages are written (mode 0600); `nil` in production.
    let mailDirectory: URL?
    /// Stamps the file names.
    let clock: WallClock

    public init(logger: Logger, clock: WallClock = .system, mailDirectory: URL?) {
        self.logger = logger
        self.clock = clock
        self.mailDirectory = mailDirectory
    }

    public func send(_ message: EmailMessage) async throws(EmailDeliveryError) -> String? {
        var metadata: Logger.Metadata = [
            "to": .string(Redaction.email(message.to)),
            "subject": .string(message.subject),
            "body": .string(Redaction.maskingTokenValues(in: message.text)),
        ]
        if let file = write(message) { metadata["file"] = .string(file) }
        logger.notice("e-mail (log provider; not delivered)", metadata: metadata)
        return nil
    }

    /// Writes the message to a new file; returns its path, or `nil` when not written (no
    /// directory, or the file system refused: the log line still says the message was "sent").
    private func write(_ message: EmailMessage) -> String? {
        guard let mailDirectory else { return nil }
        let stamp = clock.now().formatted(.iso8601.year().month().day().time(includingFractionalSeconds: false).timeSeparator(.omitted).dateSeparator(.omitted))
        let file = mailDirectory.appendingPathComponent("\(stamp)-\(UUID().uuidString.prefix(8).lowercased()).txt")
        let text = "From: \(message.from)\nTo: \(message.to)\nSubject: \(message.subject)\n\n\(message.text)\n"
        do {
            try FileManager.default.createDirectory(at: mailDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            guard FileManager.default.createFile(atPath: file.path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
                return nil
            }
            return file.path
        } catch {
            logger.warning("could not write the e-mail file", metadata: ["directory": .string(mailDirectory.path)])
            return nil
        }
    }
}
