import CLibXML2

/// Process-wide libxml2 set-up and the one ownership rule for strings it hands out.
enum LibXML2 {
    // libxml2 2.9 fills its global tables (character encodings, entity table, dictionary lock)
    // lazily on first use, and that lazy path is not thread-safe: the first parses racing on
    // several threads can corrupt them. `xmlInitParser()` run once before any parse avoids it;
    // a static `let` is initialised exactly once, thread-safely, by the Swift runtime.
    private static let initialization: Void = xmlInitParser()

    /// Makes sure `xmlInitParser()` has run; cheap after the first call.
    static func initializeOnce() {
        _ = initialization
    }

    /// Copies a string that libxml2 allocated for the caller (`xmlGetProp`, `xmlNodeGetContent`)
    /// and frees it.
    static func takeString(_ pointer: UnsafeMutablePointer<xmlChar>?) -> String? {
        guard let pointer else { return nil }
        defer { hirebase_xmlFree(pointer) }
        return String(cString: pointer)
    }
}
