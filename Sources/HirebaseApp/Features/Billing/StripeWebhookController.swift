import BillingCore
import Fluent
import Vapor

/// `POST /webhooks/stripe`: Stripe's events, verified over the raw body as Stripe's libraries
/// do (see `StripeSignature`), stored by id and applied in the same transaction.
///
/// Bad or missing signature -> 400 `invalid_webhook_signature`, nothing stored. A replayed
/// event is acknowledged (200) and not applied again. A failure while applying rolls back the
/// event record too and answers 500, so Stripe retries and nothing is lost. Unhandled types
/// are acknowledged and ignored.
struct StripeWebhookController: RouteCollection {
    let applier: StripeEventApplier

    func boot(routes: any RoutesBuilder) throws {
        // Raw bytes are needed for the signature: collect the body ourselves (Stripe events
        // are small; 1 MiB is ample).
        routes.on(.POST, "webhooks", "stripe", body: .collect(maxSize: "1mb"), use: receive)
    }

    struct Acknowledgement: Content {
        var received: Bool
        var duplicate: Bool
        var ignored: Bool
    }

    @Sendable
    func receive(req: Request) async throws -> Acknowledgement {
        let secrets = req.hirebase.config.stripe.webhookSecrets
        guard !secrets.isEmpty else {
            throw AppError.unavailable("Stripe webhooks are not configured (STRIPE_WEBHOOK_SECRET)", code: "stripe_not_configured")
        }
        let body = req.body.data.map { Data(buffer: $0) } ?? Data()
        do {
            _ = try StripeSignature(secrets: secrets).verify(payload: body, header: req.headers.first(name: StripeSignature.headerName))
        } catch {
            req.logger.warning("Stripe webhook refused", metadata: ["reason": .string(String(describing: error))])
            throw AppError(.badRequest, code: "invalid_webhook_signature", detail: "Invalid webhook signature")
        }
        let event: StripeEvent
        do {
            event = try StripeEvent(payload: body)
        } catch {
            throw AppError.invalid("The event is not a Stripe event object")
        }
        let outcome = try await applier.receive(event, on: req.db, logger: req.logger)
        return Acknowledgement(received: true, duplicate: outcome == .duplicate, ignored: outcome == .ignored)
    }
}
