import Foundation

/// Okapi BM25 term weighting with the parameters the matcher uses.
///
/// Source: S. Robertson and H. Zaragoza, "The Probabilistic Relevance Framework: BM25 and Beyond",
/// Foundations and Trends in Information Retrieval 3(4), 2009, eq. 3.13 (BM25) with the
/// Robertson–Sparck Jones IDF; the `1 +` inside the logarithm (as in Apache Lucene's
/// `BM25Similarity`) keeps the IDF positive even for terms in more than half the documents.
///
///     idf(q)     = ln(1 + (N - n(q) + 0.5) / (n(q) + 0.5))
///     score(D,Q) = Σ_q idf(q) · f(q,D)·(k1 + 1) / (f(q,D) + k1·(1 - b + b·|D|/avgdl))
///
/// `N` is the pool size, `n(q)` the number of candidates whose text holds `q`, `f(q,D)` its count
/// in the candidate's headline + résumé, `|D|` their word count and `avgdl` its pool mean. Each
/// distinct query term counts once.
enum BM25 {
    /// Term-frequency saturation.
    static let k1 = 1.2
    /// Length normalization strength.
    static let b = 0.75

    /// Robertson–Sparck Jones IDF, `+1` inside the log; `documents` = N, `containing` = n(q).
    @inline(__always)
    static func idf(documents: Int, containing: Int) -> Double {
        let n = Double(containing)
        return log(1 + (Double(documents) - n + 0.5) / (n + 0.5))
    }

    /// `k1·(1 - b + b·|D|/avgdl)`, computed once per candidate. `averageLength` must be > 0.
    @inline(__always)
    static func lengthNorm(length: Int32, averageLength: Double) -> Double {
        k1 * (1 - b + b * Double(length) / averageLength)
    }

    /// One term's share of the score.
    @inline(__always)
    static func weight(idf: Double, frequency: Int32, lengthNorm: Double) -> Double {
        let f = Double(frequency)
        return idf * (f * (k1 + 1)) / (f + lengthNorm)
    }
}
