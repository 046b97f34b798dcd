import Foundation
import Testing
@testable import MatchingCore

@Suite struct SkillAliasesTests {
    let aliases = SkillAliases.bundled

    private func ids(_ skill: String) -> [String] {
        aliases.canonicalSkills(for: skill).map(\.id)
    }

    @Test func bundledTableLoadsWithTheRequiredSkills() throws {
        let table = try SkillAliases.loadBundled()
        #expect(table.entries.count >= 72)
        let ids = Set(table.entries.map(\.id))
        for required in ["javascript", "typescript", "kubernetes", "postgresql", "node.js", "go", "c#", "c++",
                         "react", "aws", "gcp", "machine-learning", "c", "r", ".net"] {
            #expect(ids.contains(required), "missing \(required)")
        }
    }

    @Test(arguments: [
        ["js", "JavaScript", "javascript", "JS"],
        ["ts", "TypeScript"],
        ["k8s", "Kubernetes", "K8S", "kube"],
        ["postgres", "PostgreSQL", "psql", "Postgres"],
        ["node", "Node.js", "nodejs", "node js", "NODE.JS"],
        ["golang", "Go", "go", "Go Lang"],
        ["c#", "C#", "csharp", "C Sharp"],
        ["c++", "C++", "cpp", "CPP"],
        ["react.js", "ReactJS", "React", "react"],
        ["aws", "AWS", "Amazon Web Services", "amazon  web   services"],
        ["gcp", "GCP", "Google Cloud", "google cloud platform"],
        ["ml", "ML", "Machine Learning", "machine-learning"],
    ])
    func aliasesShareOneCanonicalSkill(spellings: [String]) {
        let expected = ids(spellings[0])
        #expect(expected.count == 1)
        for spelling in spellings {
            #expect(ids(spelling) == expected, "\(spelling)")
        }
    }

    @Test(arguments: [
        ("python3", "python"), ("Python 3.11", "python"), ("python 3", "python"), ("react 18", "react"),
        ("vue.js 2", "vue"), ("Vue 3", "vue"), ("Angular 2+", "angular"), ("Java v17", "java"), ("Java 8", "java"),
        ("c++17", "c++"), ("Node.js 20.x", "node.js"), ("PostgreSQL 16", "postgresql"), ("html5", "html"),
    ])
    func versionSuffixesAreDropped(written: String, id: String) {
        #expect(ids(written) == [id])
    }

    @Test func lookalikeLanguagesStayDistinct() {
        let languages = ["c", "c#", "c++", "r", "go", ".net", "f#"].map { ids($0) }
        #expect(languages == [["c"], ["c#"], ["c++"], ["r"], ["go"], [".net"], ["f#"]])
        #expect(ids("C") != ids("C++"))
        #expect(ids("R") != ids("Rust"))
        #expect(ids(".NET") == ids("dotnet"))
    }

    @Test func versionLikeNamesAreNotCut() {
        #expect(ids("S3") == ["s3"])
        #expect(ids("EC2") == ["ec2"])
        #expect(ids("web3") == ["web3"])
        #expect(ids("k8s") == ["kubernetes"])
    }

    @Test func unknownSkillsMatchIgnoringCasePunctuationAndSpaces() {
        let skills = ["Foo Bar", "foo-bar", "FOOBAR", "  foo   bar ", "foo.bar 2"].map { aliases.canonicalSkills(for: $0) }
        #expect(Set(skills.map { $0.map(\.id) }) == [["foobar"]])
        #expect(skills[0].first?.isKnown == false)
        #expect(skills[0].first?.name == "Foo Bar")
        #expect(skills[3].first?.name == "foo bar")
    }

    @Test func compoundSkillsSplitIntoTheirParts() {
        #expect(ids("C/C++") == ["c", "c++"])
        #expect(ids("Python, Django") == ["python", "django"])
        #expect(ids("CI/CD") == ["ci-cd"])
        #expect(ids("UI/UX") == ["ui-ux"])
    }

    @Test func canonicalNamesComeFromTheTable() {
        #expect(aliases.canonicalSkills(for: "k8s").map(\.name) == ["Kubernetes"])
        #expect(aliases.canonicalSkills(for: "psql").map(\.name) == ["PostgreSQL"])
    }

    @Test func textWithoutLettersOrDigitsIsNoSkill() {
        #expect(ids("  ").isEmpty)
        #expect(ids("--").isEmpty)
    }

    @Test func aTableClaimingOneSpellingTwiceIsRefused() {
        #expect(throws: SkillAliases.LoadError.self) {
            try SkillAliases(entries: [
                .init(id: "go", name: "Go", aliases: ["golang"]),
                .init(id: "gopher", name: "Gopher", aliases: ["Go-Lang"]),
            ])
        }
    }

    @Test func singleWordSpellingsCountAsTheirSkillInText() {
        #expect(aliases.textTerms["k8s"] == "kubernetes")
        #expect(aliases.textTerms["golang"] == "go")
        #expect(aliases.textTerms["postgres"] == "postgresql")
        #expect(aliases.textTerms["ml"] == "machine-learning")
        #expect(!aliases.stopwords.contains("go"))
    }
}
