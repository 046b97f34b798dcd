import Foundation

/// What a job asks of a candidate, as ``CandidateMatcher`` reads it.
///
/// Free text is taken as written: the matcher normalizes skills (``SkillAliases``) and places
/// (``PlaceAliases``) itself, so callers pass the recruiter's own spelling.
public struct JobProfile: Sendable, Hashable {
    /// Job title, e.g. `"Senior Backend Engineer"`; part of the text-relevance query.
    public var title: String
    /// Job description as plain text; part of the text-relevance query.
    public var description: String
    /// Required skills as the recruiter wrote them, e.g. `["Go", "k8s", "Postgres 16"]`.
    /// Duplicates after normalization (`"JS"`, `"JavaScript"`) count once, in first-seen order.
    public var skills: [String]
    /// Where an onsite job is done, most specific part first, e.g. `"Berlin, Germany"`;
    /// `nil` when not stated. Ignored when ``remote`` is `true`.
    public var location: String?
    /// `true` when the job can be done from anywhere: every candidate then fits on location.
    public var remote: Bool
    /// Minimum years of professional experience wanted; `nil` when the job states none.
    public var minYearsExperience: Double?

    /// Creates a job profile; see the properties for the meaning of each field.
    public init(
        title: String,
        description: String = "",
        skills: [String] = [],
        location: String? = nil,
        remote: Bool = false,
        minYearsExperience: Double? = nil
    ) {
        self.title = title
        self.description = description
        self.skills = skills
        self.location = location
        self.remote = remote
        self.minYearsExperience = minYearsExperience
    }
}
