import BillingCore
import Foundation
import Testing
import Vapor
import VaporTesting
@testable import HirebaseApp

let testWebhookSecret = "whsec_test_0123456789abcdef"

/// The shipped plans (free: 3 / 20 / 10 a month), a webhook secret, no Stripe key.
let billingEnvironment = ["PLANS_FILE": "", "STRIPE_WEBHOOK_SECRET": testWebhookSecret]

/// Stripe-shaped events (API 2025-03-31: periods on the subscription's items).
enum StripeEvents {
    static func subscription(
        id: String = "sub_1", customer: String = "cus_1", status: String = "active", price: String = "price_pro_monthly",
        userID: UUID?, periodStart: Int = 1_764_547_200, periodEnd: Int = 1_767_225_600, cancelAtPeriodEnd: Bool = false
    ) -> [String: Any] {
        var metadata: [String: String] = [:]
        if let userID { metadata["user_id"] = userID.uuidString.lowercased() }
        return [
            "id": id, "object": "subscription", "customer": customer, "status": status, "cancel_at_period_end": cancelAtPeriodEnd,
            "metadata": metadata, "created": periodStart,
            "items": ["object": "list", "data": [[
                "id": "si_1", "object": "subscription_item", "current_period_start": periodStart, "current_period_end": periodEnd,
                "price": ["id": price, "object": "price", "unit_amount": 4900, "currency": "usd"],
            ]]],
        ]
    }

    static func invoice(id: String = "in_1", subscription: String = "sub_1", customer: String = "cus_1", status: String = "paid") -> [String: Any] {
        [
            "id": id, "object": "invoice", "customer": customer, "status": status,
            "parent": ["type": "subscription_details", "subscription_details": ["subscription": subscription, "metadata": [:]]],
            "lines": ["object": "list", "data": []],
        ]
    }

    static func event(id: String = "evt_\(UUID().uuidString.prefix(8))", type: String, created: Int, object: [String: Any]) -> Data {
        let event: [String: Any] = [
            "id": id, "object": "event", "type": type, "created": created, "api_version": "2025-03-31.basil", "livemode": false,
            "data": ["object": object], "request": ["id": NSNull(), "idempotency_key": NSNull()],
        ]
        return try! JSONSerialization.data(withJSONObject: event)
    }
}

extension Application {
    /// Posts a webhook signed with `secret` (now, unless `timestamp`).
    /// The response is checked against openapi.json, like `send`'s.
    func webhook(_ payload: Data, secret: String = testWebhookSecret, timestamp: Int = Int(Date().timeIntervalSince1970), tamper: Bool = false,
                 sourceLocation: SourceLocation = #_sourceLocation) async throws -> TestingHTTPResponse {
        var headers = HTTPHeaders()
        headers.contentType = .json
        headers.add(name: "Stripe-Signature", value: StripeSignature.header(for: payload, secret: secret, timestamp: timestamp))
        var body = payload
        if tamper { body.append(contentsOf: Array(" ".utf8)) }
        let response = try await testing().sendRequest(.POST, "/webhooks/stripe", headers: headers, body: ByteBuffer(data: body))
        checkAgainstDocument(response, method: .POST, path: "/webhooks/stripe", sourceLocation: sourceLocation)
        return response
    }
}
