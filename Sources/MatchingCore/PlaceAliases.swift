import Foundation

/// Place names and their other spellings, and the normalization of a free-text location into
/// comparable parts.
///
/// The table is data (`Resources/place-aliases.json`: `{"places": [{"name", "aliases"}]}`).
/// A location such as `"München, Bayern (Hybrid)"` becomes its parts, most specific first:
/// split on `,` `;` `/` `|` `(` `)`; each part case- and diacritic-folded, punctuation turned to
/// spaces, whitespace collapsed, mapped through the table (`nyc` -> `new york`,
/// `usa` -> `united states`); words that describe a work mode (`remote`, `hybrid`, `onsite`)
/// and duplicates are dropped.
public struct PlaceAliases: Sendable {
    /// One row of the alias file.
    public struct Entry: Sendable, Hashable, Codable {
        /// Canonical name, e.g. `"united states"`.
        public var name: String
        /// Other spellings, e.g. `["us", "usa", "united states of america"]`.
        public var aliases: [String]

        /// Creates an entry.
        public init(name: String, aliases: [String]) {
            self.name = name
            self.aliases = aliases
        }
    }

    /// The bundled table (`Resources/place-aliases.json`); empty if the resource cannot be read,
    /// because a library must not crash; call ``loadBundled()`` at start-up to fail loudly.
    public static let bundled: PlaceAliases = (try? loadBundled()) ?? PlaceAliases(entries: [])

    /// Reads `Resources/place-aliases.json` from the module bundle.
    /// - Throws: ``SkillAliases/LoadError/resourceMissing(_:)`` or a `DecodingError`.
    public static func loadBundled() throws -> PlaceAliases {
        guard let url = Bundle.module.url(forResource: "place-aliases", withExtension: "json") else {
            throw SkillAliases.LoadError.resourceMissing("place-aliases.json")
        }
        return try PlaceAliases(jsonData: Data(contentsOf: url))
    }

    private static let workModes: Set<String> = [
        "remote", "hybrid", "onsite", "on site", "in office", "anywhere", "worldwide", "fully remote",
        "remote first", "remote only", "home office", "wfh",
    ]

    private let canonicalByAlias: [String: String]

    /// Builds a table from JSON `{"places": [{"name", "aliases"}]}`.
    /// - Throws: `DecodingError` on malformed JSON.
    public init(jsonData: Data) throws {
        struct File: Decodable { var places: [Entry] }
        self.init(entries: try JSONDecoder().decode(File.self, from: jsonData).places)
    }

    /// Builds a table from entries; a spelling listed twice keeps its first place.
    public init(entries: [Entry]) {
        var map: [String: String] = [:]
        for entry in entries {
            let name = Self.folded(entry.name)
            for alias in [entry.name] + entry.aliases {
                let key = Self.folded(alias)
                if !key.isEmpty, map[key] == nil { map[key] = name }
            }
        }
        canonicalByAlias = map
    }

    /// The comparable parts of a location, most specific first; empty when nothing is left
    /// (for example `"Remote"`).
    public func parts(of location: String) -> [String] {
        var result: [String] = []
        for piece in location.split(whereSeparator: { ",;/|()".contains($0) }) {
            let part = Self.folded(String(piece))
            guard !part.isEmpty, !Self.workModes.contains(part) else { continue }
            let canonical = canonicalByAlias[part] ?? part
            if !result.contains(canonical) { result.append(canonical) }
        }
        return result
    }

    /// Case- and diacritic-folded, punctuation as spaces, whitespace collapsed.
    static func folded(_ text: String) -> String {
        let base = text.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil)
        var scalars = String.UnicodeScalarView()
        for scalar in base.unicodeScalars {
            let keep = scalar.properties.isAlphabetic || scalar.properties.numericType != nil
            scalars.append(keep ? scalar : " ")
        }
        return String(scalars).split(separator: " ").joined(separator: " ")
    }
}
