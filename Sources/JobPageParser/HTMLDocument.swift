import CLibXML2

/// A page or fragment parsed by libxml2's HTML parser; owns the C tree and frees it on deinit.
///
/// Not `Sendable`: a document is created, read and dropped inside one parse call, and the nodes
/// handed out (`HTMLNode`) are only valid while the document is alive.
final class HTMLDocument {
    // RECOVER: without it libxml2 2.9 treats any "</" plus a letter inside a <script> as an end
    // tag and drops it, so a JSON-LD description's "</p>", "</h2>" or "</li>" silently vanish
    // and its paragraphs run together. NOERROR/NOWARNING: real pages are full of errors and
    // libxml2 would print each one to stderr. NONET: never fetch a DTD or entity over the network.
    private static let options = Int32(
        bitPattern: HTML_PARSE_RECOVER.rawValue | HTML_PARSE_NOERROR.rawValue
            | HTML_PARSE_NOWARNING.rawValue | HTML_PARSE_NONET.rawValue
    )

    private let document: htmlDocPtr

    private init(document: htmlDocPtr) {
        self.document = document
    }

    deinit {
        xmlFreeDoc(document)
    }

    /// Parses raw page bytes. `encoding` is a charset name known from outside the page (the HTTP
    /// Content-Type), or nil to let libxml2 detect it from a BOM or a `<meta charset>` itself,
    /// which it can only do on the undecoded bytes. Returns nil when libxml2 produced no document
    /// (empty input) or the input exceeds libxml2's `int` size parameter.
    static func parse(bytes: UnsafeRawBufferPointer, encoding: String?) -> HTMLDocument? {
        LibXML2.initializeOnce()
        guard let base = bytes.baseAddress, !bytes.isEmpty, let size = Int32(exactly: bytes.count)
        else { return nil }
        let parsed = base.withMemoryRebound(to: CChar.self, capacity: bytes.count) { buffer in
            if let encoding {
                return encoding.withCString { htmlReadMemory(buffer, size, nil, $0, options) }
            }
            return htmlReadMemory(buffer, size, nil, nil, options)
        }
        return parsed.map(HTMLDocument.init(document:))
    }

    /// Parses a fragment of markup held in a Swift string (e.g. a JSON-LD `description`).
    static func parse(markup: String) -> HTMLDocument? {
        var markup = markup
        return markup.withUTF8 { utf8 in
            // The text is UTF-8 already; stating it keeps a stray <meta charset> inside the
            // fragment from making libxml2 decode it a second time.
            parse(bytes: UnsafeRawBufferPointer(utf8), encoding: "UTF-8")
        }
    }

    /// The document node; its descendants are the whole tree.
    var root: HTMLNode {
        // libxml2's documented idiom: an xmlDoc starts with the same fields as an xmlNode, and the
        // top-level nodes name the document as their parent.
        HTMLNode(pointer: xmlNodePtr(OpaquePointer(document)))
    }
}
