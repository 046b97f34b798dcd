import Foundation
import JobPageParser
import Testing

/// Pages without JSON-LD: microdata, Open Graph, then `<title>` / `<h1>`; nothing at all is an error.
@Suite struct FallbackTests {
    let parser = JobPageParser(skillExtractor: KeywordSkillExtractor())

    @Test func microdataJobPostingIsReadWithSourceHTML() throws {
        let page = try Fixture.bytes("microdata-only")

        let parsed = try parser.parse(html: page, pageURL: Fixture.pageURL)

        #expect(
            parsed
                == ParsedJobPage(
                    job: JobPosting(
                        title: "Line Cook",
                        company: "Fourth Coffee",
                        description: "Cook breakfast & lunch for our caf\u{E9}.\n\nPrep stations\nKeep the line clean",
                        locations: ["Portland, OR, US"],
                        remote: false,
                        employmentType: .partTime,
                        salary: Salary(min: 18, max: .exactly("22.5"), currency: "USD", period: .hour),
                        datePosted: "2026-01-05",
                        validThrough: nil,
                        applyUrl: URL(string: "https://careers.example.com/apply/7")!,
                        skills: []
                    ),
                    source: .html
                ))
    }

    @Test func openGraphTagsWhenThereIsNoJobPosting() throws {
        let page = try Fixture.bytes("opengraph-only")

        let parsed = try parser.parse(html: page, pageURL: Fixture.pageURL)

        #expect(
            parsed
                == ParsedJobPage(
                    job: JobPosting(
                        title: "Staff iOS Engineer",
                        company: "Tailspin Toys",
                        description: "Lead our iOS app in Swift & SwiftUI.",
                        locations: [],
                        remote: false,
                        employmentType: nil,
                        salary: nil,
                        datePosted: nil,
                        validThrough: nil,
                        applyUrl: Fixture.pageURL,
                        skills: ["Swift", "SwiftUI"]
                    ),
                    source: .openGraph
                ))
    }

    @Test func titleElementWithMetaDescription() throws {
        let page = try Fixture.bytes("title-only")

        let parsed = try parser.parse(html: page, pageURL: Fixture.pageURL)

        #expect(
            parsed
                == ParsedJobPage(
                    job: JobPosting(
                        title: "Warehouse Associate (Night Shift)",
                        company: nil,
                        description: "Pick & pack orders.",
                        locations: [],
                        remote: false,
                        employmentType: nil,
                        salary: nil,
                        datePosted: nil,
                        validThrough: nil,
                        applyUrl: Fixture.pageURL,
                        skills: []
                    ),
                    source: .html
                ))
    }

    @Test func firstHeadingWhenThereIsNoTitleIgnoringSVGTitles() throws {
        let page = try Fixture.bytes("h1-only")

        let parsed = try parser.parse(html: page, pageURL: Fixture.pageURL)

        #expect(
            parsed
                == ParsedJobPage(
                    job: JobPosting(
                        title: "Barista Downtown",
                        company: "Blue Yonder Coffee",
                        description: "",
                        locations: [],
                        remote: false,
                        employmentType: nil,
                        salary: nil,
                        datePosted: nil,
                        validThrough: nil,
                        applyUrl: Fixture.pageURL,
                        skills: []
                    ),
                    source: .html
                ))
    }

    @Test func pageWithoutAnyTitleIsNoJobPostingFound() throws {
        let page = try Fixture.bytes("nothing-usable")

        #expect(throws: JobPageParserError.noJobPostingFound) {
            try parser.parse(html: page, pageURL: Fixture.pageURL)
        }
    }

    @Test(arguments: ["", "   \n\t", "<html><head></head><body></body></html>"])
    func emptyOrBlankBodyIsNoJobPostingFound(_ body: String) {
        #expect(throws: JobPageParserError.noJobPostingFound) {
            try parser.parse(html: Array(body.utf8), pageURL: Fixture.pageURL)
        }
    }
}
