import Foundation
import JobPageParser
import Testing

/// One parser shared by many tasks: libxml2's one-time initialisation and per-parse state.
@Suite struct ConcurrencyTests {
    @Test func parsingFromManyTasksAtOnceGivesTheSerialResults() async throws {
        let parser = JobPageParser(skillExtractor: KeywordSkillExtractor())
        let pages = try Fixture.allNames().map { try Fixture.bytes($0) }
        let rounds = 10

        // Concurrent first, so that (when this test runs alone) the very first parses in the
        // process race each other, which is where a missing xmlInitParser() would show.
        let concurrent = await withTaskGroup(of: [Result<ParsedJobPage, JobPageParserError>].self) { group in
            for _ in 0..<8 {
                group.addTask {
                    (0..<rounds).flatMap { _ in
                        pages.map { page in
                            Result { () throws(JobPageParserError) in
                                try parser.parse(html: page, pageURL: Fixture.pageURL)
                            }
                        }
                    }
                }
            }
            var all: [[Result<ParsedJobPage, JobPageParserError>]] = []
            for await results in group { all.append(results) }
            return all
        }
        let serial = pages.map { page in
            Result { () throws(JobPageParserError) in try parser.parse(html: page, pageURL: Fixture.pageURL) }
        }

        #expect(concurrent.count == 8)
        for results in concurrent {
            #expect(results == Array((0..<rounds).map { _ in serial }.joined()))
        }
    }
}
