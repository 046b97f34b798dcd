import Foundation

/// One ranked candidate: the row `POST /match-candidates` returns under `results`.
public struct MatchResult: Sendable, Hashable {
    /// The candidate's ``CandidateProfile/id``.
    public var candidateId: UUID
    /// The candidate's ``CandidateProfile/name``, copied through; never part of the score.
    public var name: String
    /// Fit for the job, an integer 0...100 (see ``MatchWeights`` for how it is made).
    public var score: Int
    /// Required skills the candidate has, in the job's order, as canonical display names
    /// (`"Kubernetes"` when the job said `"k8s"`).
    public var matchedSkills: [String]
    /// Required skills the candidate lacks, in the job's order, as canonical display names.
    public var missingSkills: [String]
    /// One English sentence on skills, experience and location, e.g.
    /// `"Matches 4 of 5 required skills (missing Kubernetes); 6 years of experience for a 5-year role; remote role."`
    public var explanation: String

    /// Creates a result; the matcher builds these, tests and callers may too.
    public init(
        candidateId: UUID,
        name: String,
        score: Int,
        matchedSkills: [String],
        missingSkills: [String],
        explanation: String
    ) {
        self.candidateId = candidateId
        self.name = name
        self.score = score
        self.matchedSkills = matchedSkills
        self.missingSkills = missingSkills
        self.explanation = explanation
    }
}
