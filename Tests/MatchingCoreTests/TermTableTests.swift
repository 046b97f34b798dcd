import Testing
@testable import MatchingCore

/// `TermTable` compares keys as zero-padded 64-bit words: keys that share their first words,
/// keys of every length up to the tokenizer's longest, and a table grown many times over must
/// all still find their own value.
@Suite struct TermTableTests {
    /// Keys of lengths 1...48 that share long prefixes ("a", "aa", ..., and "aaaaaaaab...").
    static let keys: [String] = (1...TextTokenizer.maxLength).flatMap { length in
        [String(repeating: "a", count: length), String(repeating: "a", count: length - 1) + "b"]
    }

    @Test func everyKeyFindsItsOwnValueAcrossGrowth() {
        var table = TermTable(capacity: 2)
        for (index, key) in Self.keys.enumerated() { #expect(table.insert(key, value: Int32(index)) == Int32(index)) }
        for number in 0..<5_000 { table.insert("word\(number)x", value: Int32(10_000 + number)) }
        #expect(table.count == Self.keys.count + 5_000)
        for (index, key) in Self.keys.enumerated() { #expect(table.value(for: key) == Int32(index)) }
        for number in stride(from: 0, to: 5_000, by: 7) { #expect(table.value(for: "word\(number)x") == Int32(10_000 + number)) }
    }

    @Test func absentKeysAreMissingEvenWithASharedHead() {
        var table = TermTable()
        table.insert("kubernetes", value: 1)
        table.insert("postgresql", value: 2)
        #expect(table.value(for: "kubernetez") == TermTable.missing)  // the same first 8 bytes
        #expect(table.value(for: "kubernete") == TermTable.missing)
        #expect(table.value(for: "kubernetess") == TermTable.missing)
        #expect(table.value(for: "postgres") == TermTable.missing)
        #expect(table.insert("kubernetes", value: 9) == 1)  // present: the stored value stays
        #expect(table.value(for: "kubernetes") == 1)
    }
}
