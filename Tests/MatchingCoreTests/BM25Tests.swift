import Foundation
import Testing
@testable import MatchingCore

@Suite struct BM25Tests {
    @Test func idfIsPositiveEvenForTermsInEveryDocument() {
        #expect(BM25.idf(documents: 3, containing: 3) > 0)
        #expect(BM25.idf(documents: 3, containing: 2) == log(1 + 1.5 / 2.5))
        #expect(BM25.idf(documents: 100, containing: 1) > BM25.idf(documents: 100, containing: 50))
    }

    /// Only text defines this job (no skills, years or place), so scores are BM25 over the pool's best.
    /// "kafka" is in 2 of 3 documents: idf = ln(1.6); avgdl = 5/3.
    /// A: tf 2, |D| 3 -> 2·2.2 / (2 + 1.2·(0.25 + 0.75·1.8)) = 1.12245 idf
    /// B: tf 1, |D| 1 -> 2.2 / (1 + 1.2·(0.25 + 0.75·0.6)) = 1.19565 idf   (shorter text wins)
    @Test func textScoresFollowBM25NormalizedToThePoolsBest() {
        let a = CandidateProfile(id: TestCandidates.id(1), resumeText: "kafka kafka streams")
        let b = CandidateProfile(id: TestCandidates.id(2), resumeText: "Kafka")
        let c = CandidateProfile(id: TestCandidates.id(3), resumeText: "java")
        let results = CandidateMatcher().rank(job: JobProfile(title: "Kafka"), candidates: [a, b, c], limit: 10)
        #expect(results.map(\.candidateId) == [b.id, a.id, c.id])
        #expect(results.map(\.score) == [100, 94, 0])
    }

    @Test func lengthNormalizationUsesK1AndB() {
        #expect(BM25.lengthNorm(length: 10, averageLength: 10) == BM25.k1)
        #expect(BM25.k1 == 1.2 && BM25.b == 0.75)
    }
}
