import JSONTree
import Foundation
import Testing
@testable import BillingCore

@Suite struct StripeEventTests {
    private func parse(_ json: String) -> Result<StripeEvent, StripeEventError> {
        Result { () throws(StripeEventError) in try StripeEvent(payload: Data(json.utf8)) }
    }

    @Test func envelopeOfAModernEvent() throws {
        let event = try Fixture.event("customer.subscription.updated__2025-03-31.basil")
        #expect(event.id == "evt_1RbHm0HbTest0000SubUpd002")
        #expect(event.type == "customer.subscription.updated")
        #expect(event.handledType == .customerSubscriptionUpdated)
        #expect(event.created == 1_770_296_460)
        #expect(event.createdDate == Date(timeIntervalSince1970: 1_770_296_460))
        #expect(event.apiVersion == "2025-03-31.basil")
        #expect(event.livemode == false)
        #expect(event.objectType == "subscription")
        #expect(event.previousAttributes?["status"]?.stringValue == "active")
        #expect(event.requestID == nil) // {"id": null, "idempotency_key": null}: an automatic event
        #expect(event.idempotencyKey == nil)
    }

    @Test func requestAsObject() throws {
        let event = try Fixture.event("customer.subscription.updated__2024-06-20")
        #expect(event.requestID == "req_HirebaseTest0001")
        #expect(event.idempotencyKey == "5c0a1f7e-2d3b-4c8e-9f10-aa11bb22cc33")
    }

    @Test func requestAsStringFromOldAPIVersions() throws {
        let event = try Fixture.event("customer.subscription.deleted__2017-04-06")
        #expect(event.requestID == "req_AY3wHbTest0001")
        #expect(event.idempotencyKey == nil)
        // stripe-java's sample of the string form has an empty `data`; give it an object to read.
        guard case .object(var sample) = try Fixture.publicJSON("stripe-java_event__account.updated__request-as-string") else {
            Issue.record("sample is not an object")
            return
        }
        sample["data"] = .object(["object": .object(["id": .string("acct_1"), "object": .string("account")])])
        let java = try StripeEvent(json: .object(sample))
        #expect(java.requestID == "req_Ait4gLD2CQhStB")
    }

    @Test func requestNullAndApiVersionNullOrAbsent() throws {
        let checkout = try Fixture.event("checkout.session.completed__2025-03-31.basil")
        #expect(checkout.requestID == nil)
        let plan = try StripeEvent(json: Fixture.publicJSON("stripe-openapi_fixtures3_event__plan.created"))
        #expect(plan.apiVersion == nil)
        #expect(plan.requestID == nil)
        #expect(plan.handledType == nil)
        let legacy = try StripeEvent(json: Fixture.publicJSON("stripe-java_legacy-webhook-events_event__invoice.payment_succeeded"))
        #expect(legacy.apiVersion == nil)
        #expect(legacy.type == "invoice.payment_succeeded")
        #expect(legacy.handledType == nil) // Hirebase listens to invoice.paid
    }

    @Test func previousAttributesNullOrAbsent() throws {
        let withNull = try parse(#"{"id":"evt_1","type":"invoice.paid","created":1,"data":{"object":{"id":"in_1"},"previous_attributes":null}}"#).get()
        #expect(withNull.previousAttributes == nil)
        let absent = try Fixture.event("invoice.paid__2024-06-20")
        #expect(absent.previousAttributes == nil)
        let dotnet = try StripeEvent(json: Fixture.publicJSON("stripe-dotnet_event__invoiceitem.updated__api-2017-04-06"))
        #expect(dotnet.previousAttributes?["invoice"] == .null)
    }

    @Test func unknownFieldsAreIgnored() throws {
        let event = try parse(#"{"id":"evt_1","object":"event","type":"x.y","created":1,"context":"acct_1","new_field":{"a":[1,2.5,true,null]},"data":{"object":{"id":"o"}}}"#).get()
        #expect(event.type == "x.y")
    }

    @Test func everyHandledTypeIsKnown() {
        #expect(StripeEventType.allCases.map(\.rawValue) == [
            "checkout.session.completed", "customer.subscription.created", "customer.subscription.updated",
            "customer.subscription.deleted", "invoice.paid", "invoice.payment_failed",
        ])
        #expect(StripeEventType.invoicePaymentFailed.objectType == "invoice")
        #expect(StripeEventType.checkoutSessionCompleted.objectType == "checkout.session")
        #expect(StripeEventType.customerSubscriptionDeleted.objectType == "subscription")
    }

