import Testing

@testable import JobPageParser

/// Markup in schema.org text properties to readable plain text.
@Suite struct HTMLTextTests {
    @Test func plainTextKeepsItsLineBreaks() {
        #expect(HTMLText.fromMarkup("Line one\r\nLine two\n\n\n\nNew paragraph") == "Line one\nLine two\n\nNew paragraph")
    }

    @Test func plainTextWithEntitiesKeepsItsLineBreaks() {
        #expect(HTMLText.fromMarkup("R&amp;D team\nSalary &gt; 50k") == "R&D team\nSalary > 50k")
    }

    @Test func lessThanFollowedBySpaceIsText() {
        #expect(HTMLText.fromMarkup("<p>Teams < 10 people</p>") == "Teams < 10 people")
    }

    @Test func nestedListsAndTablesStayReadable() {
        let markup = "<ul><li>Backend<ul><li>Swift</li><li>Vapor</li></ul></li></ul><table><tr><th>Level</th><td>Senior</td></tr></table>"

        #expect(HTMLText.fromMarkup(markup) == "Backend\nSwift\nVapor\n\nLevel Senior")
    }

    @Test func singleLineCollapsesBreaksAndDecodesEntities() {
        #expect(HTMLText.singleLine("  Senior\n Engineer &ndash; <b>Core</b> ") == "Senior Engineer \u{2013} Core")
    }
}
