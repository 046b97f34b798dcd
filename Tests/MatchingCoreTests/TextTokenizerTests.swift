import Testing
@testable import MatchingCore

@Suite struct TextTokenizerTests {
    @Test func wordsAreLowerCasedAndKeepSkillPunctuation() {
        #expect(TextTokenizer.words(of: "Built C++, C# and .NET services in Node.js; don't stop.")
            == ["built", "c++", "c#", "and", ".net", "services", "in", "node.js", "dont", "stop"])
    }

    @Test func numbersAreNotWords() {
        #expect(TextTokenizer.words(of: "Python 3.11 for 5+ years, k8s") == ["python", "for", "years", "k8s"])
    }

    @Test func emailAddressesAndURLsAreSkipped() {
        #expect(TextTokenizer.words(of: "Reach jane.doe@example.com or https://github.com/jane now")
            == ["reach", "or", "now"])
        #expect(TextTokenizer.words(of: "(mail:jane@x.io)kafka") == [])
        #expect(TextTokenizer.words(of: "ratio: 3:1 kafka") == ["ratio", "kafka"])
    }

    @Test func overlongTokensAreDropped() {
        let long = String(repeating: "a", count: TextTokenizer.maxLength + 1)
        #expect(TextTokenizer.words(of: "go \(long) rust") == ["go", "rust"])
        let longest = String(repeating: "b", count: TextTokenizer.maxLength)
        #expect(TextTokenizer.words(of: longest) == [longest])
    }

    @Test func nonASCIILettersStayInWords() {
        #expect(TextTokenizer.words(of: "Entwicklung in München") == ["entwicklung", "in", "münchen"])
    }
}
