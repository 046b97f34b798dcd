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
        let (base, delta) = (pool.base, pool.delta)
        let deltaStart = base.count
        let slots = base.count + delta.count

        var matched = [UInt32](repeating: 0, count: slots)
        let (baseSkillPostings, deltaSkillPostings) = (base.skillPostings, delta.skillPostings)
        for skill in query.skills {
            for posting in base.skillPostingRange(of: skill.id) { matched[Int(baseSkillPostings[posting])] &+= 1 }
            for posting in delta.skillPostingRange(of: skill.id) { matched[deltaStart + Int(deltaSkillPostings[posting])] &+= 1 }
        }

        let basePlaces = query.placeParts.isEmpty ? [] : base.placeParts.map { query.placeMatch(candidateParts: $0) }
        let deltaPlaces = query.placeParts.isEmpty ? [] : delta.placeParts.map { query.placeMatch(candidateParts: $0) }

        // Terms in the query's sorted order, so each candidate's sum adds terms in the order the
        // direct scan does and both give bit-identical scores. A term's document frequency counts
        // the live candidates only, as a rebuild would.
        var relevance = [Double](repeating: 0, count: slots)
        // Arrays taken out of the segments (classes) once, so the loops index plain locals.
        let norms = pool.lengthNorm
        let (baseDocs, baseCounts, deltaDocs, deltaCounts) = (base.termPostingDocs, base.termPostingCounts, delta.termPostingDocs, delta.termPostingCounts)
        for term in query.terms {
            let basePostings = base.postings(of: term)
            let deltaPostings = delta.postings(of: term)
            let containing = pool.documentFrequency(basePostings: basePostings, deltaPostings: deltaPostings)
            guard containing > 0 else { continue }
            let idf = BM25.idf(documents: count, containing: containing)
            for posting in basePostings {
                let document = Int(baseDocs[posting])
                let frequency = baseCounts[posting] == .max ? base.frequency(ofPosting: posting) : Int32(baseCounts[posting])
                relevance[document] += BM25.weight(idf: idf, frequency: frequency, lengthNorm: norms[document])
            }
            for posting in deltaPostings {
                let document = deltaStart + Int(deltaDocs[posting])
                let frequency = deltaCounts[posting] == .max ? delta.frequency(ofPosting: posting) : Int32(deltaCounts[posting])
                relevance[document] += BM25.weight(idf: idf, frequency: frequency, lengthNorm: norms[document])
            }
        }
        // Removed slots take no part in the best relevance (every live one is >= 0).
        for slot in pool.removedSlots { relevance[Int(slot)] = 0 }

        let scorer = MatchScorer(query: query, weights: weights, bestRelevance: relevance.max() ?? 0)
        let ranges = Parallel.ranges(count: slots, parts: parts(for: slots))
        // Removed slots score -1, below any `minScore` the selection keeps.
        let anyRemoved = !pool.removedSlots.isEmpty
        let top = TopKSelector.select(ranges: ranges, limit: limit, minScore: max(0, minScore)) { [matched, relevance] _, index in
            let inBase = index < deltaStart
            if inBase, anyRemoved, pool.isRemoved(index) {
                return TopKSelector.Entry(score: -1, idHigh: 0, idLow: 0, index: Int32(index))
            }
            let (segment, slot, placeMatches) = inBase ? (base, index, basePlaces) : (delta, index - deltaStart, deltaPlaces)
            let placeNumber = Int(segment.placeNumber[slot])
            return TopKSelector.Entry(
                score: Int32(scorer.score(
                    matched: Int(matched[index]),
                    years: segment.years[slot],
                    place: placeNumber >= 0 && !placeMatches.isEmpty ? placeMatches[placeNumber] : .notStated,
                    relevance: relevance[index]
                )),
                idHigh: segment.idKeys[2 * slot],
                idLow: segment.idKeys[2 * slot + 1],
                index: Int32(index)
            )
        }
        return top.map { entry in
            let index = Int(entry.index)
            let inBase = index < deltaStart
            let (segment, slot, placeMatches) = inBase ? (base, index, basePlaces) : (delta, index - deltaStart, deltaPlaces)
            var slots: Set<Int> = []
            for skill in segment.skills(ofSlot: slot) {
                if let matchedSlot = query.skillSlot[skill] { slots.insert(matchedSlot) }
            }
            let placeNumber = Int(segment.placeNumber[slot])
            return result(
                query: query,
                id: segment.ids[slot],
                name: segment.names[slot],
                score: Int(entry.score),
                matchedSlots: slots,
                years: segment.years[slot],
                place: placeNumber >= 0 && !placeMatches.isEmpty ? placeMatches[placeNumber] : .notStated
            )
        }
    }
}
