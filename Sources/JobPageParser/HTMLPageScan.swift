import JSONTree
import CLibXML2
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

    /// One walk over the tree, each node visited once. Text is rendered only for the first
    /// `<title>`s and `<h1>`s until one is not blank, and never for an `<h1>` that sits inside a
    /// blank one other than through an element `HTMLText` skips: its text is part of the outer
    /// one's, so it is blank too. Without that, `<h1>`s nested through `<div>`s rendered the same
    /// subtree once per level (up to libxml2's 257).
    init(document: HTMLDocument) {
        var microdataRoot: HTMLNode?
        // The blank <h1>s being walked, innermost last, each with the number of open elements
        // below it whose text `HTMLText.render` skips.
        var blankHeadings: [(node: xmlNodePtr, openSkipped: Int)] = []
        let root = document.root
        root.walkDescendants { node, event in
            guard node.isElement else { return false }
            if let last = blankHeadings.indices.last {
                if event == .exit, node.pointer == blankHeadings[last].node {
                    blankHeadings.removeLast()
                } else if HTMLText.skipsContent(of: node.name) {
                    blankHeadings[last].openSkipped += event == .enter ? 1 : -1
                }
            }
            guard event == .enter else { return false }
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
                if firstHeading == nil, blankHeadings.last.map({ $0.openSkipped > 0 }) ?? true {
                    firstHeading = Self.nonBlank(HTMLText.render(node, singleLine: true))
                    if firstHeading == nil { blankHeadings.append((node.pointer, 0)) }
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
