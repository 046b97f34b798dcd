import JSONTree
import Foundation
import Testing

@testable import JobPageParser

/// Issue 7, hostile content: the lenient JSON repair is linear in its input and the parse is
/// bounded in depth. Linearity is pinned by counting the repair's steps at sizes N and 2N, not
/// by timing it.
@Suite struct JSONRepairBoundsTests {
    /// A hostile block: `prefix`, then `unit` repeated, then `suffix`.
    struct Shape: CustomTestStringConvertible, Sendable {
        let name: String
        let prefix: String
        let unit: String
        let suffix: String

        var testDescription: String { name }

        func block(repeating count: Int) -> [UInt8] {
            Array((prefix + String(repeating: unit, count: count) + suffix).utf8)
        }
    }

    static let shapes: [Shape] = [
        // Issue 7's report: every quote looked past the same comment for its closing context.
        Shape(name: "\"// many times before one line break", prefix: #"{"d": ""#, unit: #""//"#, suffix: "\n\"}"),
        Shape(name: "\"/* many times, never closed", prefix: #"{"d": ""#, unit: #""/*"#, suffix: ""),
        Shape(name: "a chain of //\" comment lines in a string", prefix: #"{"d": "x"#, unit: "//\"\n", suffix: "\"}"),
        Shape(name: "\", many times", prefix: #"{"d": ""#, unit: #"", "#, suffix: "\"}"),
        Shape(name: "\",/* */ many times", prefix: #"{"d": ""#, unit: #"",/* */"#, suffix: "\"}"),
        Shape(name: "deep nesting", prefix: "", unit: "[", suffix: ""),
        Shape(name: "comments between commas outside strings", prefix: "[1", unit: ", /* c */ // d\n", suffix: "]"),
        Shape(name: "white space after commas", prefix: "[1", unit: ",        ", suffix: "]"),
        Shape(name: "control characters and bad escapes in a string", prefix: "\"", unit: "\u{1}\\u12\\x\t", suffix: "\""),
    ]

    @Test(arguments: shapes)
    func repairStepsGrowLinearly(shape: Shape) {
        let small = shape.block(repeating: 10_000)
        let large = shape.block(repeating: 20_000)
        var smallSteps = 0
        var largeSteps = 0

        _ = LenientJSON.repair(small, steps: &smallSteps)
        _ = LenientJSON.repair(large, steps: &largeSteps)

        #expect(Double(largeSteps) <= 2.2 * Double(smallSteps))
        #expect(smallSteps <= 4 * small.count + 16)
        #expect(largeSteps <= 4 * large.count + 16)
    }

    @Test func theReportedHostileBlockStillParsesToItsQuotes() throws {
        // The shape of issue 7's 96 KB page: a description holding 32,000 `"//` and one line
        // break. Every quote is followed by a `//` "comment" that runs to that line break, after
        // which comes `"`, which may not follow a string: so each quote is kept as a character,
        // the line break is escaped, and the last quote (followed by `}`) closes the string.
        let quotes = String(repeating: #""//"#, count: 32_000)
        let block = #"{"@type": "JobPosting", "title": "Engineer", "description": ""# + quotes + "\n\"}"
        let page = Array(
            "<html><head><script type=\"application/ld+json\">\(block)</script></head><body></body></html>".utf8)

        let parsed = try JobPageParser().parse(html: page, pageURL: Fixture.pageURL)

        #expect(LenientJSON.parse(block)?["description"] == .string(quotes + "\n"))
        #expect(
            parsed
                == ParsedJobPage(
                    job: JobPosting(
                        title: "Engineer", company: nil, description: quotes, locations: [], remote: false,
                        employmentType: nil, salary: nil, datePosted: nil, validThrough: nil,
                        applyUrl: Fixture.pageURL, skills: []
                    ),
                    source: .jsonLD
                ))
    }

    @Test func controlCharactersAreEscapedAsLowercaseUnicodeEscapes() {
        let repaired = LenientJSON.repair(Array("\"a\u{1}\u{1F}\n\"".utf8))

        #expect(String(decoding: repaired, as: UTF8.self) == #""a\u0001\u001f\n""#)
    }

    @Test func nestingUpToTheLimitParses() {
        let depth = LenientJSON.maximumDepth
        let text = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)

        #expect(LenientJSON.parse(text) != nil)
    }

    @Test func nestingPastTheLimitIsNotJSON() {
        let depth = LenientJSON.maximumDepth + 1
        let valid = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        let needsRepair = String(repeating: "[", count: depth) + "1," + String(repeating: "]", count: depth)

        #expect(LenientJSON.parse(valid) == nil)
        #expect(LenientJSON.parse(needsRepair) == nil)
    }

    @Test func bracketsInsideStringsDoNotCountTowardsTheDepth() {
        let brackets = String(repeating: "[{", count: 100)
        let text = #"{"a": "\#(brackets)", "b": "say \"\#(brackets)\""}"#

        #expect(LenientJSON.parse(text) == .object(["a": .string(brackets), "b": .string("say \"\(brackets)\"")]))
    }

    @Test func aBlockNestedTooDeeplyIsSkippedForTheNextOne() throws {
        // Deeper than the limit, but not than JSONSerialization's own 512: without the limit this
        // posting would win.
        let nested = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        let deep = #"{"@type": "JobPosting", "title": "Deep", "x": \#(nested)}"#
        let posting = #"{"@type": "JobPosting", "title": "Second block"}"#
        let page = Array(
            """
            <html><head><script type="application/ld+json">\(deep)</script>
            <script type="application/ld+json">\(posting)</script></head><body></body></html>
            """.utf8)

        let parsed = try JobPageParser().parse(html: page, pageURL: Fixture.pageURL)

        #expect(parsed.source == .jsonLD)
        #expect(parsed.job.title == "Second block")
    }
}
