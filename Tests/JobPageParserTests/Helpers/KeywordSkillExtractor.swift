import JobPageParser

/// A stand-in for MatchingCore's skill normalizer: whole-word aliases to canonical names,
/// returned in the order the skills are first mentioned.
struct KeywordSkillExtractor: SkillExtracting {
    private static let aliases: [(skill: String, aliases: [String])] = [
        ("Swift", ["swift"]),
        ("SwiftUI", ["swiftui"]),
        ("PostgreSQL", ["postgresql", "postgres"]),
        ("Python", ["python"]),
        ("Kubernetes", ["kubernetes", "k8s"]),
        ("Kotlin", ["kotlin"]),
        ("Go", ["go", "golang"]),
        ("Airflow", ["airflow"]),
    ]

    func skills(in text: String) -> [String] {
        let words = text.lowercased().split { !($0.isLetter || $0.isNumber || $0 == "+" || $0 == "#") }
            .map(String.init)
        let found: [(skill: String, position: Int)] = Self.aliases.compactMap { entry in
            words.firstIndex(where: entry.aliases.contains).map { (entry.skill, $0) }
        }
        return found.sorted { $0.position < $1.position }.map(\.skill)
    }
}
