/// Open-addressing hash table from token bytes to an `Int32`, keyed by the zero-padded tokens
/// ``TextTokenizer`` produces, so a lookup needs no `String`.
///
/// Swift's `Dictionary<String, _>` would need a `String` per token; at ~20 million tokens for a
/// 100,000-candidate pool that allocation dominated the scan.
struct TermTable: Sendable {
    /// Value returned for a missing key.
    static let missing: Int32 = -1

    private var keyWords: [UInt64] = []
    private var entryKeyStart: [Int32] = []
    private var entryLength: [Int32] = []
    private var entryHash: [UInt64] = []
    private var entryValue: [Int32] = []
    private var buckets: [Int32]
    private var mask: Int
    /// Bit per key length, and bit per key's first two bytes: a cheap "certainly absent" test
    /// that lets the per-call scan skip hashing most words of a résumé.
    private var lengthBits: UInt64 = 0
    private var prefixBits = [UInt64](repeating: 0, count: 1024)

    /// Number of keys.
    var count: Int { entryValue.count }

    /// Bytes held by the table's arrays (their capacities), for memory budgets.
    var estimatedBytes: Int {
        keyWords.capacity * 8 + entryKeyStart.capacity * 4 + entryLength.capacity * 4 + entryHash.capacity * 8
            + entryValue.capacity * 4 + buckets.capacity * 4 + prefixBits.capacity * 8
    }

    /// Creates an empty table sized for about `capacity` keys.
    init(capacity: Int = 16) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        buckets = [Int32](repeating: -1, count: size)
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
        return entry < 0 ? Self.missing : entryValue[entry]
    }

    /// The value stored for `key` (lower-cased token text), or ``missing``.
    func value(for key: String) -> Int32 {
        Self.withToken(key) { token, length, hash in value(token: token, length: length, hash: hash) }
    }

    /// Stores `value` for the token unless the token is present; returns the value now stored.
    @discardableResult
    mutating func insert(token: UnsafeRawPointer, length: Int, hash: UInt64, value: Int32) -> Int32 {
        let found = find(token: token, length: length, hash: hash)
        if found >= 0 { return entryValue[found] }
        if (count + 1) * 2 > buckets.count { grow() }
        let entry = Int32(truncatingIfNeeded: count)
        entryKeyStart.append(Int32(truncatingIfNeeded: keyWords.count))
        entryLength.append(Int32(truncatingIfNeeded: length))
        entryHash.append(hash)
        entryValue.append(value)
        var offset = 0
        while offset < length {
            keyWords.append(token.load(fromByteOffset: offset, as: UInt64.self))
            offset += 8
        }
        var bucket = Int(truncatingIfNeeded: hash) & mask
        while buckets[bucket] >= 0 { bucket = (bucket + 1) & mask }
        buckets[bucket] = entry
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

    @inline(__always)
    private func find(token: UnsafeRawPointer, length: Int, hash: UInt64) -> Int {
        var bucket = Int(truncatingIfNeeded: hash) & mask
        while true {
            let entry = Int(buckets[bucket])
            if entry < 0 { return -1 }
            if entryHash[entry] == hash, Int(entryLength[entry]) == length,
               keyMatches(entry: entry, token: token, length: length) {
                return entry
            }
            bucket = (bucket + 1) & mask
        }
    }

    @inline(__always)
    private func keyMatches(entry: Int, token: UnsafeRawPointer, length: Int) -> Bool {
        var start = Int(entryKeyStart[entry])
        var offset = 0
        while offset < length {
            if keyWords[start] != token.load(fromByteOffset: offset, as: UInt64.self) { return false }
            start += 1
            offset += 8
        }
        return true
    }

    private mutating func grow() {
        let size = buckets.count * 2
        buckets = [Int32](repeating: -1, count: size)
        mask = size - 1
        for entry in 0..<count {
            var bucket = Int(truncatingIfNeeded: entryHash[entry]) & mask
            while buckets[bucket] >= 0 { bucket = (bucket + 1) & mask }
            buckets[bucket] = Int32(truncatingIfNeeded: entry)
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
