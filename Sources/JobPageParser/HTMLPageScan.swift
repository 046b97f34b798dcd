import Foundation

/// What the parser needs from a parsed page, collected in one walk over its tree: the JSON-LD
/// blocks, the meta tags, the `<title>`, the first `<h1>`, and a microdata `JobPosting`.
struct HTMLPageScan {
    /// The text of every `<script type="application/ld+json">`, in page order.
    private(set) var jsonLDBlocks: [String] = []
    /// `<meta>` contents by lower-cased `property` (Open Graph's attribute) or `name`; the first
    /// tag with a given key wins. Values are entity-decoded by libxml2, white space untouched.
    private(set) var meta: [String: String] = [:]
    /// The first `<title>`'s text on one line; nil when missing or blank.
    private(set) var title: String?
    /// The first `<h1>`'s text on one line; nil when missing or blank.
    private(set) var firstHeading: String?
    /// The first microdata item typed schema.org `JobPosting`, as JSON-LD-like members.
    private(set) var microdataJobPosting: [String: JSONValue]?

    init(document: HTMLDocument) {
        var microdataRoot: HTMLNode?
        let root = document.root
        root.walkDescendants { node, event in
            guard event == .enter, node.isElement else { return false }
            switch node.name {
            case "script":
                if Self.isJSONLD(type: node.attribute("type")) {
                    jsonLDBlocks.append(node.textContent)
                }
                return false
            case "meta":
                recordMeta(node)
                return false
            case "title":
                if title == nil { title = Self.nonBlank(HTMLText.render(node, singleLine: true)) }
                return false
            case "h1":
                if firstHeading == nil {
                    firstHeading = Self.nonBlank(HTMLText.render(node, singleLine: true))
                }
                return true
            case "svg":
                // An SVG's <title> is a tooltip, not the page's title.
                return false
            default:
                if microdataRoot == nil, node.hasAttribute("itemscope"),
                    MicrodataReader.isJobPostingType(node.attribute("itemtype"))
                {
                    microdataRoot = node
                }
                return true
            }
        }
        microdataJobPosting = microdataRoot.map { MicrodataReader.item(at: $0) }
        // The nodes above are borrowed from the document; keep it alive until the last one is read.
        withExtendedLifetime(document) {}
    }

    private mutating func recordMeta(_ node: HTMLNode) {
        guard let key = (node.attribute("property") ?? node.attribute("name"))?
            .trimmingCharacters(in: .whitespaces).lowercased(),
            !key.isEmpty, meta[key] == nil, let content = node.attribute("content")
        else { return }
        meta[key] = content
    }

    /// `type` may carry parameters or odd case (`application/ld+json; charset=utf-8`).
    private static func isJSONLD(type: String?) -> Bool {
        guard let type else { return false }
        let mediaType = type.split(separator: ";").first.map(String.init) ?? type
        return mediaType.trimmingCharacters(in: .whitespaces).lowercased() == "application/ld+json"
    }

    private static func nonBlank(_ text: String) -> String? {
        text.isEmpty ? nil : text
    }
}
