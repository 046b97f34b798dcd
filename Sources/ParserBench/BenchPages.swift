/// The pages `ParserBench` parses, built in memory: one ordinary job page, and hostile pages of
/// the size the fetcher accepts (`SafeJobPageFetcher`'s 2,000,000 bytes), each shaped after
/// something that once cost, or could cost, more than linear time in JobPageParser or libxml2.
enum BenchPages {
    /// A named page and what it pins.
    struct Page {
        let name: String
        let bytes: [UInt8]
    }

    /// The fetcher's body limit.
    static let size = 2_000_000

    static var all: [Page] {
        [
            Page(name: "ordinary job page", bytes: ordinary),
            Page(name: "JSON-LD: \"// many times before one line break", bytes: jsonLD(repeating: #""//"#, then: "\n\"}")),
            Page(name: "JSON-LD: \"/* many times, never closed", bytes: jsonLD(repeating: #""/*"#, then: "\"}")),
            Page(name: "JSON-LD: chain of //\" comment lines in a string", bytes: jsonLD(repeating: "//\"\n", then: "\"}")),
            Page(name: "JSON-LD: \", many times", bytes: jsonLD(repeating: #"", "#, then: "\"}")),
            Page(name: "JSON-LD: 1,000,000 nested [", bytes: nestedJSON),
            Page(name: "JSON-LD: 2 MB description", bytes: longDescription),
            Page(name: "JSON-LD: 2 MB array of numbers", bytes: numbers),
            Page(name: "JSON-LD: 30,000 jobLocations with entities", bytes: manyLocations),
            Page(name: "JSON-LD: 400,000 jobLocations \"&\"", bytes: tinyLocations),
            Page(name: "JSON-LD: 50,000 references to a 1 MB place", bytes: referencedPlace),
            Page(name: "JSON-LD: salary text of 1,000,000 numbers", bytes: salaryText),
            Page(name: "JSON-LD: salary of one 2,000,000-digit number", bytes: salaryDigits),
            Page(name: "30,000 script blocks, half to repair", bytes: manyBlocks),
            Page(name: "one tag with 250,000 attributes", bytes: oneTagManyAttributes),
            Page(name: "tags of 170 attributes each", bytes: manyTagsManyAttributes),
            Page(name: "500,000 nested <div>", bytes: nestedDivs),
            Page(name: "255 open <div> then stray end tags", bytes: strayEndTags),
            Page(name: "blank <h1> nested 128 deep over 2 MB", bytes: nestedBlankHeadings),
            Page(name: "microdata itemprop nested 250 deep", bytes: nestedItemprops),
        ]
    }

    /// The start of a page up to `markup` in its (still open) `<head>`.
    private static func head(_ markup: String) -> String {
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Bench</title>\(markup)"
    }

    /// The start of a page up to `markup` in its (still open) `<body>`.
    private static func body(_ markup: String) -> String {
        head("") + "</head><body>\(markup)"
    }

    /// A `<script type="application/ld+json">` whose text repeats `unit` to fill the page.
    private static func jsonLD(repeating unit: String, then tail: String) -> [UInt8] {
        let start = head("<script type=\"application/ld+json\">{\"@type\": \"JobPosting\", \"title\": \"x")
        let end = "\(tail)</script></head><body><h1>Fallback</h1></body></html>"
        return filled(start, unit, end)
    }

    /// `start`, then `unit` as often as fits in `size`, then `end`.
    private static func filled(_ start: String, _ unit: String, _ end: String) -> [UInt8] {
        let room = size - start.utf8.count - end.utf8.count
        var bytes = Array(start.utf8)
        bytes.reserveCapacity(size)
        let unitBytes = Array(unit.utf8)
        for _ in 0..<(room / unitBytes.count) { bytes.append(contentsOf: unitBytes) }
        bytes.append(contentsOf: end.utf8)
        return bytes
    }

    private static var ordinary: [UInt8] {
        let description = (1...12).map { section in
            "<h2>Section \(section)</h2><p>You will design, build and operate the services behind our hiring platform, "
                + "own Go microservices on Kubernetes, model data in PostgreSQL &amp; stream events through Kafka.</p>"
                + "<ul><li>Reliability &amp; observability</li><li>Mentoring</li><li>Code review</li></ul>"
        }.joined()
        let posting = """
            {"@context": "https://schema.org/", "@type": "JobPosting", "title": "Senior Backend Engineer",
             "description": "\(description.replacingOccurrences(of: "\"", with: "\\\""))",
             "datePosted": "2026-02-01", "validThrough": "2026-04-01T00:00", "employmentType": ["FULL_TIME"],
             "hiringOrganization": {"@type": "Organization", "name": "Contoso &amp; Partners", "sameAs": "https://contoso.example"},
             "jobLocation": [{"@type": "Place", "address": {"@type": "PostalAddress", "addressLocality": "Berlin",
               "addressRegion": "BE", "addressCountry": "DE"}}],
             "baseSalary": {"@type": "MonetaryAmount", "currency": "EUR",
               "value": {"@type": "QuantitativeValue", "minValue": 70000, "maxValue": 90000, "unitText": "YEAR"}}}
            """
        let navigation = (1...200).map { "<li><a href=\"/jobs/\($0)\" class=\"nav-link\">Opening \($0)</a></li>" }.joined()
        let article = (1...150).map { "<p class=\"copy\">Paragraph \($0) of the careers page, with <b>some</b> <a href=\"#\">links</a>.</p>" }.joined()
        return Array(
            (head(
                "<meta property=\"og:title\" content=\"Senior Backend Engineer\"><meta name=\"description\" content=\"Join us\">"
                    + "<script type=\"application/ld+json\">\(posting)</script><style>body { font: 16px sans-serif }</style>")
                + "</head><body><nav><ul>\(navigation)</ul></nav><main><h1>Senior Backend Engineer</h1>\(description)\(article)</main>"
                + "</body></html>").utf8)
    }

    private static var nestedJSON: [UInt8] {
        let depth = (size - 200) / 2
        let start = head("<script type=\"application/ld+json\">")
        return Array((start + String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
            + "</script></head><body><h1>Fallback</h1></body></html>").utf8)
    }

    private static var longDescription: [UInt8] {
        let start = head("<script type=\"application/ld+json\">{\"@type\": \"JobPosting\", \"title\": \"Engineer\", \"description\": \"")
        return filled(start, "<p>We build <b>reliable</b> systems &amp; mentor people.</p>\\n", "\"}</script></head><body></body></html>")
    }

    private static var numbers: [UInt8] {
        let start = head("<script type=\"application/ld+json\">{\"@type\": \"JobPosting\", \"title\": \"Engineer\", \"x\": [0")
        return filled(start, ",12.5", "]}</script></head><body></body></html>")
    }

    private static var manyLocations: [UInt8] {
        let start = head("<script type=\"application/ld+json\">{\"@type\": \"JobPosting\", \"title\": \"Engineer\", \"jobLocation\": [{}")
        return filled(start, #",{"address": {"addressLocality": "Fort&amp;<b>x</b>", "addressRegion": "&#65;"}}"#, "]}</script></head><body></body></html>")
    }

    private static var tinyLocations: [UInt8] {
        let start = head("<script type=\"application/ld+json\">{\"@type\": \"JobPosting\", \"title\": \"Engineer\", \"jobLocation\": [\"&\"")
        return filled(start, #","&""#, "]}</script></head><body></body></html>")
    }

    /// One Place whose locality is 1 MB, and a JobPosting naming it by `@id` again and again.
    private static var referencedPlace: [UInt8] {
        let locality = String(repeating: "Fort &amp; Town ", count: 1_000_000 / 16)
        let start = head(
            "<script type=\"application/ld+json\">{\"@graph\": [{\"@id\": \"#p\", \"@type\": \"Place\", \"address\": "
                + "{\"addressLocality\": \"\(locality)\"}}, {\"@type\": \"JobPosting\", \"title\": \"Engineer\", \"jobLocation\": [{\"@id\": \"#p\"}")
        return filled(start, ##",{"@id":"#p"}"##, "]}]}</script></head><body></body></html>")
    }

    private static var salaryText: [UInt8] {
        let start = head("<script type=\"application/ld+json\">{\"@type\": \"JobPosting\", \"title\": \"Engineer\", \"baseSalary\": \"0")
        return filled(start, " 0", "\"}</script></head><body></body></html>")
    }

    private static var salaryDigits: [UInt8] {
        let start = head("<script type=\"application/ld+json\">{\"@type\": \"JobPosting\", \"title\": \"Engineer\", \"baseSalary\": \"1")
        return filled(start, "9", " - 5\"}</script></head><body></body></html>")
    }

    private static var manyBlocks: [UInt8] {
        filled(
            body(""),
            #"<script type="application/ld+json">{"@type": "Thing", "name": "a"}</script>"#
                + #"<script type="application/ld+json">{"@type": "Thing", "name": "b", // c"# + "\n}</script>",
            "<h1>Fallback</h1></body></html>")
    }

    private static var oneTagManyAttributes: [UInt8] {
        var bytes = Array(body("<div ").utf8)
        var index = 0
        while bytes.count < size - 100 {
            bytes.append(contentsOf: "a\(index) ".utf8)
            index += 1
        }
        bytes.append(contentsOf: "><h1>After</h1></div></body></html>".utf8)
        return bytes
    }

    private static var manyTagsManyAttributes: [UInt8] {
        let tag = "<br " + (0..<170).map { "a\($0)" }.joined(separator: " ") + ">"
        return filled(body("<h1>Title</h1>"), tag, "</body></html>")
    }

    private static var nestedDivs: [UInt8] {
        filled(body("<h1>Title</h1>"), "<div>", "</body></html>")
    }

    private static var strayEndTags: [UInt8] {
        filled(body(String(repeating: "<div>", count: 250)), "</x>", "</body></html>")
    }

    private static var nestedBlankHeadings: [UInt8] {
        filled(body(String(repeating: "<h1><div>", count: 120)), "<b></b>", "</body></html>")
    }

    private static var nestedItemprops: [UInt8] {
        let start = body("<div itemscope itemtype=\"https://schema.org/JobPosting\"><h2 itemprop=\"title\">Engineer</h2>"
            + String(repeating: "<div itemprop=\"description\">", count: 250))
        return filled(start, "Text of the posting. ", "</body></html>")
    }
}
