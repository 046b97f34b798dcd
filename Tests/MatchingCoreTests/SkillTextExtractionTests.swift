import Testing
@testable import MatchingCore

@Suite("Skills in free text")
struct SkillTextExtractionTests {
    let aliases = SkillAliases.bundled

    @Test func findsAliasesInOrderOnce() {
        let text = "We use NodeJS and k8s; experience with Postgres, node.js and C++ is a plus. Kubernetes!"
        #expect(aliases.skills(inText: text) == ["Node.js", "Kubernetes", "PostgreSQL", "C++"])
    }

    @Test func everydayWordsNeedTheirCapital() {
        #expect(aliases.skills(inText: "You will go to meetings and make decisions swiftly").isEmpty)
        #expect(aliases.skills(inText: "Backend in Go and Swift").contains("Go"))
    }

    @Test func multiWordSkillsWinOverTheirParts() {
        let found = aliases.skills(inText: "Deploy on Amazon Web Services with machine learning models")
        #expect(found.contains("AWS"))
        #expect(found.contains("Machine Learning"))
    }

    @Test func unknownWordsAreNeverSkills() {
        #expect(aliases.skills(inText: "Friendly team, great coffee, flexible hours.").isEmpty)
    }
}
