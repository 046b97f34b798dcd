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
    // Never XML_PARSE_HUGE: without it libxml2 halts the parse at the 258th nested element
    // (`xmlParserMaxDepth` = 256, checked in `nodePush` for every element the HTML parser adds),
    // which bounds the depth of every tree walked here.
    private static let options = Int32(
        bitPattern: HTML_PARSE_RECOVER.rawValue | HTML_PARSE_NOERROR.rawValue
            | HTML_PARSE_NOWARNING.rawValue | HTML_PARSE_NONET.rawValue
    )

    /// The size of libxml2's per-parse attribute table past which the parse ends: 352 slots, two
    /// per attribute, so the input stops at the first start tag with more than 175 attributes
    /// (no real element comes close; the attributes of one tag in real pages number in the tens).
    ///
    /// libxml2 2.9 (`htmlParseStartTag`) checks each attribute of a tag against all earlier ones
    /// of that tag, so one tag with k attributes costs k²/2 comparisons: a 2 MB page holding one
    /// tag with 250,000 attributes took over 3 minutes. libxml2 offers no limit for it, but it
    /// grows the table (`ctxt->maxatts`: 22, 44, 88, ... slots) as a tag needs, and asks for input
    /// 4,000 bytes at a time (at most ~1,000 more attributes), so `PageReader` checks the size
    /// between two reads and answers "end of input" once it is past this.
    static let maximumAttributeSlots: Int32 = 352

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
    ///
    /// The page is handed over through a read callback (see `PageReader`) rather than
    /// `htmlReadMemory`, so that a start tag with too many attributes can end the parse: see
    /// `maximumAttributeSlots`. The tree is otherwise the same (compared on the test pages and
    /// on generated ones), except on a page that declares conflicting charsets part-way through,
    /// whose rest libxml2 re-decodes differently when it has read it in parts.
    static func parse(bytes: UnsafeRawBufferPointer, encoding: String?) -> HTMLDocument? {
        LibXML2.initializeOnce()
        guard !bytes.isEmpty, bytes.count <= Int(Int32.max), let context = htmlNewParserCtxt()
        else { return nil }
        defer { htmlFreeParserCtxt(context) }
        var reader = PageReader(bytes: bytes, context: context)
        let parsed = withUnsafeMutablePointer(to: &reader) { reader -> htmlDocPtr? in
            let read: xmlInputReadCallback = { reader, buffer, length in
                guard let reader else { return -1 }
                return reader.assumingMemoryBound(to: PageReader.self).pointee.read(into: buffer, length)
            }
            if let encoding {
                return encoding.withCString { htmlCtxtReadIO(context, read, nil, reader, nil, $0, options) }
            }
            return htmlCtxtReadIO(context, read, nil, reader, nil, nil, options)
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

/// Hands a page to libxml2 in the chunks its parser asks for, for `HTMLDocument.parse`.
private struct PageReader {
    let bytes: UnsafeRawBufferPointer
    let context: htmlParserCtxtPtr
    private var offset = 0

    init(bytes: UnsafeRawBufferPointer, context: htmlParserCtxtPtr) {
        self.bytes = bytes
        self.context = context
    }

    /// libxml2's `xmlInputReadCallback`: copies up to `length` bytes to `buffer` and returns how
    /// many; 0 is the end of the input, also when a start tag has grown libxml2's attribute table
    /// past `HTMLDocument.maximumAttributeSlots` (the parse then ends with what it has read).
    mutating func read(into buffer: UnsafeMutablePointer<CChar>?, _ length: Int32) -> Int32 {
        guard let buffer, length > 0 else { return 0 }
        if offset == 0, context.pointee.charset == Int32(XML_CHAR_ENCODING_NONE.rawValue) {
            // htmlCtxtReadIO resets the context's charset to "none", which makes libxml2 take any
            // byte >= 0x80 in an undeclared page for Latin-1; htmlReadMemory's context starts at
            // UTF-8 and falls back to Latin-1 only on invalid UTF-8. Nothing has been read yet,
            // so this restores htmlReadMemory's behaviour.
            context.pointee.charset = Int32(XML_CHAR_ENCODING_UTF8.rawValue)
        }
        guard context.pointee.maxatts <= HTMLDocument.maximumAttributeSlots else { return 0 }
        let count = min(Int(length), bytes.count - offset)
        guard count > 0, let base = bytes.baseAddress else { return 0 }
        UnsafeMutableRawPointer(buffer).copyMemory(from: base + offset, byteCount: count)
        offset += count
        return Int32(count)
    }
}
