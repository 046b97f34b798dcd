import Foundation

/// Splits text into the word tokens BM25 counts, working on UTF-8 bytes so that a 100,000-candidate
/// pool can be scanned without allocating per token.
///
/// Rules (shared by the job query, the per-call scan and ``CandidatePool``, so they agree):
/// - Whitespace-separated chunks holding `@` or `://` (e-mail addresses, URLs) are skipped whole:
///   they are contact data, and scoring them would let personal details move the score.
/// - Token bytes are ASCII letters (lower-cased), digits, `+`, `#` and any non-ASCII byte (no case
///   folding outside ASCII); `'` is dropped inside a word; a `.` stays when a letter or digit
///   follows and it starts the token or follows a letter or digit (`.net`, `node.js`, `3.11`).
///   Everything else separates tokens.
/// - Only tokens with at least one letter are words; longer than ``maxLength`` bytes are dropped
///   (hashes, base64). Numbers are neither words nor counted in a document's length.
enum TextTokenizer {
    /// Receives the words of a text. A mutable value passed `inout` rather than a closure that
    /// captures variables, which would cost a dynamic exclusivity check per word.
    protocol Sink {
        /// One word: `length` lower-cased bytes at `token`, zero-padded to a multiple of 8.
        mutating func word(_ token: UnsafeRawPointer, length: Int)
    }

    /// Longest token kept, in bytes.
    static let maxLength = 48

