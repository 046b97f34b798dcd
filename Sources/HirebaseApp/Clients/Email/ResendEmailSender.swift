import Foundation
import NIOCore
import Vapor

/// Sends through a Resend-style HTTP API: `POST {EMAIL_API_BASE}/emails` with
/// `Authorization: Bearer {EMAIL_API_KEY}` and `{"from", "to": [..], "subject", "text", "html"}`;
/// a 2xx answer carries `{"id"}` (Resend's API reference, "Send Email"). A message's
/// `idempotencyKey` goes in the `Idempotency-Key` header (Resend keeps it 24 hours and answers a
/// repeat with the first result instead of sending again).
///
/// 429, 5xx, timeouts and connection errors are retryable, and so is 409
/// `concurrent_idempotent_requests` (an earlier attempt with the same key is still in progress at
/// Resend, e.g. one that timed out here or a run whose lease was taken over: "try again later");
/// other 4xx answers are final.
public struct ResendEmailSender: EmailSending {
    let client: any Client
    let baseURL: URL
    let apiKey: String
    let timeout: TimeAmount

    public init(client: any Client, baseURL: URL, apiKey: String, timeout: TimeAmount = .seconds(10)) {
        self.client = client
        self.baseURL = baseURL
        self.apiKey = apiKey
        self.timeout = timeout
    }

    private struct Payload: Content {
        var from: String
        var to: [String]
        var subject: String
        var text: String
        var html: String?
    }

    private struct Answer: Decodable {
        var id: String?
    }

    public func send(_ message: EmailMessage) async throws(EmailDeliveryError) -> String? {
        let url = URI(string: baseURL.appendingPathComponent("emails").absoluteString)
        let response: ClientResponse
        do {
            response = try await client.post(url) { request in
                request.timeout = timeout
                request.headers.bearerAuthorization = BearerAuthorization(token: apiKey)
                if let key = message.idempotencyKey { request.headers.replaceOrAdd(name: "Idempotency-Key", value: key) }
                try request.content.encode(Payload(from: message.from, to: [message.to], subject: message.subject, text: message.text, html: message.html))
            }
        } catch {
            throw EmailDeliveryError(message: "e-mail API unreachable: \(Self.describe(error))", retryable: true)
        }
        let code = response.status.code
        guard (200..<300).contains(code) else {
            let text = response.body.map { String(buffer: $0) } ?? ""
            throw EmailDeliveryError(
                message: "e-mail API answered \(code): \(String(text.prefix(200)))",
                retryable: code == 429 || code >= 500 || code == 408 || (code == 409 && text.contains("concurrent_idempotent_requests")))
        }
        let answer = try? response.content.decode(Answer.self)
        return answer?.id
    }

    static func describe(_ error: any Error) -> String {
        String(String(describing: error).prefix(200))
    }
}
