import JSONTree
import Foundation

/// Reads a schema.org item written as HTML microdata (`itemscope`, `itemtype`, `itemprop`) into
/// the same shape as a JSON-LD node, so that one reader maps both to a `JobPosting`.
///
/// Follows the WHATWG HTML microdata model (https://html.spec.whatwg.org/multipage/microdata.html)
/// without `itemref`: an item's properties are the `itemprop` elements below it, not crossing into
/// nested items, and a nested item is a property whose value is an object. Values are plain text
/// already (`description` too), so the JSON-LD reader must not decode entities again.
enum MicrodataReader {
    /// Nested items deeper than this are dropped; a JobPosting needs three levels
    /// (posting, Place, PostalAddress).
    private static let maximumDepth = 8

    /// A property element inside this many other property elements (of this item or the items
    /// around it) is not read. A property's value is the text of everything below it, so each
    /// property element around a node renders that node's text once more; the limit keeps that
    /// to 8 times per node rather than once per level of a hostile nesting (up to libxml2's
    /// 257). Real items nest properties two deep (`jobLocation` > `address` > `addressLocality`).
    private static let maximumPropertyNesting = 8

    /// Whether an `itemtype` (a space-separated list of type URLs) names schema.org's JobPosting.
    static func isJobPostingType(_ itemtype: String?) -> Bool {
        guard let itemtype else { return false }
        return itemtype.split(whereSeparator: \.isWhitespace).contains { localName($0).lowercased() == "jobposting" }
    }

    /// The item rooted at `element`: its properties by name (several values as an array) and its
    /// `@type` (the local name of its first `itemtype`).
    static func item(at element: HTMLNode) -> [String: JSONValue] {
        item(at: element, depth: 0, enclosingProperties: 0)
    }

    /// - Parameter enclosingProperties: the property elements around `element`'s descendants:
    ///   `element` itself and those around it.
    private static func item(
        at element: HTMLNode, depth: Int, enclosingProperties: Int
    ) -> [String: JSONValue] {
        var properties: [String: [JSONValue]] = [:]
        // Property elements around the node being visited. A property element that is not an
        // item counts from its `.enter` to its `.exit` (the walk reports both for every node);
        // an item is never entered: its properties are read by the recursive call.
        var nesting = enclosingProperties
        element.walkDescendants { node, event in
            guard node.isElement else { return false }
            let isItem = node.hasAttribute("itemscope")
            guard event == .enter else {
                if !isItem, node.hasAttribute("itemprop") { nesting -= 1 }
                return false
            }
            guard let names = node.attribute("itemprop") else { return !isItem }
            let around = nesting
            if !isItem { nesting += 1 }
            guard around < maximumPropertyNesting else { return false }
            let value: JSONValue
            if isItem {
                value =
                    depth < maximumDepth
                    ? .object(item(at: node, depth: depth + 1, enclosingProperties: nesting + 1))
                    : .null
            } else {
                value = .string(propertyValue(of: node))
            }
            for name in names.split(whereSeparator: \.isWhitespace) {
                properties[localName(name), default: []].append(value)
            }
            return !isItem
        }
        var members = properties.mapValues { $0.count == 1 ? $0[0] : JSONValue.array($0) }
        if let type = element.attribute("itemtype")?.split(whereSeparator: \.isWhitespace).first {
            members["@type"] = .string(localName(type))
        }
        return members
    }

    /// A property's value by the element that carries it, as the microdata model defines it.
    private static func propertyValue(of node: HTMLNode) -> String {
        let attributeName: String? =
            switch node.name {
            case "meta": "content"
            case "a", "area", "link": "href"
            case "img", "audio", "video", "source", "embed", "iframe", "track": "src"
            case "object": "data"
            case "data", "meter": "value"
            case "time": node.hasAttribute("datetime") ? "datetime" : nil
            default: nil
            }
        if let attributeName {
            return HTMLText.collapsed(node.attribute(attributeName) ?? "")
        }
        return HTMLText.render(node)
    }

    /// `https://schema.org/title` and `title` both name the property `title`.
    private static func localName(_ name: Substring) -> String {
        String(name.split(whereSeparator: { $0 == "/" || $0 == "#" || $0 == ":" }).last ?? name)
    }
}
