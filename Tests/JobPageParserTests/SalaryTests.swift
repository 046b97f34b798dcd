import Foundation
import JobPageParser
import Testing

/// schema.org `baseSalary` in the shapes sites write it, to the contract's
/// `{min, max, currency, period}` in major units.
@Suite struct SalaryTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let fixture: String
        let title: String
        let salary: Salary?
        var testDescription: String { fixture }
    }

    static let cases: [Case] = [
        Case(
            fixture: "salary-range-monthly-text-amounts",
            title: "Salary as text with a monthly range",
            salary: Salary(min: 4500, max: 5200, currency: "USD", period: .month)),
        Case(
            fixture: "salary-monetary-amount-number",
            title: "Salary as a number in a MonetaryAmount",
            salary: Salary(min: .exactly("40.5"), max: .exactly("40.5"), currency: "USD", period: nil)),
        Case(
            fixture: "salary-minimum-only-unit-code",
            title: "Salary with only a minimum and a unit code",
            salary: Salary(min: 25, max: nil, currency: "CAD", period: .hour)),
        Case(
            fixture: "salary-reversed-range-on-amount",
            title: "Salary range on the MonetaryAmount, written backwards",
            salary: Salary(min: 100_000, max: 120_000, currency: "CHF", period: nil)),
        Case(
            fixture: "salary-range-as-text",
            title: "Salary as range text with the currency on the posting",
            salary: Salary(min: 90_000, max: 120_000, currency: "USD", period: nil)),
        Case(
            fixture: "salary-thousands-suffix",
            title: "Salary written with a k suffix",
            salary: Salary(min: 85_000, max: 85_000, currency: "USD", period: .year)),
        Case(
            fixture: "salary-zero-placeholder",
            title: "Salary left at zero by the CMS",
            salary: nil),
    ]

    @Test(arguments: cases)
    func salaryShapes(_ testCase: Case) throws {
        let page = try Fixture.bytes(testCase.fixture)

        let parsed = try JobPageParser().parse(html: page, pageURL: Fixture.pageURL)

        #expect(
            parsed
                == ParsedJobPage(
                    job: JobPosting(
                        title: testCase.title,
                        company: nil,
                        description: "",
                        locations: [],
                        remote: false,
                        employmentType: nil,
                        salary: testCase.salary,
                        datePosted: nil,
                        validThrough: nil,
                        applyUrl: Fixture.pageURL,
                        skills: []
                    ),
                    source: .jsonLD
                ))
    }

    @Test(arguments: [
        ("HOUR", Salary.Period.hour), ("Hourly", .hour), ("HUR", .hour),
        ("DAY", .day), ("daily", .day),
        ("WEEK", .week), ("WEE", .week),
        ("MONTH", .month), ("per month", .month), ("MON", .month),
        ("YEAR", .year), ("Year", .year), ("annual", .year), ("ANN", .year), ("per annum", .year),
    ])
    func periodSpellings(_ text: String, _ period: Salary.Period) {
        #expect(Salary.Period(normalizing: text) == period)
    }

    @Test func unknownPeriodIsNil() {
        #expect(Salary.Period(normalizing: "per project") == nil)
    }
}
