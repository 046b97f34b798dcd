import Foundation
import JobPageParser
import Testing

/// schema.org JobPosting in JSON-LD: where it hides on a page and how each field is read.
@Suite struct JSONLDExtractionTests {
    let parser = JobPageParser(skillExtractor: KeywordSkillExtractor())

    @Test func jobPostingInsideGraphWithOrganizationReferenceAndSeveralLocations() throws {
        let page = try Fixture.bytes("graph-with-organization-reference")

        let parsed = try parser.parse(html: page, pageURL: Fixture.pageURL)

        #expect(
            parsed
                == ParsedJobPage(
                    job: JobPosting(
                        title: "Senior Backend Engineer (Swift)",
                        company: "Northwind Traders",
                        description: "Build our hiring APIs in Swift and PostgreSQL.",
                        locations: ["Berlin, DE", "Lisbon, PT"],
                        remote: false,
                        employmentType: .fullTime,
                        salary: Salary(
                            min: 70000, max: .exactly("85000.5"), currency: "EUR", period: .year),
                        datePosted: "2026-01-12",
                        validThrough: "2026-03-31T23:59:59+01:00",
                        applyUrl: URL(string: "https://careers.example.com/jobs/42/apply")!,
                        skills: ["Swift", "PostgreSQL"]
                    ),
                    source: .jsonLD
                ))
    }

    @Test func jobPostingInTopLevelArrayWithTypeArrayAndFullIRI() throws {
        let page = try Fixture.bytes("top-level-array")

        let parsed = try parser.parse(html: page, pageURL: Fixture.pageURL)

        // No description in the posting: the meta description stands in. The posting's
        // `javascript:` url is not a place to apply, so the page URL is used.
        #expect(
            parsed
                == ParsedJobPage(
                    job: JobPosting(
                        title: "Platform Engineer",
                        company: "Contoso Ltd",
                        description: "Help us ship Kubernetes tooling & more.",
                        locations: ["221B Baker Street, London"],
                        remote: false,
                        employmentType: .fullTime,
                        salary: Salary(min: 55000, max: 55000, currency: "GBP", period: nil),
                        datePosted: nil,
                        validThrough: nil,
                        applyUrl: Fixture.pageURL,
                        skills: ["Kubernetes"]
                    ),
                    source: .jsonLD
                ))
    }

    @Test func unparseableBlockIsSkippedAndFirstJobPostingWins() throws {
        let page = try Fixture.bytes("several-blocks-first-invalid")

        let parsed = try parser.parse(html: page, pageURL: Fixture.pageURL)

        #expect(
            parsed
                == ParsedJobPage(
                    job: JobPosting(
                        title: "Data Engineer",
                        company: "Fabrikam",
                        description: "Python and Airflow pipelines.",
                        locations: [],
                        remote: true,
                        employmentType: .contractor,
                        salary: Salary(min: 650, max: 650, currency: "EUR", period: .day),
                        datePosted: nil,
                        validThrough: nil,
                        applyUrl: Fixture.pageURL,
                        skills: ["Python", "Airflow"]
                    ),
                    source: .jsonLD
                ))
    }

    @Test func descriptionMarkupAndEntitiesBecomeCleanText() throws {
        let page = try Fixture.bytes("description-markup-and-entities")

        let parsed = try parser.parse(html: page, pageURL: Fixture.pageURL)

        #expect(
            parsed
                == ParsedJobPage(
                    job: JobPosting(
                        title: "Engineer & Team Lead \u{2013} Platform",
                        company: "Ac\u{E9}me & Sons",
                        description: """
                            About the role

                            We\u{2019}re building R&D tools in Swift 6.

                            You will:
                            design APIs
                            review code

                            5+ years with Swift
                            Experience with PostgreSQL

                            Salary < \u{20AC}90k & equity.
                            """,
                        locations: [],
                        remote: false,
                        employmentType: nil,
                        salary: nil,
                        datePosted: "2026-02-03T09:00:00Z",
                        validThrough: nil,
                        applyUrl: Fixture.pageURL,
                        skills: ["Swift", "PostgreSQL"]
                    ),
                    source: .jsonLD
                ))
    }

    @Test func descriptionEscapedTwiceIsDecodedToText() throws {
        let page = try Fixture.bytes("description-escaped-twice")

        let parsed = try parser.parse(html: page, pageURL: Fixture.pageURL)

        #expect(
            parsed
                == ParsedJobPage(
                    job: JobPosting(
                        title: "Mobile Developer",
                        company: "Adventure Works",
                        description: "Join our mobile team.\n\nKotlin\nSwift",
                        locations: ["Toronto, ON, CA"],
                        remote: false,
                        employmentType: nil,
                        salary: nil,
                        datePosted: nil,
                        validThrough: "2026-06-30",
                        applyUrl: Fixture.pageURL,
                        skills: ["Kotlin", "Swift"]
                    ),
                    source: .jsonLD
                ))
    }

    @Test func postingWithOnlyATitleLeavesEveryOtherFieldEmpty() throws {
        let page = try Fixture.bytes("missing-fields")

        let parsed = try parser.parse(html: page, pageURL: Fixture.pageURL)

        #expect(
            parsed
                == ParsedJobPage(
                    job: JobPosting(
                        title: "Software Engineer",
                        company: nil,
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
                    source: .jsonLD
                ))
    }

    @Test func applicantLocationRequirementsWithoutJobLocationIsRemoteAndNameIsTitle() throws {
        let page = try Fixture.bytes("remote-applicant-location-only")

        let parsed = try parser.parse(html: page, pageURL: Fixture.pageURL)

        #expect(
            parsed
                == ParsedJobPage(
                    job: JobPosting(
                        title: "Support Engineer, anywhere in the USA",
                        company: nil,
                        description: "",
                        locations: [],
                        remote: true,
                        employmentType: nil,
                        salary: nil,
                        datePosted: nil,
                        validThrough: nil,
                        applyUrl: Fixture.pageURL,
                        skills: []
                    ),
                    source: .jsonLD
                ))
    }

    @Test func telecommuteInArrayIsRemoteAndKeepsTheOfficeLocation() throws {
        let page = try Fixture.bytes("telecommute-with-office")

        let parsed = try parser.parse(html: page, pageURL: Fixture.pageURL)

        // "full time, contract": one string listing two types; the first recognised wins.
        #expect(
            parsed
                == ParsedJobPage(
                    job: JobPosting(
                        title: "Solutions Architect",
                        company: "Proseware",
                        description: "",
                        locations: ["Austin, TX, US"],
                        remote: true,
                        employmentType: .fullTime,
                        salary: nil,
                        datePosted: nil,
                        validThrough: nil,
                        applyUrl: Fixture.pageURL,
                        skills: []
                    ),
                    source: .jsonLD
                ))
    }

    @Test func postingWithoutTitleTakesTitleAndDescriptionFromThePage() throws {
        let page = try Fixture.bytes("jobposting-without-title")

        let parsed = try parser.parse(html: page, pageURL: Fixture.pageURL)

        #expect(
            parsed
                == ParsedJobPage(
                    job: JobPosting(
                        title: "Night Nurse (RN)",
                        company: "Contoso Health",
                        description: "Twelve-hour night shifts on the cardiac ward.",
                        locations: [],
                        remote: false,
                        employmentType: .perDiem,
                        salary: nil,
                        datePosted: "2026-01-20",
                        validThrough: nil,
                        applyUrl: Fixture.pageURL,
                        skills: []
                    ),
                    source: .jsonLD
                ))
    }

    @Test func endTagsInsideJSONLDStringsSurviveTheHTMLParser() throws {
        // libxml2 2.9 without HTML_PARSE_RECOVER drops "</h2>", "</li>" and "</p>" inside a
        // <script>: the heading would swallow the text after it ("What you will doDesign ...").
        let page = try Fixture.bytes("script-end-tag-trap")

        let parsed = try parser.parse(html: page, pageURL: Fixture.pageURL)

        #expect(
            parsed
                == ParsedJobPage(
                    job: JobPosting(
                        title: "Backend Engineer",
                        company: "Wide World Importers",
                        description: """
                            What you will do

                            Design APIs in Swift.

                            Review code

                            Mentor engineers.
                            Hybrid
                            """,
                        locations: [],
                        remote: false,
                        employmentType: nil,
                        salary: nil,
                        datePosted: nil,
                        validThrough: nil,
                        applyUrl: Fixture.pageURL,
                        skills: ["Swift"]
                    ),
                    source: .jsonLD
                ))
    }

    @Test func withoutSkillExtractorSkillsAreEmpty() throws {
        let page = try Fixture.bytes("graph-with-organization-reference")

        let parsed = try JobPageParser().parse(html: page, pageURL: Fixture.pageURL)

        #expect(parsed.job.skills == [])
    }

    @Test func dataAndByteArrayGiveTheSameResult() throws {
        let fromData = try parser.parse(
            html: Fixture.data("graph-with-organization-reference"), pageURL: Fixture.pageURL)
        let fromBytes = try parser.parse(
            html: Fixture.bytes("graph-with-organization-reference"), pageURL: Fixture.pageURL)

        #expect(fromData == fromBytes)
    }
}
