import Foundation
import Testing

@testable import HirebaseApp

@Suite("StripeForm: Stripe's nested keys, form-urlencoded")
struct StripeFormTests {
    @Test func nestedDictionariesAndListsUseStripesBrackets() {
        let form: StripeForm = [
            "mode": "subscription",
            "line_items": [["price": "price_pro_monthly", "quantity": "1"]],
            "metadata": ["user_id": "6f1c"],
            "subscription_data": ["metadata": ["user_id": "6f1c"]],
            "expand": ["line_items", "customer"],
        ]

        let pairs = form.pairs.map { "\($0.name)=\($0.value)" }

        #expect(pairs == [
            "mode=subscription",
            "line_items[0][price]=price_pro_monthly",
            "line_items[0][quantity]=1",
            "metadata[user_id]=6f1c",
            "subscription_data[metadata][user_id]=6f1c",
            "expand[]=line_items",
            "expand[]=customer",
        ])
    }

    @Test func secondListElementGetsIndexOne() {
        let form: StripeForm = ["line_items": [["price": "a"], ["price": "b"]]]

        #expect(form.pairs.map(\.name) == ["line_items[0][price]", "line_items[1][price]"])
    }

    @Test func bodyIsPercentEncodedWithTheFormRules() {
        let form: StripeForm = ["metadata": ["user_id": "6f1c"], "expand": ["line_items"]]

        #expect(form.encoded == "metadata%5Buser_id%5D=6f1c&expand%5B%5D=line_items")
    }

    @Test(arguments: [
        ("abcXYZ019", "abcXYZ019"),
        ("*-._", "*-._"),
        ("a b", "a+b"),
        ("a+b", "a%2Bb"),
        ("&=?#/%", "%26%3D%3F%23%2F%25"),
        ("~!'()", "%7E%21%27%28%29"),
        ("[]", "%5B%5D"),
        ("jane.doe+tag@example.com", "jane.doe%2Btag%40example.com"),
        ("é", "%C3%A9"),
        ("日本", "%E6%97%A5%E6%9C%AC"),
        ("😀", "%F0%9F%98%80"),
        ("line\r\nbreak", "line%0D%0Abreak"),
        ("https://app.example/billing?session_id={CHECKOUT_SESSION_ID}",
         "https%3A%2F%2Fapp.example%2Fbilling%3Fsession_id%3D%7BCHECKOUT_SESSION_ID%7D"),
    ])
    func percentEncodingFollowsTheWHATWGFormSerializer(input: String, expected: String) {
        #expect(StripeForm.percentEncode(input) == expected)
    }

    @Test func everyValueSurvivesAFormParserUnchanged() {
        let values = ["a b+c", "&x=y", "é 日本 😀", "{CHECKOUT_SESSION_ID}", "100%", ""]
        var form = StripeForm()
        for (index, value) in values.enumerated() { form.append("metadata", ["k\(index)": .string(value)]) }

        let parsed = FakeStripe.parseForm(form.encoded)

        #expect(parsed.map(\.name) == values.indices.map { "metadata[k\($0)]" })
        #expect(parsed.map(\.value) == values)
    }

    @Test func emptyFormEncodesToNothing() {
        #expect(StripeForm().encoded == "")
    }
}
