import Foundation
import JobPageParser
import Testing

/// Pages handed over as raw bytes: libxml2 finds the charset (BOM, `<meta charset>`), unless
/// the HTTP Content-Type states one.
@Suite struct CharacterEncodingTests {
    let parser = JobPageParser(skillExtractor: KeywordSkillExtractor())

    static let latin1Job = ParsedJobPage(
        job: JobPosting(
            title: "D\u{E9}veloppeur logiciel (h/f)",
            company: "Soci\u{E9}t\u{E9} G\u{E9}n\u{E9}rale d'Exemple",
            // The page's 0x80, 0x96, 0x93/0x94 bytes are windows-1252's euro, en dash and curly
            // quotes (what an "iso-8859-1" label means on the web), not C1 control characters.
            description: "R\u{E9}mun\u{E9}ration de 55 000 \u{20AC} \u{2013} \u{201C}Swift\u{201D} bienvenu.",
            locations: ["Z\u{FC}rich, CH"],
            remote: false,
            employmentType: nil,
            salary: nil,
            datePosted: nil,
            validThrough: nil,
            applyUrl: Fixture.pageURL,
            skills: ["Swift"]
        ),
        source: .jsonLD
    )

    static let windows1251Job = ParsedJobPage(
        job: JobPosting(
            title: "\u{41F}\u{440}\u{43E}\u{433}\u{440}\u{430}\u{43C}\u{43C}\u{438}\u{441}\u{442} Swift",
            company: "\u{41E}\u{41E}\u{41E} \u{AB}\u{41F}\u{440}\u{438}\u{43C}\u{435}\u{440}\u{BB}",
            description: "",
            locations: ["\u{41C}\u{43E}\u{441}\u{43A}\u{432}\u{430}, RU"],
            remote: false,
            employmentType: nil,
            salary: nil,
            datePosted: nil,
            validThrough: nil,
            applyUrl: Fixture.pageURL,
            skills: ["Swift"]
        ),
        source: .jsonLD
    )

    static let byteOrderMarkJob = ParsedJobPage(
        job: JobPosting(
            title: "Ingeniera de datos \u{2014} M\u{E1}laga",
            company: "\u{6771}\u{4EAC}\u{30C7}\u{30FC}\u{30BF}\u{682A}\u{5F0F}\u{4F1A}\u{793E}",
            description: "Datos en Python. \u{A1}Te esperamos! \u{1F680}",
            locations: ["M\u{E1}laga, Andaluc\u{ED}a, ES"],
            remote: false,
            employmentType: nil,
            salary: nil,
            datePosted: nil,
            validThrough: nil,
            applyUrl: Fixture.pageURL,
            skills: ["Python"]
        ),
        source: .jsonLD
    )

    @Test func iso88591PageDeclaredByMetaCharset() throws {
        let page = try Fixture.bytes("latin1-meta-charset")

        let parsed = try parser.parse(html: page, pageURL: Fixture.pageURL)

        #expect(parsed == Self.latin1Job)
    }

    @Test func unknownContentTypeCharsetIsIgnored() throws {
        let page = try Fixture.bytes("latin1-meta-charset")

        let parsed = try parser.parse(
            html: page, pageURL: Fixture.pageURL, contentTypeCharset: "no-such-charset")

        #expect(parsed == Self.latin1Job)
    }

    @Test func contentTypeCharsetDecodesAPageWithoutDeclaration() throws {
        let page = try Fixture.bytes("windows1251-charset-from-http-header")

        let parsed = try parser.parse(
            html: page, pageURL: Fixture.pageURL, contentTypeCharset: "windows-1251")

        #expect(parsed == Self.windows1251Job)
    }

    @Test func withoutContentTypeCharsetAnUndeclaredPageIsMisread() throws {
        // Pins why the fetcher must pass the header's charset: libxml2 alone falls back to Latin-1.
        let page = try Fixture.bytes("windows1251-charset-from-http-header")

        let parsed = try parser.parse(html: page, pageURL: Fixture.pageURL)

        #expect(parsed.job.title != Self.windows1251Job.job.title)
    }

    @Test func anUndeclaredPageIsReadAsUTF8() throws {
        // libxml2 reads an undeclared page as UTF-8 and falls back to Latin-1 only on invalid
        // UTF-8; its read-callback entry point alone would take any non-ASCII byte for Latin-1.
        let page = Array("<html><head><title>Ing\u{E9}nieur \u{2013} Paris</title></head><body></body></html>".utf8)

        let parsed = try parser.parse(html: page, pageURL: Fixture.pageURL)

        #expect(parsed.job.title == "Ing\u{E9}nieur \u{2013} Paris")
    }

    @Test func utf8ByteOrderMarkIsHonouredAndNotPartOfTheText() throws {
        let page = try Fixture.bytes("utf8-bom")

        let parsed = try parser.parse(html: page, pageURL: Fixture.pageURL)

        #expect(parsed == Self.byteOrderMarkJob)
    }

    @Test func byteOrderMarkWinsOverContentTypeCharset() throws {
        let page = try Fixture.bytes("utf8-bom")

        let parsed = try parser.parse(
            html: page, pageURL: Fixture.pageURL, contentTypeCharset: "ISO-8859-1")

        #expect(parsed == Self.byteOrderMarkJob)
    }
}
