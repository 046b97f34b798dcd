import Foundation

/// The skill alias table and the normalization that maps a skill as written to a ``CanonicalSkill``.
///
/// The table is data (`Resources/skill-aliases.json`: `{"skills": [{"id", "name", "aliases"}]}`),
/// so adding a spelling needs no code change. Normalization of a written skill, in order:
/// 1. lower-case, trim, collapse whitespace; look up its *compact key* (only letters, digits,
///    `+` and `#` kept, so `"Node.js"`, `"node js"` and `"nodejs"` meet while `c`, `c#`, `c++`
///    stay apart; `.net` becomes `net`);
/// 2. drop trailing version words (`"Python 3.11"`, `"react 18"`, `"vue.js 2"`, `"Angular 2.x"`,
///    `"Java v17"`) and look up again;
/// 3. drop trailing digits glued to the name (`"python3"`, `"c++17"`), kept only when that finds
///    a known skill, so `s3` or `web3` are not cut;
/// 4. still unknown and holding `/`, `,`, `;` or `|` (`"C/C++"`): normalize each part;
/// 5. still unknown: the compact key of step 2 is the id and the written text the name.
public struct SkillAliases: Sendable {
    /// One row of the alias file.
    public struct Entry: Sendable, Hashable, Codable {
        /// Canonical id, lower case, e.g. `"kubernetes"`, `"c#"`, `".net"`.
        public var id: String
        /// Display name, e.g. `"Kubernetes"`.
        public var name: String
        /// Other spellings, e.g. `["k8s", "kube"]`; the id and name need not be repeated.
        public var aliases: [String]

        /// Creates an entry.
        public init(id: String, name: String, aliases: [String]) {
            self.id = id
            self.name = name
            self.aliases = aliases
        }
    }

    /// Why an alias table was refused.
    public enum LoadError: Error, Hashable, Sendable {
        /// The resource file is not in the module bundle.
        case resourceMissing(String)
        /// An entry's id, name or alias has no letter or digit, so it could never match.
        case emptyKey(id: String, spelling: String)
        /// Two entries claim the same spelling (compared by compact key).
        case duplicateSpelling(String, firstID: String, secondID: String)
    }

    /// The bundled table (`Resources/skill-aliases.json`).
    ///
    /// Falls back to an empty table if the resource cannot be read, because a library must not
    /// crash; call ``loadBundled()`` at start-up to fail loudly instead (the file ships inside
    /// the module bundle, so that only happens with a broken deployment).
    public static let bundled: SkillAliases = (try? loadBundled()) ?? SkillAliases(validEntries: [])

    /// Reads and validates `Resources/skill-aliases.json` from the module bundle.
    /// - Throws: ``LoadError`` or a `DecodingError`.
    public static func loadBundled() throws -> SkillAliases {
        guard let url = Bundle.module.url(forResource: "skill-aliases", withExtension: "json") else {
            throw LoadError.resourceMissing("skill-aliases.json")
        }
        return try SkillAliases(jsonData: Data(contentsOf: url))
    }

    /// The table's entries in file order.
    public let entries: [Entry]
    private let entryByKey: [String: Int]
    /// Single-token spellings (as ``TextTokenizer`` emits them) mapped to a skill id, so that
    /// `k8s` in a résumé counts as `kubernetes` for BM25. Multi-word spellings are not mapped.
    let textTerms: [String: String]
    /// Stopwords minus every skill spelling and id.
    let stopwords: Set<String>

    /// Builds a table from JSON `{"skills": [{"id", "name", "aliases"}]}`.
    /// - Throws: `DecodingError` on malformed JSON, ``LoadError`` on an unusable table.
    public init(jsonData: Data) throws {
        struct File: Decodable { var skills: [Entry] }
        try self.init(entries: JSONDecoder().decode(File.self, from: jsonData).skills)
    }

    /// Builds a table from entries.
    /// - Throws: ``LoadError/emptyKey(id:spelling:)`` or ``LoadError/duplicateSpelling(_:firstID:secondID:)``.
    public init(entries: [Entry]) throws {
        for entry in entries {
            for spelling in [entry.id, entry.name] + entry.aliases where Self.compactKey(spelling).isEmpty {
                throw LoadError.emptyKey(id: entry.id, spelling: spelling)
            }
        }
        var seen: [String: String] = [:]
        for entry in entries {
            for spelling in [entry.id, entry.name] + entry.aliases {
                let key = Self.compactKey(Self.cleaned(spelling))
                if let other = seen[key], other != entry.id {
                    throw LoadError.duplicateSpelling(spelling, firstID: other, secondID: entry.id)
                }
                seen[key] = entry.id
            }
        }
        self.init(validEntries: entries)
    }

