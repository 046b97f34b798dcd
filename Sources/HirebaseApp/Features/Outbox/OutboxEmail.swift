import Fluent
import Foundation

/// An e-mail waiting for, or done with, delivery. Written in the same transaction as the change
/// that causes it, so nothing is lost if the process dies before sending.
///
/// The bodies hold the invitation link with its secret token, so they are cleared once the
/// message is sent (or has finally failed).
final class OutboxEmail: Model, @unchecked Sendable {
    static let schema = "outbox_emails"

    /// `queued` (waiting or between retries), `sent`, `failed` (gave up).
    enum Status: String, Codable, Sendable {
        case queued, sent, failed
    }

    @ID(key: .id) var id: UUID?
    @OptionalField(key: "invitation_id") var invitationID: UUID?
    @Field(key: "recipient") var recipient: String
    @Field(key: "subject") var subject: String
    @OptionalField(key: "text_body") var textBody: String?
    @OptionalField(key: "html_body") var htmlBody: String?
    @Field(key: "status") var status: Status
    @Field(key: "attempts") var attempts: Int
    @Field(key: "next_attempt_at") var nextAttemptAt: Date
    @OptionalField(key: "last_error") var lastError: String?
    @OptionalField(key: "provider_message_id") var providerMessageID: String?
    @OptionalField(key: "sent_at") var sentAt: Date?
    @Field(key: "created_at_us") var createdAtMicros: Int64
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?

    init() {}
}
