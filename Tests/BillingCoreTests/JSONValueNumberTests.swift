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
