import JobPageParser
import MatchingCore

/// Finds skills in a job page's text with the matching core's alias table, so that scraped jobs
/// and candidate matching speak of skills the same way.
///
/// Only the first `maxCharacters` of the text are read (the description a job keeps is at most
/// 50,000 characters too): the alias look-up costs several dictionary probes a word, and a 2 MB
/// page of skill words took seconds of CPU (issue 7, found by trying it).
struct AliasSkillExtractor: SkillExtracting {
    let aliases: SkillAliases
    /// The most characters read, counted from the start of the text.
    static let maxCharacters = 50_000

    func skills(in text: String) -> [String] {
        aliases.skills(inText: String(text.prefix(Self.maxCharacters)))
    }
}
