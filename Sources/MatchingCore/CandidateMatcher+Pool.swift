import Foundation

/// Ranking against a prepared ``CandidatePool``.
extension CandidateMatcher {
    /// Prepares `candidates` once, with this matcher's tables, for ranking against many jobs.
    public func prepare(_ candidates: [CandidateProfile]) -> CandidatePool {
        CandidatePool(candidates: candidates, aliases: aliases, places: places)
    }

    /// Ranks a prepared pool for `job`, best first; same results as
    /// ``rank(job:candidates:limit:minScore:)`` on the pool's profiles.
    ///
    /// The job is normalized with the pool's alias tables (the ones its candidates were
    /// normalized with); this matcher contributes its weights.
    /// - Parameters:
    ///   - limit: most results to return; 0 or less returns none.
    ///   - minScore: results scoring below this (0...100) are left out.
    /// - Complexity: O(postings of the job's terms and skills + N log limit).
    public func rank(job: JobProfile, pool: CandidatePool, limit: Int, minScore: Int = 0) -> [MatchResult] {
        let count = pool.count
        guard limit > 0, count > 0 else { return [] }
        let query = JobQuery(job: job, aliases: pool.aliases, places: pool.places)

        var matched = [UInt32](repeating: 0, count: count)
        for skill in query.skills {
            guard let number = pool.skillNumbers[skill.id] else { continue }
            for posting in Int(pool.skillPostingStart[Int(number)])..<Int(pool.skillPostingStart[Int(number) + 1]) {
                matched[Int(pool.skillPostings[posting])] &+= 1
            }
        }

        let placeMatches = query.placeParts.isEmpty ? [] : pool.placeParts.map { query.placeMatch(candidateParts: $0) }

        // Terms in the query's sorted order, so each candidate's sum adds terms in the order the
        // direct scan does and both give bit-identical scores.
        var relevance = [Double](repeating: 0, count: count)
        for term in query.terms {
            let number = pool.vocabulary.value(for: term)
            guard number >= 0 else { continue }
            let postings = Int(pool.termPostingStart[Int(number)])..<Int(pool.termPostingStart[Int(number) + 1])
            let idf = BM25.idf(documents: count, containing: postings.count)
            for posting in postings {
                let document = Int(pool.termPostingDocs[posting])
                relevance[document] += BM25.weight(
                    idf: idf, frequency: pool.termPostingCounts[posting], lengthNorm: pool.lengthNorm[document]
                )
            }
        }

        let scorer = MatchScorer(query: query, weights: weights, bestRelevance: relevance.max() ?? 0)
        let ranges = Parallel.ranges(count: count, parts: parts(for: count))
        let top = TopKSelector.select(ranges: ranges, limit: limit, minScore: minScore) { [matched, relevance] _, index in
            let placeNumber = Int(pool.placeNumber[index])
            return TopKSelector.Entry(
                score: Int32(scorer.score(
                    matched: Int(matched[index]),
                    years: pool.years[index],
                    place: placeNumber >= 0 && !placeMatches.isEmpty ? placeMatches[placeNumber] : .notStated,
                    relevance: relevance[index]
                )),
                idHigh: pool.idKeys[2 * index],
                idLow: pool.idKeys[2 * index + 1],
                index: Int32(index)
            )
        }
        return top.map { entry in
            let index = Int(entry.index)
            var slots: Set<Int> = []
            for skill in pool.candidateSkills[Int(pool.candidateSkillStart[index])..<Int(pool.candidateSkillStart[index + 1])] {
                if let slot = query.skillSlot[pool.skillIDs[Int(skill)]] { slots.insert(slot) }
            }
            let placeNumber = Int(pool.placeNumber[index])
            return result(
                query: query,
                id: pool.ids[index],
                name: pool.names[index],
                score: Int(entry.score),
                matchedSlots: slots,
                years: pool.years[index],
                place: placeNumber >= 0 && !placeMatches.isEmpty ? placeMatches[placeNumber] : .notStated
            )
        }
    }
}
