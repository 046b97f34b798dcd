import BillingCore
import Vapor

/// `POST /webhooks/stripe`: Stripe's events, verified over the raw body as Stripe's libraries
/// do (see `StripeSignature`), then handed to `BillingService.receive`, which records the event by id
/// and applies it in the same transaction.
///
/// The signature is verified on the raw bytes before any other check of the request (no
/// content-type or NUL check runs before it: `JSONBodyMiddleware` leaves this route alone).
/// Bad or missing signature -> 401 `invalid_webhook_signature` whatever the content type, nothing
/// stored (the earlier backend's documented answer). A validly signed event whose strings hold
/// `\u0000` is applied like any other, with each NUL read as U+FFFD (PostgreSQL text cannot hold
/// NUL, and refusing would make Stripe retry it for three days and then drop it). A replayed
/// event is acknowledged (200) and not applied again. A failure while applying rolls back the
/// event record too and answers 500, so Stripe retries and nothing is lost. Unhandled types
/// are acknowledged and ignored. Each delivery is counted by type and outcome
/// (`hirebase_stripe_webhook_events_total`, `WebhookMetrics`).
struct StripeWebhookController: RouteCollection {

    func boot(routes: any RoutesBuilder) throws {
        // Raw bytes are needed for the signature: collect the body ourselves (Stripe events
        // are small; 1 MiB is ample).
        routes.on(.POST, "webhooks", "stripe", body: .collect(maxSize: "1mb"), use: receive)
    }

    @Sendable
    func receive(req: Request) async throws -> WebhookAcknowledgement {
        let secrets = req.hirebase.config.stripe.webhookSecrets
        guard !secrets.isEmpty else {
            throw AppError.unavailable("Stripe webhooks are not configured (STRIPE_WEBHOOK_SECRET)", code: "stripe_not_configured")
        }
        let metrics = req.hirebase.metrics.webhooks
        let body = req.body.data.map { Data(buffer: $0) } ?? Data()
        do {
            _ = try StripeSignature(secrets: secrets).verify(
                payload: body, header: req.headers.first(name: StripeSignature.headerName), now: req.hirebase.clock.now())
        } catch {
            req.logger.warning("Stripe webhook refused", metadata: ["reason": .string(String(describing: error))])
            metrics.record(type: WebhookMetrics.unknownType, .invalidSignature)
            throw AppError(.unauthorized, code: "invalid_webhook_signature", detail: "Invalid webhook signature")
        }
        let event: StripeEvent
        do {
            event = try StripeEvent(payload: Self.replacingEscapedNUL(body))
        } catch {
            metrics.record(type: WebhookMetrics.unknownType, .invalidPayload)
            throw AppError.invalid("The event is not a Stripe event object")
        }
        let type = WebhookMetrics.typeLabel(event.type)
        let outcome: BillingService.WebhookOutcome
        do {
            outcome = try await req.hirebase.billing.receive(event, on: req.db, logger: req.logger)
        } catch {
            metrics.record(type: type, .error)
            throw error
        }
        switch outcome {
        case .applied: metrics.record(type: type, .applied)
        case .duplicate: metrics.record(type: type, .duplicate)
        case .ignored: metrics.record(type: type, .ignored)
        }
        return WebhookAcknowledgement(outcome)
    }

    /// The JSON text with every `\u0000` escape (found by `JSONBodyMiddleware.escapedNULOffsets`)
    /// replaced by `\ufffd`, the replacement character. Same length, linear; `body` itself (no
    /// copy) when it has none.
    static func replacingEscapedNUL(_ body: Data) -> Data {
        var bytes = [UInt8](body)
        let offsets = JSONBodyMiddleware.escapedNULOffsets(in: bytes)
        guard !offsets.isEmpty else { return body }
        for offset in offsets {
            bytes.replaceSubrange((offset + 2)...(offset + 5), with: Array("fffd".utf8))
        }
        return Data(bytes)
    }
}
