/// A job normalized once per ranking call: required skills, BM25 query terms, place parts.
struct JobQuery: Sendable {
    /// Required skills after normalization, duplicates removed, in the job's order.
    let skills: [CanonicalSkill]
    /// Index into ``skills`` by canonical id.
    let skillSlot: [String: Int]
    /// Distinct BM25 query terms, sorted so that score sums run in the same order every time.
    let terms: [String]
    /// The onsite job's place parts; empty for a remote job or an onsite job without a place.
    let placeParts: [String]
    /// The job's location as written (trimmed), for explanations.
    let placeText: String?
    /// Whether the job is remote.
    let remote: Bool
    /// Minimum years wanted, `nil` when not stated or not a number; negative counts as 0.
    let minYears: Double?

    init(job: JobProfile, aliases: SkillAliases, places: PlaceAliases) {
        var skills: [CanonicalSkill] = []
        var slot: [String: Int] = [:]
        var terms: Set<String> = []
        func addText(_ text: String) {
            for word in TextTokenizer.words(of: text) where !aliases.stopwords.contains(word) {
                terms.insert(aliases.textTerms[word] ?? word)
            }
        }
        addText(job.title)
        addText(job.description)
        for written in job.skills {
            addText(written)
            for skill in aliases.canonicalSkills(for: written) {
                if skill.isKnown { terms.insert(skill.id) }
                if slot[skill.id] == nil {
                    slot[skill.id] = skills.count
                    skills.append(skill)
                }
            }
        }
        self.skills = skills
        self.skillSlot = slot
        self.terms = terms.sorted()
        remote = job.remote
        let trimmed = job.location?.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        placeText = trimmed?.isEmpty == false ? trimmed : nil
        placeParts = job.remote ? [] : job.location.map(places.parts(of:)) ?? []
        minYears = job.minYearsExperience.flatMap { $0.isNaN ? nil : max(0, $0) }
    }

    /// Slots of ``skills`` that one written candidate skill covers (usually zero or one).
    func slots(forCandidateSkill written: String, aliases: SkillAliases) -> [Int] {
        aliases.canonicalSkills(for: written).compactMap { skillSlot[$0.id] }
    }

    /// Table from every single-token spelling of each query term to the term's index in ``terms``.
    func termTable(aliases: SkillAliases) -> TermTable {
        var table = TermTable(capacity: terms.count * 2)
        var index: [String: Int32] = [:]
        for (slot, term) in terms.enumerated() {
            index[term] = Int32(slot)
            table.insert(term, value: Int32(slot))
        }
        for (spelling, id) in aliases.textTerms {
            if let slot = index[id] { table.insert(spelling, value: slot) }
        }
        return table
    }

    /// How a candidate's location fits this job, from the candidate's place parts.
    func placeMatch(candidateParts: [String]) -> PlaceMatch {
        PlaceMatch.between(job: placeParts, candidate: candidateParts)
    }

    /// Cleans a candidate's years: unknown and NaN become NaN, negatives 0.
    static func cleanYears(_ years: Double?) -> Double {
        guard let years, !years.isNaN else { return .nan }
        return max(0, years)
    }
}
