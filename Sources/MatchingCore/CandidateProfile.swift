import Foundation

/// A candidate as ``CandidateMatcher`` sees them.
///
/// Only ``headline``, ``skills``, ``yearsExperience``, ``location`` and ``resumeText`` are
/// scored. ``id`` only breaks ties (ascending UUID string) and ``name`` is only copied into
/// ``MatchResult/name``: the score never reads them, and the type carries no e-mail, age or other
/// personal trait at all. E-mail addresses and URLs inside ``resumeText`` are skipped too.
public struct CandidateProfile: Sendable, Hashable {
    /// Stable candidate id; ties in score are ordered by its `uuidString`, ascending.
    public var id: UUID
    /// Display name, passed through to the result untouched and never scored.
    public var name: String
    /// One-line summary such as `"Backend engineer, Go and Kubernetes"`; scored as text.
    public var headline: String?
    /// Skills as the candidate wrote them; normalized with ``SkillAliases``.
    public var skills: [String]
    /// Years of professional experience; `nil` when unknown (scored neutrally).
    /// Negative values count as 0, NaN as unknown.
    public var yearsExperience: Double?
    /// Where the candidate lives or works, most specific part first, e.g. `"Munich, Germany"`;
    /// `nil` when unknown (scored neutrally for onsite jobs).
    public var location: String?
    /// Résumé as plain text; scored for text relevance (BM25) together with ``headline``.
    public var resumeText: String?

    /// Creates a candidate profile; see the properties for the meaning of each field.
    public init(
        id: UUID,
        name: String = "",
        headline: String? = nil,
        skills: [String] = [],
        yearsExperience: Double? = nil,
        location: String? = nil,
        resumeText: String? = nil
    ) {
        self.id = id
        self.name = name
        self.headline = headline
        self.skills = skills
        self.yearsExperience = yearsExperience
        self.location = location
        self.resumeText = resumeText
    }
}