    @Test func handledFixturesHaveTheMatchingObject() throws {
        for name in ["checkout.session.completed__2024-06-20", "checkout.session.completed__2025-03-31.basil",
                     "customer.subscription.created__2025-03-31.basil", "customer.subscription.updated__2024-06-20",
                     "customer.subscription.updated__2025-03-31.basil", "customer.subscription.deleted__2017-04-06",
                     "invoice.paid__2024-06-20", "invoice.paid__2025-03-31.basil", "invoice.payment_failed__2025-03-31.basil"] {
            let event = try Fixture.event(name)
            let type = try #require(event.handledType, "\(name)")
            #expect(event.objectType == type.objectType, "\(name)")
        }
    }

    @Test func refusals() {
        #expect(throws: StripeEventError.self) { try parse("not json").get() }
        if case .failure(.invalidJSON(let message)) = parse("{") { #expect(!message.isEmpty) } else { Issue.record("expected invalidJSON") }
        #expect(parse("[]").failureValue == .wrongType(field: "(body)", expected: "object"))
        #expect(parse(#"{"object":"v2.core.event","id":"evt_1","type":"x","created":1}"#).failureValue == .notAnEvent(object: "v2.core.event"))
        #expect(parse(#"{"type":"x","created":1,"data":{"object":{}}}"#).failureValue == .missingField("id"))
        #expect(parse(#"{"id":"","type":"x","created":1,"data":{"object":{}}}"#).failureValue == .missingField("id"))
        #expect(parse(#"{"id":"evt_1","type":7,"created":1,"data":{"object":{}}}"#).failureValue == .wrongType(field: "type", expected: "string"))
        #expect(parse(#"{"id":"evt_1","type":"x","data":{"object":{}}}"#).failureValue == .missingField("created"))
        #expect(parse(#"{"id":"evt_1","type":"x","created":"1","data":{"object":{}}}"#).failureValue == .wrongType(field: "created", expected: "integer (Unix seconds)"))
        #expect(parse(#"{"id":"evt_1","type":"x","created":1,"data":{}}"#).failureValue == .missingField("data.object"))
        #expect(parse(#"{"id":"evt_1","type":"x","created":1,"data":{"object":"sub_1"}}"#).failureValue == .wrongType(field: "data.object", expected: "object"))
        // Stripe's account.updated sample has an empty `data`: not an event Hirebase can read.
        #expect(throws: StripeEventError.missingField("data.object")) {
            try StripeEvent(json: Fixture.publicJSON("stripe-java_event__account.updated__request-as-string"))
        }
    }

    @Test func jsonValueKinds() throws {
        let value = try JSONValue(parsing: Data(#"{"a":[null,true,1,1.5,"s",{}],"n":4900.0}"#.utf8))
        #expect(value["a"]?.arrayValue?.map(\.kindName) == ["null", "boolean", "number", "number", "string", "object"])
        #expect(value["a"]?[1]?.boolValue == true)
        #expect(value["a"]?[2]?.intValue == 1)
        #expect(value["a"]?[3]?.intValue == nil)
        #expect(value["a"]?[9] == nil)
        #expect(value["n"] == .number(4900))
        #expect(value["missing"] == nil)
        #expect(value["a"]?[0]?.isNull == true)
    }
}

private extension Result {
    var failureValue: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
