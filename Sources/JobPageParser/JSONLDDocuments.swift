import JSONTree

/// The JSON-LD blocks of one page, parsed, with what the parser needs from them: the first
/// schema.org `JobPosting` node, and nodes by `@id` so that references resolve.
///
/// This is not a JSON-LD processor (no context expansion); it reads the compact form that
/// schema.org and Google's job-posting guidelines show, which is what sites publish.
struct JSONLDDocuments {
    /// How deep the search for a `JobPosting` goes; real pages nest a few levels (`@graph`,
    /// `mainEntity`), and the bound keeps a hostile block from exhausting the stack.
    private static let maximumDepth = 32

    private let roots: [JSONValue]
    private let nodesByID: [String: [String: JSONValue]]

    /// Parses each block leniently (see `LenientJSON`); blocks that are not JSON are skipped.
    init(blocks: [String]) {
        roots = blocks.compactMap(LenientJSON.parse)
        var nodesByID: [String: [String: JSONValue]] = [:]
        for root in roots {
            Self.collectNodes(in: root, depth: 0, into: &nodesByID)
        }
        self.nodesByID = nodesByID
    }

    /// The first `JobPosting` in document order: blocks in page order, each searched depth-first
    /// (an object before its members; `@graph` first, then the other members by name, so the
    /// answer does not depend on dictionary order).
    var firstJobPosting: [String: JSONValue]? {
        for root in roots {
            if let posting = Self.firstJobPosting(in: root, depth: 0) { return posting }
        }
        return nil
    }

    /// A node that only references another one (`{"@id": "#org"}`, as Yoast SEO and other
    /// `@graph` writers emit) replaced by the node with that `@id`; anything else unchanged.
    func resolve(_ value: JSONValue) -> JSONValue {
        guard let object = value.objectValue, let id = object["@id"]?.text,
            object.keys.allSatisfy({ $0 == "@id" || $0 == "@type" }),
            let node = nodesByID[id]
        else { return value }
        return .object(node)
    }

    /// Whether a node's `@type` (a string or an array of them) names schema.org's JobPosting,
    /// compact (`JobPosting`), prefixed (`schema:JobPosting`) or as a full IRI
    /// (`http://schema.org/JobPosting`).
    static func isJobPosting(_ node: [String: JSONValue]) -> Bool {
        guard let type = node["@type"] else { return false }
        return type.elements.contains { element in
            guard let name = element.text else { return false }
            let local = name.split(whereSeparator: { $0 == "/" || $0 == ":" || $0 == "#" }).last
            return local.map { $0.lowercased() == "jobposting" } ?? false
        }
    }

    private static func firstJobPosting(in value: JSONValue, depth: Int) -> [String: JSONValue]? {
        guard depth < maximumDepth else { return nil }
        switch value {
        case .array(let values):
            for element in values {
                if let posting = firstJobPosting(in: element, depth: depth + 1) { return posting }
            }
            return nil
        case .object(let object):
            if isJobPosting(object) { return object }
            for key in orderedKeys(object) {
                if let member = object[key],
                    let posting = firstJobPosting(in: member, depth: depth + 1)
                {
                    return posting
                }
            }
            return nil
        default:
            return nil
        }
    }

    private static func orderedKeys(_ object: [String: JSONValue]) -> [String] {
        object.keys.sorted { lhs, rhs in
            if lhs == "@graph" || rhs == "@graph" { return lhs == "@graph" && rhs != "@graph" }
            return lhs < rhs
        }
    }

    private static func collectNodes(
        in value: JSONValue, depth: Int, into nodes: inout [String: [String: JSONValue]]
    ) {
        guard depth < maximumDepth else { return }
        switch value {
        case .array(let values):
            for element in values { collectNodes(in: element, depth: depth + 1, into: &nodes) }
        case .object(let object):
            // Only nodes that say something besides their id and type can stand in for a reference.
            if let id = object["@id"]?.text, nodes[id] == nil,
                object.keys.contains(where: { $0 != "@id" && $0 != "@type" })
            {
                nodes[id] = object
            }
            for key in orderedKeys(object) {
                if let member = object[key] { collectNodes(in: member, depth: depth + 1, into: &nodes) }
            }
        default:
            break
        }
    }
}
