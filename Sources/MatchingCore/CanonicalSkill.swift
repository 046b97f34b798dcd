/// A skill after normalization: a stable key to compare by and a name to show.
public struct CanonicalSkill: Sendable, Hashable {
    /// Comparison key: the alias table's id (`"kubernetes"`, `"c#"`, `".net"`) for known skills,
    /// else the lower-cased text with punctuation and spaces removed and version suffixes cut.
    public var id: String
    /// Display name: the alias table's name (`"Kubernetes"`), else the text as written, trimmed.
    public var name: String
    /// Whether the skill is in the alias table.
    public var isKnown: Bool

    /// Creates a canonical skill; normally produced by ``SkillAliases/canonicalSkills(for:)``.
    public init(id: String, name: String, isKnown: Bool) {
        self.id = id
        self.name = name
        self.isKnown = isKnown
    }
}
