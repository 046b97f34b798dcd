/// Finds skills in free text, for `JobPageParser` to fill `JobPosting.skills`.
///
/// The server adapts `MatchingCore`'s skill normalizer to this, so that scraped jobs use the
/// same canonical skill names (and alias table) as matching; the parser stays independent of it.
public protocol SkillExtracting: Sendable {
    /// The canonical names of the skills mentioned in `text`, most relevant or first mentioned
    /// first. The text is the title, description and skills/qualifications text of one posting,
    /// separated by line breaks.
    func skills(in text: String) -> [String]
}
