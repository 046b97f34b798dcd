import JobPageParser
import MatchingCore

/// Finds skills in a job page's text with the matching core's alias table, so that scraped jobs
/// and candidate matching speak of skills the same way.
struct AliasSkillExtractor: SkillExtracting {
    let aliases: SkillAliases

    func skills(in text: String) -> [String] {
        aliases.skills(inText: text)
    }
}
