import Foundation

extension SkillAliases {
    /// Words that name a skill but are also everyday English; in free text they count only when
    /// written with a capital first letter ("Go", "R", "Swift"), as a skill name is.
    static let everydayWords: Set<String> = [
        "go", "c", "r", "d", "swift", "rust", "spring", "express", "react", "make", "less", "ember", "flask",
        "rails", "chef", "puppet", "salt", "elm", "dart", "julia", "crystal", "solid", "next", "nest", "ruby", "scala",
    ]

    /// The known skills named in free text (a job description), by their display names, in the
    /// order they first appear, each once.
    ///
    /// Longest match first over up to three words ("google cloud platform" before "google"),
    /// using the same normalization as skills written in a list (`canonicalSkills(for:)`), so
    /// "Node.js", "node" and "NodeJS" all give "Node.js". Unknown words are never returned.
    public func skills(inText text: String) -> [String] {
        let tokens = Self.textTokens(text)
        var found: [String] = []
        var seen = Set<String>()
        var index = 0
        while index < tokens.count {
            var matched = 0
            for length in stride(from: min(3, tokens.count - index), through: 1, by: -1) {
                let words = tokens[index..<(index + length)]
                if length == 1, let only = words.first, Self.everydayWords.contains(only.lowercased()),
                   only.first.map({ !$0.isUppercase }) ?? true {
                    continue
                }
                let phrase = words.joined(separator: " ")
                let skills = canonicalSkills(for: phrase)
                guard skills.count == 1, let skill = skills.first, skill.isKnown else { continue }
                if seen.insert(skill.id).inserted { found.append(skill.name) }
                matched = length
                break
            }
            index += max(matched, 1)
        }
        return found
    }

    /// Words of free text, keeping the characters skill names use (`c++`, `c#`, `.net`,
    /// `node.js`) and dropping sentence punctuation around them.
    static func textTokens(_ text: String) -> [String] {
        let separators = CharacterSet.whitespacesAndNewlines.union(CharacterSet(charactersIn: ",;:()[]{}!?\"'/|<>*•·–—"))
        return text.components(separatedBy: separators).compactMap { raw in
            var token = Substring(raw)
            while let last = token.last, last == "." || last == "-" { token = token.dropLast() }
            while let first = token.first, first == "-" { token = token.dropFirst() }
            return token.isEmpty || token.count > 40 ? nil : String(token)
        }
    }
}
