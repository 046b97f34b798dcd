import BillingCore
import Foundation
import JSONTree
import Testing

/// The one JSON tree keeps numbers exact (`Decimal`) and reads integers only when they are ones.
@Suite("JSONValue numbers")
struct JSONValueNumberTests {
    @Test func decimalsStayExact() throws {
        let value = try JSONValue(parsing: Data(#"[1234.56, 0.1, 12345678901234567890.5]"#.utf8))
        #expect(value[0] == .number(Decimal(string: "1234.56")!))
        #expect("\(value[0]?.decimalValue ?? 0)" == "1234.56")
        #expect("\(value[1]?.decimalValue ?? 0)" == "0.1")
        #expect("\(value[2]?.decimalValue ?? 0)" == "12345678901234567890.5")
    }

    @Test(arguments: [("4900", 4900), ("4900.0", 4900), ("-5", -5), ("1.5e3", 1500), ("9223372036854775807", Int.max)])
    func integralNumbersReadAsInt(text: String, expected: Int) throws {
        #expect(try JSONValue(parsing: Data(text.utf8)).intValue == expected)
    }

    @Test(arguments: ["49.5", "0.1", "9223372036854775808", "\"12\"", "true", "null"])
    func otherValuesAreNoInt(text: String) throws {
        #expect(try JSONValue(parsing: Data(text.utf8)).intValue == nil)
    }

    @Test func aFractionalPlanAmountIsRefused() throws {
        let plans = #"{"plans": [{"name": "free", "priceId": null, "amount": 0, "currency": "usd", "interval": "month", "limits": {"job_scraping": 10, "candidate_matching": 20, "ai_assessments": 3}}, {"name": "pro", "priceId": "price_1", "amount": 49.5, "currency": "usd", "interval": "month", "limits": {"job_scraping": null, "candidate_matching": null, "ai_assessments": null}}]}"#
        let error = #expect(throws: PlanCatalogError.self) { _ = try PlanCatalog(data: Data(plans.utf8), file: "plans.json") }
        #expect(error?.problems.count == 1)
        #expect(error?.problems.first?.contains("amount must be an integer in minor units, not a number") == true)
    }
}

/// Attack finding (issue 8 review): a number beyond a decimal's range (`1e-200`) made a whole
/// payload unreadable, so a signed Stripe event with such a number in a field we ignore was
/// refused (and retried by Stripe for days).
@Suite("JSONValue numbers beyond a decimal's range")
struct JSONValueRangeTests {
    @Test func theyParseAsNumbersThatAreNoIntegers() throws {
        let value = try JSONValue(parsing: Data("[1e200, 1e-200, 7]".utf8))
        #expect(value[0]?.kindName == "number")
        #expect(value[1]?.intValue == nil)
        #expect(value[2]?.intValue == 7)
    }

    @Test func anEventWithOneInAnUnknownFieldIsRead() throws {
        let payload = Data("""
            {"id":"evt_1","object":"event","type":"customer.subscription.updated","created":1700000000,
             "data":{"object":{"id":"sub_1","object":"subscription","status":"active","x_unknown":1e-200}}}
            """.utf8)
        let event = try StripeEvent(payload: payload)
        #expect(event.id == "evt_1")
        #expect(event.created == 1_700_000_000)
    }
}

/// `JSONValue`'s reading tries strings and objects first (issue 9: fewer thrown errors a
/// payload); every JSON kind must still come out as itself, whatever it looks like.
@Suite("JSONValue kinds")
struct JSONValueKindTests {
    @Test func everyKindIsReadAsItself() throws {
        let text = #"{"s":"1","t":"true","n":1,"b":true,"f":false,"a":[1,"x",null],"o":{"k":[]},"z":null,"d":1.5,"tiny":1e-200}"#
        let value = try JSONValue(parsing: Data(text.utf8))
        guard case .object(let object) = value else {
            Issue.record("not an object: \(value)")
            return
        }
        #expect(object["s"] == .string("1"))
        #expect(object["t"] == .string("true"))
        #expect(object["n"] == .number(1))
        #expect(object["b"] == .bool(true))
        #expect(object["f"] == .bool(false))
        #expect(object["a"] == .array([.number(1), .string("x"), .null]))
        #expect(object["o"] == .object(["k": .array([])]))
        #expect(object["z"] == .null)
        #expect(object["d"] == .number(Decimal(string: "1.5")!))
        if case .number(let tiny)? = object["tiny"] { #expect(tiny.isNaN) } else { Issue.record("tiny: \(String(describing: object["tiny"]))") }
        #expect(throws: DecodingError.self) { try JSONValue(parsing: Data("{".utf8)) }
    }
}
