import CLibXML2

/// A borrowed view of one node of an `HTMLDocument`'s tree; valid only while the document lives.
struct HTMLNode {
    let pointer: xmlNodePtr

    /// Whether the node is an element (as opposed to text, a comment, ...).
    var isElement: Bool { pointer.pointee.type == XML_ELEMENT_NODE }

    /// Whether the node carries character data (text, or CDATA as libxml2 stores script bodies).
    var isText: Bool {
        pointer.pointee.type == XML_TEXT_NODE || pointer.pointee.type == XML_CDATA_SECTION_NODE
    }

    /// The element name; libxml2's HTML parser already lower-cases it.
    var name: String {
        pointer.pointee.name.map { String(cString: $0) } ?? ""
    }

    /// The character data of a text node, without copying through libxml2's allocator.
    var text: String {
        pointer.pointee.content.map { String(cString: $0) } ?? ""
    }

    /// All text below this node, concatenated (libxml2 decodes entities while parsing).
    var textContent: String {
        LibXML2.takeString(xmlNodeGetContent(pointer)) ?? ""
    }

    /// The value of an attribute (names are lower-case in libxml2's HTML tree), or nil.
    func attribute(_ name: String) -> String? {
        LibXML2.takeString(xmlGetProp(pointer, Array(name.utf8) + [0]))
    }

    /// Whether the element has the attribute at all (for boolean attributes like `itemscope`).
    func hasAttribute(_ name: String) -> Bool {
        xmlHasProp(pointer, Array(name.utf8) + [0]) != nil
    }

    /// What a visitor is told about a node: reached before its children, or left after them.
    enum WalkEvent {
        case enter
        case exit
    }

    /// Visits the descendants of this node in document order. The visitor answers `.enter` with
    /// whether to go into the node's children; every entered node is also reported on `.exit`.
    ///
    /// Iterative on purpose: hostile or broken pages nest elements thousands deep, and recursion
    /// would overflow the small stack of a concurrency thread.
    func walkDescendants(_ visit: (HTMLNode, WalkEvent) -> Bool) {
        var current = pointer.pointee.children
        while let node = current {
            if visit(HTMLNode(pointer: node), .enter), let child = node.pointee.children {
                current = child
                continue
            }
            _ = visit(HTMLNode(pointer: node), .exit)
            var cursor = node
            while cursor.pointee.next == nil {
                guard let parent = cursor.pointee.parent, parent != pointer else { return }
                _ = visit(HTMLNode(pointer: parent), .exit)
                cursor = parent
            }
            current = cursor.pointee.next
        }
    }
}
