/// Builds the one-sentence explanation of a ``MatchResult``, from the same facts the score uses.
///
/// Shape: `"<skills>; <experience>; <location>."`, e.g.
/// `"Matches 4 of 5 required skills (missing Kubernetes); 6 years of experience for a 5-year role; remote role."`.
/// A clause without facts on either side is left out.
enum MatchExplanation {
    /// Missing skills named before the rest are only counted.
    static let namedMissingLimit = 3

    static func sentence(
        query: JobQuery,
        matched: [String],
        missing: [String],
        years: Double,
        place: PlaceMatch
    ) -> String {
        var clauses: [String] = [skillsClause(matched: matched, missing: missing)]
        if let clause = experienceClause(years: years, minimum: query.minYears) { clauses.append(clause) }
        clauses.append(locationClause(query: query, place: place))
        return clauses.joined(separator: "; ") + "."
    }

    static func skillsClause(matched: [String], missing: [String]) -> String {
        let total = matched.count + missing.count
        switch (matched.count, missing.count) {
        case (0, 0):
            return "No required skills listed"
        case (1, 0):
            return "Matches the required skill (\(matched[0]))"
        case (_, 0):
            return "Matches all \(total) required skills"
        case (0, 1):
            return "Lacks the required skill (\(missing[0]))"
        case (0, _):
            return "Matches none of \(total) required skills (missing \(list(missing)))"
        default:
            return "Matches \(matched.count) of \(total) required skills (missing \(list(missing)))"
        }
    }

    static func experienceClause(years: Double, minimum: Double?) -> String? {
        switch (years.isNaN, minimum) {
        case (true, nil):
            return nil
        case (false, nil):
            return "\(yearsText(years)) of experience"
        case (true, let minimum?):
            return "experience not stated for \(roleText(minimum))"
        case (false, let minimum?):
            return "\(yearsText(years)) of experience for \(roleText(minimum))"
        }
    }

    static func locationClause(query: JobQuery, place: PlaceMatch) -> String {
        if query.remote { return "remote role" }
        guard !query.placeParts.isEmpty, let jobPlace = query.placeText else { return "onsite role" }
        switch place {
        case .samePlace: return "located in \(jobPlace) (onsite role)"
        case .sameRegion: return "in the same region or country as \(jobPlace) (onsite role)"
        case .different: return "not located in \(jobPlace) (onsite role)"
        case .notStated: return "location not stated for an onsite role in \(jobPlace)"
        }
    }

    /// "Go", "Go and Rust", "Go, Rust and C", "Go, Rust, C and 2 more".
    private static func list(_ names: [String]) -> String {
        if names.count > namedMissingLimit {
            let shown = names.prefix(namedMissingLimit).joined(separator: ", ")
            return "\(shown) and \(names.count - namedMissingLimit) more"
        }
        if names.count == 1 { return names[0] }
        return names.dropLast().joined(separator: ", ") + " and " + names[names.count - 1]
    }

    private static func yearsText(_ years: Double) -> String {
        let number = numberText(years)
        return number == "1" ? "1 year" : "\(number) years"
    }

    private static func roleText(_ minimum: Double) -> String {
        minimum <= 0 ? "a role with no minimum" : "a \(numberText(minimum))-year role"
    }

    /// At most one decimal, no locale: 6 -> "6", 2.5 -> "2.5", 2.04 -> "2".
    private static func numberText(_ value: Double) -> String {
        let tenths = (min(value, 1000) * 10).rounded()
        let whole = Int(tenths / 10)
        let fraction = Int(tenths) % 10
        return fraction == 0 ? "\(whole)" : "\(whole).\(fraction)"
    }
}