    private init(validEntries: [Entry]) {
        entries = validEntries.map { Entry(id: $0.id.lowercased(), name: $0.name, aliases: $0.aliases) }
        var byKey: [String: Int] = [:]
        var terms: [String: String] = [:]
        var spellings: Set<String> = []
        for (index, entry) in entries.enumerated() {
            for spelling in [entry.id, entry.name] + entry.aliases {
                byKey[Self.compactKey(Self.cleaned(spelling))] = index
                let words = TextTokenizer.words(of: spelling)
                spellings.formUnion(words)
                // First entry wins a shared token so the mapping never depends on hash order.
                if words.count == 1, words[0] != entry.id, terms[words[0]] == nil {
                    terms[words[0]] = entry.id
                }
            }
            spellings.insert(entry.id)
        }
        entryByKey = byKey
        textTerms = terms
        stopwords = Stopwords.english.subtracting(spellings)
    }

    /// Normalizes one skill as written; see the type's documentation for the steps.
    ///
    /// Returns one skill, several for a compound such as `"C/C++"`, or none for text without
    /// letters or digits.
    public func canonicalSkills(for skill: String) -> [CanonicalSkill] {
        let cleaned = Self.cleaned(skill)
        if let found = known(cleaned) { return [found] }
        let unversioned = Self.withoutVersionWords(cleaned)
        if unversioned != cleaned, let found = known(unversioned) { return [found] }
        let key = Self.compactKey(unversioned)
        if let found = knownWithoutGluedVersion(key) { return [found] }
        if unversioned.contains(where: { "/,;|".contains($0) }) {
            let parts = unversioned.split(whereSeparator: { "/,;|".contains($0) })
            var result: [CanonicalSkill] = []
            for part in parts {
                for found in canonicalSkills(for: String(part)) where !result.contains(found) {
                    result.append(found)
                }
            }
            return result
        }
        guard !key.isEmpty else { return [] }
        return [CanonicalSkill(id: key, name: Self.displayName(skill), isKnown: false)]
    }

    private func known(_ cleaned: String) -> CanonicalSkill? {
        entryByKey[Self.compactKey(cleaned)].map(skill(at:))
    }

    private func knownWithoutGluedVersion(_ key: String) -> CanonicalSkill? {
        var stripped = Substring(key)
        while let last = stripped.last, last.isASCII, last.isNumber { stripped = stripped.dropLast() }
        guard stripped.count < key.count, !stripped.isEmpty else { return nil }
        return entryByKey[String(stripped)].map(skill(at:))
    }

    private func skill(at index: Int) -> CanonicalSkill {
        CanonicalSkill(id: entries[index].id, name: entries[index].name, isKnown: true)
    }

    /// Lower-cased, trimmed, whitespace collapsed to single spaces.
    static func cleaned(_ text: String) -> String {
        text.lowercased().split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    /// Letters, digits, `+` and `#` of `text`, in order.
    static func compactKey(_ text: String) -> String {
        var scalars = String.UnicodeScalarView()
        for scalar in text.lowercased().unicodeScalars {
            if scalar == "+" || scalar == "#" || scalar.properties.isAlphabetic || scalar.properties.numericType != nil {
                scalars.append(scalar)
            }
        }
        return String(scalars)
    }

    /// Drops trailing words that look like versions (`3.11`, `18`, `v2`, `2.x`, `2+`), keeping
    /// at least one word.
    static func withoutVersionWords(_ cleaned: String) -> String {
        var words = cleaned.split(separator: " ")
        while words.count > 1, let last = words.last, isVersionWord(last) { words.removeLast() }
        return words.joined(separator: " ")
    }

    private static func isVersionWord(_ word: Substring) -> Bool {
        var body = word
        if body.first == "v" { body = body.dropFirst() }
        if body.last == "+" { body = body.dropLast() }
        guard let first = body.first, first.isASCII, first.isNumber else { return false }
        return body.allSatisfy { ($0.isASCII && $0.isNumber) || $0 == "." || $0 == "x" }
    }

    private static func displayName(_ skill: String) -> String {
        skill.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }
}