    /// Byte -> its lower-cased form if it is a token byte, else 0 (`.` and `'` are handled apart).
    private static let tokenBytes: [UInt8] = (0...255).map { value -> UInt8 in
        let byte = UInt8(value)
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return byte | 0x20
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "+"), UInt8(ascii: "#"), 0x80...0xFF: return byte
        default: return 0
        }
    }

    /// Zeroed, 8-byte aligned scratch space for ``forEachWord(in:scratch:into:)``; the caller
    /// deallocates it.
    static func makeScratch() -> UnsafeMutableRawPointer {
        let scratch = UnsafeMutableRawPointer.allocate(byteCount: maxLength + 8, alignment: 8)
        scratch.initializeMemory(as: UInt8.self, repeating: 0, count: maxLength + 8)
        return scratch
    }

    /// Passes every word of `text` to `sink`, in order.
    ///
    /// The token passed points into `scratch` (from ``makeScratch()``, reused across calls): the
    /// lower-cased bytes, zero-padded to a multiple of 8 so ``TermTable`` compares whole words.
    @inline(__always)
    static func forEachWord<S: Sink>(
        in text: UnsafeBufferPointer<UInt8>,
        scratch: UnsafeMutableRawPointer,
        into sink: inout S
    ) {
        guard let base = text.baseAddress, !text.isEmpty else { return }
        let count = text.count
        tokenBytes.withUnsafeBufferPointer { table in
            guard let map = table.baseAddress else { return }
            // Contact chunks are rare, so find them with memchr and tokenize the stretches between.
            var nextAt = find(UInt8(ascii: "@"), in: base, from: 0, count: count)
            var nextURL = findURLMarker(in: base, from: 0, count: count)
            var position = 0
            while position < count {
                let contact = min(nextAt, nextURL)
                guard contact < count else {
                    wordsOfStretch(base, from: position, to: count, map: map, scratch: scratch, into: &sink)
                    return
                }
                var chunkStart = contact
                while chunkStart > position, !isSpace(base[chunkStart - 1]) { chunkStart -= 1 }
                var chunkEnd = contact
                while chunkEnd < count, !isSpace(base[chunkEnd]) { chunkEnd += 1 }
                wordsOfStretch(base, from: position, to: chunkStart, map: map, scratch: scratch, into: &sink)
                position = chunkEnd
                if nextAt < position { nextAt = find(UInt8(ascii: "@"), in: base, from: position, count: count) }
                if nextURL < position { nextURL = findURLMarker(in: base, from: position, count: count) }
            }
        }
    }

    /// Words of `string` as Strings; for the job side and tests, where allocation does not matter.
    static func words(of string: String) -> [String] {
        struct Collector: Sink {
            var words: [String] = []
            mutating func word(_ token: UnsafeRawPointer, length: Int) {
                words.append(String(decoding: UnsafeRawBufferPointer(start: token, count: length), as: UTF8.self))
            }
        }
        var collector = Collector()
        var text = string
        let scratch = makeScratch()
        defer { scratch.deallocate() }
        text.withUTF8 { forEachWord(in: $0, scratch: scratch, into: &collector) }
        return collector.words
    }

    /// 64-bit hash of a zero-padded token (`length` bytes, padded to a multiple of 8).
    @inline(__always)
    static func hash(_ token: UnsafeRawPointer, length: Int) -> UInt64 {
        var hash: UInt64 = 0x243F_6A88_85A3_08D3 &+ UInt64(truncatingIfNeeded: length)
        var offset = 0
        while offset < length {
            let word = token.load(fromByteOffset: offset, as: UInt64.self)
            hash = (hash ^ word) &* 0x9E37_79B9_7F4A_7C15
            hash ^= hash >> 29
            offset += 8
        }
        // SplitMix64's finalizer, so that short keys spread over all bucket bits.
        hash ^= hash >> 30
        hash = hash &* 0xBF58_476D_1CE4_E5B9
        hash ^= hash >> 27
        hash = hash &* 0x94D0_49BB_1331_11EB
        hash ^= hash >> 31
        return hash
    }

    /// Tokenizes `base[start..<end]`, a stretch bounded by whitespace or the text's ends.
    @inline(__always)
    private static func wordsOfStretch<S: Sink>(
        _ base: UnsafePointer<UInt8>,
        from start: Int,
        to end: Int,
        map: UnsafePointer<UInt8>,
        scratch: UnsafeMutableRawPointer,
        into sink: inout S
    ) {
        let out = scratch.assumingMemoryBound(to: UInt8.self)
        var length = 0
        var hasLetter = false
        var index = start
        while index < end {
            let raw = base[index]
            let mapped = map[Int(raw)]
            if mapped != 0 {
                if length < maxLength { out[length] = mapped }
                length += 1
                // Letters map to a...z (0x61...0x7A) or stay non-ASCII (>= 0x80); digits, + and # are below.
                hasLetter = hasLetter || mapped >= 0x61
            } else if raw == UInt8(ascii: "'") {
                // Dropped inside words: "don't" -> "dont".
            } else if raw == UInt8(ascii: "."), index + 1 < end, isAlphanumeric(base[index + 1]),
                      length == 0 || isAlphanumeric(base[index - 1]) {
                if length < maxLength { out[length] = raw }
                length += 1
            } else if length > 0 {
                emit(length: length, hasLetter: hasLetter, scratch: scratch, into: &sink)
                length = 0
                hasLetter = false
            }
            index += 1
        }
        if length > 0 { emit(length: length, hasLetter: hasLetter, scratch: scratch, into: &sink) }
    }

    /// Hands a finished token to the sink, then zeroes the scratch words it used so the next
    /// token arrives zero-padded.
    @inline(__always)
    private static func emit<S: Sink>(length: Int, hasLetter: Bool, scratch: UnsafeMutableRawPointer, into sink: inout S) {
        if hasLetter, length <= maxLength { sink.word(UnsafeRawPointer(scratch), length: length) }
        // Six unconditional stores (maxLength / 8) are cheaper than a loop over the used words.
        scratch.storeBytes(of: 0, toByteOffset: 0, as: UInt64.self)
        scratch.storeBytes(of: 0, toByteOffset: 8, as: UInt64.self)
        scratch.storeBytes(of: 0, toByteOffset: 16, as: UInt64.self)
        scratch.storeBytes(of: 0, toByteOffset: 24, as: UInt64.self)
        scratch.storeBytes(of: 0, toByteOffset: 32, as: UInt64.self)
        scratch.storeBytes(of: 0, toByteOffset: 40, as: UInt64.self)
    }

    private static func find(_ byte: UInt8, in base: UnsafePointer<UInt8>, from start: Int, count: Int) -> Int {
        guard start < count, let found = memchr(base + start, Int32(byte), count - start) else { return count }
        return UnsafeRawPointer(found) - UnsafeRawPointer(base)
    }

    /// Position of the next `:` followed by `//`, or `count`.
    private static func findURLMarker(in base: UnsafePointer<UInt8>, from start: Int, count: Int) -> Int {
        var position = find(UInt8(ascii: ":"), in: base, from: start, count: count)
        while position < count {
            if position + 2 < count, base[position + 1] == UInt8(ascii: "/"), base[position + 2] == UInt8(ascii: "/") {
                return position
            }
            position = find(UInt8(ascii: ":"), in: base, from: position + 1, count: count)
        }
        return count
    }

    @inline(__always)
    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (byte >= 0x09 && byte <= 0x0D)
    }

    @inline(__always)
    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return false
        }
    }
}

extension TextTokenizer.Sink {
    /// Feeds every word of `text` (nothing for `nil`) to this sink.
    /// - Parameter scratch: the tokenizer's scratch buffer.
    mutating func count(_ text: String?, scratch: UnsafeMutableRawPointer) {
        guard var text else { return }
        text.withUTF8 { TextTokenizer.forEachWord(in: $0, scratch: scratch, into: &self) }
    }
}
