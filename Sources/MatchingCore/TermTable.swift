/// Open-addressing hash table from token bytes to an `Int32`, keyed by the zero-padded tokens
/// ``TextTokenizer`` produces, so a lookup needs no `String`.
///
/// Swift's `Dictionary<String, _>` would need a `String` per token; at ~20 million tokens for a
/// 100,000-candidate pool that allocation dominated the scan.
struct TermTable: Sendable {
    /// Value returned for a missing key.
    static let missing: Int32 = -1

    /// One key: its hash, its first 8 bytes inline (most words fit, so a lookup reads no other
    /// array), where the rest starts in `keyWords`, its length and its value. One 32-byte record
    /// instead of five parallel arrays: a lookup in a table of 100,000+ words (a large pool's
    /// vocabulary) costs a cache miss per array touched, and the build of a 100,000-candidate
    /// pool makes some 30 million of them.
    private struct Entry {
        var hash: UInt64
        var head: UInt64
        var restStart: Int32
        var length: Int32
        var value: Int32
    }

    /// Bytes 8 and on of the keys longer than 8 bytes, as zero-padded 64-bit words.
    private var keyWords: [UInt64] = []
    private var entries: [Entry] = []
    /// Open addressing: 0 for an empty bucket, else the entry's index + 1 in the low 32 bits and
    /// the high 32 bits of its hash in the high ones, so a probe passes other keys without
    /// reading their entries.
    private var buckets: [UInt64]
    private var mask: Int
    /// Bit per key length, and bit per key's first two bytes: a cheap "certainly absent" test
    /// that lets the per-call scan skip hashing most words of a résumé.
    private var lengthBits: UInt64 = 0
    private var prefixBits = [UInt64](repeating: 0, count: 1024)

    /// Number of keys.
    var count: Int { entries.count }

    /// Bytes held by the table's arrays (their capacities), for memory budgets.
    var estimatedBytes: Int {
        keyWords.capacity * 8 + entries.capacity * MemoryLayout<Entry>.stride + buckets.capacity * 8 + prefixBits.capacity * 8
    }

    /// Creates an empty table sized for about `capacity` keys.
    init(capacity: Int = 16) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        buckets = [UInt64](repeating: 0, count: size)
        mask = size - 1
    }

    /// `false` when no key can equal the token (same length and first two bytes); `true` otherwise.
    @inline(__always)
    func mayContain(token: UnsafeRawPointer, length: Int) -> Bool {
        guard length < 64, lengthBits & (1 << UInt64(length)) != 0 else { return false }
        let prefix = Int(token.load(as: UInt16.self))
        return prefixBits[prefix >> 6] & (1 << UInt64(prefix & 63)) != 0
    }

    /// The value stored for the token, or ``missing``.
    @inline(__always)
    func value(token: UnsafeRawPointer, length: Int, hash: UInt64) -> Int32 {
        let entry = find(token: token, length: length, hash: hash)
        return entry < 0 ? Self.missing : entries[entry].value
    }

    /// The value stored for `key` (lower-cased token text), or ``missing``.
    func value(for key: String) -> Int32 {
        Self.withToken(key) { token, length, hash in value(token: token, length: length, hash: hash) }
    }

    /// Stores `value` for the token unless the token is present; returns the value now stored.
    @discardableResult
    mutating func insert(token: UnsafeRawPointer, length: Int, hash: UInt64, value: Int32) -> Int32 {
        let found = find(token: token, length: length, hash: hash)
        if found >= 0 { return entries[found].value }
        if (count + 1) * 2 > buckets.count { grow() }
        let entry = count
        entries.append(Entry(hash: hash, head: token.load(as: UInt64.self), restStart: Int32(truncatingIfNeeded: keyWords.count),
                             length: Int32(truncatingIfNeeded: length), value: value))
        var offset = 8
        while offset < length {
            keyWords.append(token.load(fromByteOffset: offset, as: UInt64.self))
            offset += 8
        }
        var bucket = Int(truncatingIfNeeded: hash) & mask
        while buckets[bucket] != 0 { bucket = (bucket + 1) & mask }
        buckets[bucket] = Self.bucketWord(entry: entry, hash: hash)
        if length < 64 { lengthBits |= 1 << UInt64(length) }
        let prefix = Int(token.load(as: UInt16.self))
        prefixBits[prefix >> 6] |= 1 << UInt64(prefix & 63)
        return value
    }

    /// Stores `value` for `key` (lower-cased token text) unless present; returns the stored value.
    @discardableResult
    mutating func insert(_ key: String, value: Int32) -> Int32 {
        Self.withToken(key) { token, length, hash in
            insert(token: token, length: length, hash: hash, value: value)
        }
    }

    /// A bucket's word for `entry`: see ``buckets``.
    @inline(__always)
    private static func bucketWord(entry: Int, hash: UInt64) -> UInt64 {
        (hash & 0xFFFF_FFFF_0000_0000) | UInt64(truncatingIfNeeded: entry + 1)
    }

    @inline(__always)
    private func find(token: UnsafeRawPointer, length: Int, hash: UInt64) -> Int {
        let tag = hash & 0xFFFF_FFFF_0000_0000
        let head = token.load(as: UInt64.self)
        return buckets.withUnsafeBufferPointer { buckets in
            entries.withUnsafeBufferPointer { entries in
                var bucket = Int(truncatingIfNeeded: hash) & mask
                while true {
                    let word = buckets[bucket]
                    if word == 0 { return -1 }
                    if word & 0xFFFF_FFFF_0000_0000 == tag {
                        let entry = Int(truncatingIfNeeded: word & 0xFFFF_FFFF) - 1
                        let candidate = entries[entry]
                        if candidate.hash == hash, candidate.head == head, Int(candidate.length) == length,
                           length <= 8 || restMatches(start: Int(candidate.restStart), token: token, length: length) {
                            return entry
                        }
                    }
                    bucket = (bucket + 1) & mask
                }
            }
        }
    }

    /// Whether bytes 8 and on of the token equal the key's rest at `start` in `keyWords`.
    @inline(__always)
    private func restMatches(start: Int, token: UnsafeRawPointer, length: Int) -> Bool {
        var start = start
        var offset = 8
        while offset < length {
            if keyWords[start] != token.load(fromByteOffset: offset, as: UInt64.self) { return false }
            start += 1
            offset += 8
        }
        return true
    }

    private mutating func grow() {
        let size = buckets.count * 2
        buckets = [UInt64](repeating: 0, count: size)
        mask = size - 1
        for (entry, key) in entries.enumerated() {
            var bucket = Int(truncatingIfNeeded: key.hash) & mask
            while buckets[bucket] != 0 { bucket = (bucket + 1) & mask }
            buckets[bucket] = Self.bucketWord(entry: entry, hash: key.hash)
        }
    }

    /// Runs `body` on `key`'s UTF-8 bytes laid out as a zero-padded token with its hash.
    /// Keys longer than ``TextTokenizer/maxLength`` are cut; the tokenizer never emits such keys.
    private static func withToken<R>(_ key: String, _ body: (UnsafeRawPointer, Int, UInt64) -> R) -> R {
        let bytes = Array(key.utf8.prefix(TextTokenizer.maxLength))
        let scratch = TextTokenizer.makeScratch()
        defer { scratch.deallocate() }
        for (offset, byte) in bytes.enumerated() { scratch.storeBytes(of: byte, toByteOffset: offset, as: UInt8.self) }
        return body(UnsafeRawPointer(scratch), bytes.count, TextTokenizer.hash(UnsafeRawPointer(scratch), length: bytes.count))
    }
}
