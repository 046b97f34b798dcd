/// Turns HTML into readable plain text: block elements become line breaks (a blank line between
/// paragraphs, one line per list item), runs of white space collapse as a browser collapses them,
/// and entities are decoded (by libxml2 while parsing).
enum HTMLText {
    /// Renders the content of a parsed element or document.
    static func render(_ node: HTMLNode, singleLine: Bool = false) -> String {
        var builder = TextBuilder(singleLine: singleLine)
        var listItemDepth = 0
        node.walkDescendants { node, event in
            if node.isText {
                if event == .enter { builder.append(node.text) }
                return false
            }
            guard node.isElement else { return false }
            let name = node.name
            if skippedElements.contains(name) { return false }
            if name == "br" {
                if event == .enter { builder.lineBreak() }
                return false
            }
            if name == "li", event == .exit { listItemDepth -= 1 }
            // Editors wrap list items in <p>; inside an item those must not open blank lines.
            var level = breakLevel(of: name)
            if listItemDepth > 0 { level = min(level, 1) }
            builder.requestBreak(level)
            if name == "td" || name == "th" { builder.requestSpace() }
            if name == "li", event == .enter { listItemDepth += 1 }
            return true
        }
        return builder.text
    }

    /// Renders a string that may hold markup (a schema.org `description`): parses it with
    /// libxml2's HTML parser, so entities, tags and white space are handled as in a page.
    ///
    /// Plain text keeps its own line breaks. Text escaped twice (`&lt;p&gt;`, which some job
    /// boards ship) is rendered a second time once the first pass has revealed the tags.
    static func fromMarkup(_ markup: String) -> String {
        let text: String
        if containsTag(markup) {
            text = renderMarkup(markup, singleLine: false)
        } else if markup.contains("&") {
            // Only entities to decode: line breaks become <br> so that parsing keeps them.
            let lines = markup.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }
            text = renderMarkup(lines.joined(separator: "<br>"), singleLine: false)
        } else {
            var builder = TextBuilder(singleLine: false)
            builder.append(markup, keepingLineBreaks: true)
            return builder.text
        }
        if markup.contains("&lt;"), containsTag(text) {
            return renderMarkup(text, singleLine: false)
        }
        return text
    }

    /// Decodes entities and drops any tags in a short value (title, company, a locality) and
    /// collapses all white space, line breaks included, to single spaces.
    static func singleLine(_ value: String) -> String {
        if value.contains("&") || containsTag(value) {
            return renderMarkup(value, singleLine: true)
        }
        var builder = TextBuilder(singleLine: true)
        builder.append(value)
        return builder.text
    }

    /// Collapses white space of text that libxml2 has already decoded (attribute values such as
    /// a meta tag's `content`), without decoding entities a second time.
    static func collapsed(_ value: String, keepingLineBreaks: Bool = false) -> String {
        var builder = TextBuilder(singleLine: !keepingLineBreaks)
        builder.append(value, keepingLineBreaks: keepingLineBreaks)
        return builder.text
    }

    private static func renderMarkup(_ markup: String, singleLine: Bool) -> String {
        guard let document = HTMLDocument.parse(markup: markup) else { return "" }
        // The nodes are only borrowed from the document, which ARC could otherwise free right
        // after `root` is read.
        return withExtendedLifetime(document) { render(document.root, singleLine: singleLine) }
    }

    /// Whether the text has something a browser would read as a tag: "<" then a letter, "/" or
    /// "!". A lone "<" (as in "< 5 years") is text.
    static func containsTag(_ text: String) -> Bool {
        var previousWasOpen = false
        for byte in text.utf8 {
            if previousWasOpen, byte == UInt8(ascii: "/") || byte == UInt8(ascii: "!")
                || (byte | 0x20 >= UInt8(ascii: "a") && byte | 0x20 <= UInt8(ascii: "z"))
            {
                return true
            }
            previousWasOpen = byte == UInt8(ascii: "<")
        }
        return false
    }

    /// Whether `render` leaves out the content of an element with this name (scripts, form
    /// controls, embedded documents...).
    static func skipsContent(of name: String) -> Bool {
        skippedElements.contains(name)
    }

    private static let skippedElements: Set<String> = [
        "script", "style", "noscript", "template", "head", "title", "iframe", "object", "svg",
        "button", "select", "textarea",
    ]

    private static let paragraphElements: Set<String> = [
        "p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "dl", "table", "blockquote", "pre",
        "hr", "section", "article", "header", "footer", "aside", "nav", "figure", "form",
        "fieldset", "address", "main", "details",
    ]

    private static let lineElements: Set<String> = [
        "div", "li", "dt", "dd", "tr", "summary", "caption", "figcaption", "legend",
    ]

    private static func breakLevel(of name: String) -> Int {
        if paragraphElements.contains(name) { return 2 }
        if lineElements.contains(name) { return 1 }
        return 0
    }
}
