import JSONTree
import Foundation
import Testing

@testable import JobPageParser

/// JSON-LD blocks that are not valid JSON but are what real sites ship (see `LenientJSON`).
@Suite struct JSONRepairTests {
    @Test func commentsTrailingCommasAndHTMLCommentWrapperAreRepaired() throws {
        let page = try Fixture.bytes("repairs-js-comments-trailing-commas")

        let parsed = try JobPageParser().parse(html: page, pageURL: Fixture.pageURL)

        // The "//" inside the url string is not a comment.
        #expect(
            parsed
                == ParsedJobPage(
                    job: JobPosting(
                        title: "Site Reliability Engineer",
                        company: "Litware",
                        description: "",
                        locations: [],
                        remote: false,
                        employmentType: .partTime,
                        salary: nil,
                        datePosted: "2026-02-01",
                        validThrough: nil,
                        applyUrl: URL(string: "https://apply.litware.example/sre?ref=site")!,
                        skills: []
                    ),
                    source: .jsonLD
                ))
    }

    @Test func rawLineBreaksTabsAndUnescapedQuotesInStringsAreRepaired() throws {
        // Modelled on a real Jekyll page whose description is rendered HTML pasted into a JSON
        // string: raw line breaks, attribute quotes, a \' escape.
        let page = try Fixture.bytes("repairs-raw-newlines-and-quotes")

        let parsed = try JobPageParser(skillExtractor: KeywordSkillExtractor())
            .parse(html: page, pageURL: Fixture.pageURL)

        #expect(
            parsed
                == ParsedJobPage(
                    job: JobPosting(
                        title: "Research Engineer",
                        company: "Tailwind \"Labs\"",
                        description: """
                            About

                            Work with Kubernetes and "Go". Tabs and line breaks stay inside the string.

                            We're hiring, "now", today.
                            """,
                        locations: [],
                        remote: false,
                        employmentType: .fullTime,
                        salary: nil,
                        datePosted: nil,
                        validThrough: nil,
                        applyUrl: Fixture.pageURL,
                        skills: ["Kubernetes", "Go"]
                    ),
                    source: .jsonLD
                ))
    }

    @Test func lineCommentAfterLastMemberAndTrailingComma() {
        // The shape of extruct's JSONLD_with_JS_comment sample.
        let text = """
            {
            \t"@type": "NewsArticle",
            \t"articleSection": "\u{5546}\u{60C5}", // category
            \t//"interactionCount": ""
            }
            """

        #expect(
            LenientJSON.parse(text)
                == .object(["@type": .string("NewsArticle"), "articleSection": .string("\u{5546}\u{60C5}")]))
    }

    @Test func rawControlCharactersInsideAString() {
        // The shape of extruct's JSONLD_with_control_characters sample.
        let text = "{\n    \"data\": \"line 1\n        line 2\r\n\tline 3\u{1}\n\"\n}"

        #expect(
            LenientJSON.parse(text)
                == .object(["data": .string("line 1\n        line 2\r\n\tline 3\u{1}\n")]))
    }

    @Test func validJSONIsNeverRewritten() {
        let text = #"{"a": "x // not a comment, }", "b": "say \"hi\", \"there\"", "c": [1, 2.50]}"#

        #expect(
            LenientJSON.parse(text)
                == .object([
                    "a": .string("x // not a comment, }"),
                    "b": .string(#"say "hi", "there""#),
                    "c": .array([.number(1), .number(Decimal(string: "2.5")!)]),
                ]))
    }

    @Test func textThatIsNotJSONEvenAfterRepairIsNil() {
        #expect(LenientJSON.parse(#"{ "@type": "JobPosting", "title": "Broken" "description": "#) == nil)
        #expect(LenientJSON.parse("window.dataLayer = [];") == nil)
    }
}
