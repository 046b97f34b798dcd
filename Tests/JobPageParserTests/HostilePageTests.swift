import Foundation
import Testing

@testable import JobPageParser

/// Issue 7, hostile content: pages built to make the parser work more than linearly, and the
/// bounds that stop them (see `JobPageParser`'s documentation). Each test pins what the bound
/// does to the result; `scripts/bench/run micro ParserBench` shows the time on 2 MB pages.
@Suite struct HostilePageTests {
    let parser = JobPageParser()

    // MARK: libxml2's quadratic attribute check

    /// A `<div>` with `attributes` distinct attributes, then 10 KB of paragraphs (so that what
    /// follows comes in a later read than the tag), then a JobPosting.
    static func pageWithATag(ofAttributes attributes: Int) -> [UInt8] {
        let names = (0..<attributes).map { "a\($0)" }.joined(separator: " ")
        let filler = String(repeating: "<p>Filler paragraph.</p>", count: 400)
        return Array(
            """
            <html><head><title>Page title</title></head><body><div \(names)></div>\(filler)
            <script type="application/ld+json">{"@type": "JobPosting", "title": "After the tag"}</script>
            </body></html>
            """.utf8)
    }

    @Test func aStartTagWith175AttributesIsReadPast() throws {
        let parsed = try parser.parse(html: Self.pageWithATag(ofAttributes: 175), pageURL: Fixture.pageURL)

        #expect(parsed.source == .jsonLD)
        #expect(parsed.job.title == "After the tag")
    }

    @Test func theInputEndsAtAStartTagWithMoreThan175Attributes() throws {
        for attributes in [176, 50_000] {
            let parsed = try parser.parse(html: Self.pageWithATag(ofAttributes: attributes), pageURL: Fixture.pageURL)

            #expect(parsed.source == .html)
            #expect(parsed.job.title == "Page title")
        }
    }

    @Test func aPageLongerThanOneReadIsDecodedWhole() throws {
        // libxml2 asks for 4,000 bytes at a time; the charset switch from <meta> must hold for
        // every later read.
        let filler = Array(String(repeating: "<p>Caf\u{E9}</p>", count: 2_000).unicodeScalars.map { UInt8($0.value) })
        let page =
            Array(#"<html><head><meta charset="iso-8859-1"><title>T</title></head><body>"#.utf8) + filler
            + Array(#"<script type="application/ld+json">{"@type": "JobPosting", "title": "D"#.utf8) + [0xE9]
            + Array(#"veloppeur"}</script></body></html>"#.utf8)

        let parsed = try parser.parse(html: page, pageURL: Fixture.pageURL)

        #expect(page.count > 20_000)
        #expect(parsed.job.title == "D\u{E9}veloppeur")
    }

    // MARK: tree walks

    @Test func aHeadingInsideASkippedElementOfABlankHeadingIsStillFound() throws {
        // The outer <h1> renders blank (a <button>'s text is left out), so the inner one, whose
        // text the outer render skipped, is rendered on its own.
        let page = Array("<html><body><h1><button><h1>Inner</h1></button></h1></body></html>".utf8)

        let parsed = try parser.parse(html: page, pageURL: Fixture.pageURL)

        #expect(parsed.job.title == "Inner")
    }

    @Test func headingsNestedInABlankHeadingAreSkippedAndALaterOneWins() throws {
        // 100 levels of two elements: within libxml2's 257, which would end the page before "Later".
        let nested = String(repeating: "<h1><div>", count: 100) + "<img src=x>" + String(repeating: "</div></h1>", count: 100)
        let page = Array("<html><body>\(nested)<h1>Later</h1></body></html>".utf8)

        let parsed = try parser.parse(html: page, pageURL: Fixture.pageURL)

        #expect(parsed.job.title == "Later")
    }

    @Test func microdataPropertiesInsideEightOthersAreNotRead() throws {
        let opening = (0..<10).map { "<div itemprop=\"p\($0)\">" }.joined()
        let page = try #require(
            HTMLDocument.parse(
                markup: """
                    <html><body><div itemscope itemtype="https://schema.org/JobPosting">\(opening)text\
                    \(String(repeating: "</div>", count: 10))<span itemprop="after">a</span></div></body></html>
                    """))

        let item = try #require(HTMLPageScan(document: page).microdataJobPosting)

        #expect(Set(item.keys) == Set(["@type", "after"] + (0..<8).map { "p\($0)" }))
    }

    // MARK: reading the posting

    @Test func referencesToOneLargeNodeStopAtTheBudget() throws {
        // 1,000 jobLocations naming one Place with a 500 KB locality: without a budget each
        // reference rendered the locality again.
        let locality = String(repeating: "Town ", count: 100_000)
        let references = Array(repeating: ##"{"@id": "#p"}"##, count: 1_000).joined(separator: ",")
        let block = #"""
            {"@graph": [{"@id": "#p", "@type": "Place", "address": {"addressLocality": "\#(locality)"}},
             {"@type": "JobPosting", "title": "Engineer", "jobLocation": [\#(references)]}]}
            """#
        let documents = JSONLDDocuments(blocks: [block])
        let budget = JobPostingReader.Budget(pageBytes: block.utf8.count)
        let reader = JobPostingReader(
            node: try #require(documents.firstJobPosting), format: .markup, budget: budget, resolve: documents.resolve)

        let locations = reader.locations

        #expect(locations == [locality.trimmingCharacters(in: .whitespaces)])
        #expect(budget.isSpent)
        #expect(reader.title == nil)
    }

    @Test func realPostingsSpendLessThanFourUnitsPerByteOfTheirPage() throws {
        for name in try Fixture.allNames() {
            let bytes = try Fixture.bytes(name)
            let document = try #require(bytes.withUnsafeBytes { HTMLDocument.parse(bytes: $0, encoding: nil) })
            let scan = HTMLPageScan(document: document)
            let documents = JSONLDDocuments(blocks: scan.jsonLDBlocks)
            guard let node = documents.firstJobPosting ?? scan.microdataJobPosting else { continue }
            let budget = JobPostingReader.Budget(pageBytes: 0)
            let before = budget.remaining
            let reader = JobPostingReader(
                node: node, format: documents.firstJobPosting == nil ? .plain : .markup, budget: budget,
                resolve: documents.resolve)

            _ = (reader.title, reader.company, reader.description, reader.locations, reader.remote)
            _ = (reader.employmentType, reader.salary, reader.datePosted, reader.validThrough)
            _ = (reader.applyURL(relativeTo: Fixture.pageURL), reader.skillsText)

            #expect(before - budget.remaining < 4 * bytes.count, "\(name)")
        }
    }

    @Test func onlyTheStartOfASalaryTextIsRead() throws {
        func salary(after padding: Int) throws -> Salary? {
            let text = String(repeating: "x", count: padding) + " 50,000 - 60,000"
            let page = Array(
                """
                <html><head><script type="application/ld+json">
                {"@type": "JobPosting", "title": "Engineer", "baseSalary": "\(text)"}
                </script></head></html>
                """.utf8)
            return try parser.parse(html: page, pageURL: Fixture.pageURL).job.salary
        }

        #expect(try salary(after: 200) == Salary(min: 50_000, max: 60_000, currency: nil, period: nil))
        #expect(try salary(after: 300) == nil)
    }
}
