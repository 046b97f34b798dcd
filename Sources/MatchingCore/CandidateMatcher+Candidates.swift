import Foundation

/// Ranking straight from profiles: every call normalizes and scans the whole pool, keeping nothing.
extension CandidateMatcher {
    /// Ranks `candidates` for `job`, best first.
    ///
    /// The pool is `candidates` (its `count` is what the API reports as `evaluated`); BM25
    /// statistics and the text normalization are taken over it, so a candidate's score can change
    /// when others join the pool, never when it is reordered. Ties in score are ordered by
    /// `id.uuidString` ascending.
    /// - Parameters:
    ///   - limit: most results to return; 0 or less returns none.
    ///   - minScore: results scoring below this (0...100) are left out.
    /// - Returns: at most `limit` results, highest score first.
    /// - Complexity: O(total text bytes + N log limit), split over the machine's cores for pools
    ///   of 4,096 or more. Every call reads every résumé, so when the same
    ///   candidates are ranked more than once, ``prepare(_:)`` a ``CandidatePool`` instead.
    public func rank(job: JobProfile, candidates: [CandidateProfile], limit: Int, minScore: Int = 0) -> [MatchResult] {
        let count = candidates.count
        guard limit > 0, count > 0 else { return [] }
        let query = JobQuery(job: job, aliases: aliases, places: places)
        let table = query.termTable(aliases: aliases)
        let ranges = Parallel.ranges(count: count, parts: parts(for: count))

        let scanned = Parallel.map(ranges.count) { part in
            scan(candidates, range: ranges[part], query: query, table: table)
        }

        var documentFrequency = [Int](repeating: 0, count: query.terms.count)
        var totalLength = 0
        for part in scanned {
            totalLength += part.totalLength
            for (term, frequency) in part.documentFrequency.enumerated() { documentFrequency[term] += Int(frequency) }
        }
        let idf = documentFrequency.map { BM25.idf(documents: count, containing: $0) }
        let averageLength = Double(totalLength) / Double(count)
        let relevance = Parallel.map(ranges.count) { part in
            scanned[part].relevance(idf: idf, averageLength: averageLength)
        }

        let scorer = MatchScorer(
            query: query,
            weights: weights,
            bestRelevance: relevance.map { $0.max() ?? 0 }.max() ?? 0
        )
        let top = TopKSelector.select(ranges: ranges, limit: limit, minScore: minScore) { part, index in
            let local = index - ranges[part].lowerBound
            let columns = scanned[part]
            return TopKSelector.Entry(
                score: Int32(scorer.score(
                    matched: Int(columns.matched[local]),
                    years: columns.years[local],
                    place: columns.place[local],
                    relevance: relevance[part][local]
                )),
                idHigh: columns.idKeys[2 * local],
                idLow: columns.idKeys[2 * local + 1],
                index: Int32(index)
            )
        }
        return top.map { entry in
            let index = Int(entry.index)
            let part = ranges.firstIndex { $0.contains(index) } ?? 0
            let local = index - ranges[part].lowerBound
            let profile = candidates[index]
            var slots: Set<Int> = []
            for written in profile.skills {
                slots.formUnion(query.slots(forCandidateSkill: written, aliases: aliases))
            }
            return result(
                query: query,
                id: profile.id,
                name: profile.name,
                score: Int(entry.score),
                matchedSlots: slots,
                years: scanned[part].years[local],
                place: scanned[part].place[local]
            )
        }
    }

    /// First pass over one part of the pool: id keys, skills, years, place, and the counts of the
    /// query's terms in each candidate's headline + résumé.
    private func scan(
        _ candidates: [CandidateProfile],
        range: Range<Int>,
        query: JobQuery,
        table: TermTable
    ) -> ScanPart {
        var part = ScanPart(size: range.count, termCount: query.terms.count)
        // Memos: written skills and places repeat across a pool, so each spelling is normalized once.
        // A skill maps to -1 (not required), a slot, or -(2 + i) for compound i (`"C/C++"`).
        var skillCodes: [String: Int32] = [:]
        var compounds: [[Int]] = []
        var placeMatches: [String: PlaceMatch] = [:]
        let hasSkills = !query.skills.isEmpty
        let hasPlace = !query.placeParts.isEmpty

        let countedFor = UnsafeMutableBufferPointer<Int>.allocate(capacity: max(1, query.skills.count))
        countedFor.initialize(repeating: -1)
        let frequency = UnsafeMutableBufferPointer<Int32>.allocate(capacity: max(1, query.terms.count))
        frequency.initialize(repeating: 0)
        let scratch = TextTokenizer.makeScratch()
        defer {
            countedFor.deallocate()
            frequency.deallocate()
            scratch.deallocate()
        }
        var counter = QueryTermCounter(table: table, frequency: frequency)
        counter.touched.reserveCapacity(query.terms.count)

        for index in range {
            let profile = candidates[index]
            let key = TopKSelector.idKey(profile.id)
            part.idKeys.append(key.high)
            part.idKeys.append(key.low)
            part.years.append(JobQuery.cleanYears(profile.yearsExperience))

            var matched = 0
            if hasSkills {
                for written in profile.skills {
                    let code: Int32
                    if let known = skillCodes[written] {
                        code = known
                    } else {
                        let slots = query.slots(forCandidateSkill: written, aliases: aliases)
                        if slots.isEmpty {
                            code = -1
                        } else if slots.count == 1 {
                            code = Int32(slots[0])
                        } else {
                            compounds.append(slots)
                            code = -Int32(compounds.count) - 1
                        }
                        skillCodes[written] = code
                    }
                    if code >= 0 {
                        if countedFor[Int(code)] != index { countedFor[Int(code)] = index; matched += 1 }
                    } else if code < -1 {
                        for slot in compounds[Int(-code - 2)] where countedFor[slot] != index {
                            countedFor[slot] = index
                            matched += 1
                        }
                    }
                }
            }
            part.matched.append(UInt32(clamping: matched))

            var place = PlaceMatch.notStated
            if hasPlace, let location = profile.location {
                if let known = placeMatches[location] {
                    place = known
                } else {
                    place = query.placeMatch(candidateParts: places.parts(of: location))
                    placeMatches[location] = place
                }
            }
            part.place.append(place)

            counter.length = 0
            counter.count(profile.headline, scratch: scratch)
            counter.count(profile.resumeText, scratch: scratch)
            if !counter.touched.isEmpty {
                // Ascending term order, so the BM25 sum adds terms in the order CandidatePool does.
                counter.touched.sort()
                for term in counter.touched {
                    part.hitTerms.append(term)
                    part.hitCounts.append(frequency[Int(term)])
                    part.documentFrequency[Int(term)] += 1
                    frequency[Int(term)] = 0
                }
                counter.touched.removeAll(keepingCapacity: true)
            }
            part.documentLength.append(counter.length)
            part.hitEnd.append(Int32(part.hitTerms.count))
            part.totalLength += Int(counter.length)
        }
        return part
    }
}

/// Counts one candidate's words and the hits of the query's terms among them.
private struct QueryTermCounter: TextTokenizer.Sink {
    let table: TermTable
    /// Hits per query term for the current candidate; reset by the caller via `touched`.
    let frequency: UnsafeMutableBufferPointer<Int32>
    /// Terms with a non-zero count, in first-seen order.
    var touched: [Int32] = []
    /// Words seen for the current candidate (BM25's |D|).
    var length: Int32 = 0

    init(table: TermTable, frequency: UnsafeMutableBufferPointer<Int32>) {
        self.table = table
        self.frequency = frequency
    }

    @inline(__always)
    mutating func word(_ token: UnsafeRawPointer, length tokenLength: Int) {
        length += 1
        guard table.mayContain(token: token, length: tokenLength) else { return }
        let term = table.value(token: token, length: tokenLength, hash: TextTokenizer.hash(token, length: tokenLength))
        if term >= 0 {
            if frequency[Int(term)] == 0 { touched.append(term) }
            frequency[Int(term)] += 1
        }
    }
}

/// What the scan learned about one part of the pool, indexed from the part's first candidate.
private struct ScanPart: Sendable {
    var idKeys: [UInt64] = []
    var matched: [UInt32] = []
    var years: [Double] = []
    var place: [PlaceMatch] = []
    var documentLength: [Int32] = []
    /// Each candidate's hits end here in `hitTerms` / `hitCounts` (they start where the previous ended).
    var hitEnd: [Int32] = []
    var hitTerms: [Int32] = []
    var hitCounts: [Int32] = []
    var documentFrequency: [Int32]
    var totalLength = 0

    init(size: Int, termCount: Int) {
        idKeys.reserveCapacity(2 * size)
        matched.reserveCapacity(size)
        years.reserveCapacity(size)
        place.reserveCapacity(size)
        documentLength.reserveCapacity(size)
        hitEnd.reserveCapacity(size)
        hitTerms.reserveCapacity(4 * size)
        hitCounts.reserveCapacity(4 * size)
        documentFrequency = [Int32](repeating: 0, count: termCount)
    }

    /// Each candidate's BM25 score, in part order.
    func relevance(idf: [Double], averageLength: Double) -> [Double] {
        var scores = [Double](repeating: 0, count: hitEnd.count)
        var start = 0
        for local in 0..<hitEnd.count {
            let end = Int(hitEnd[local])
            if end > start {
                let norm = BM25.lengthNorm(length: documentLength[local], averageLength: averageLength)
                var sum = 0.0
                for hit in start..<end {
                    sum += BM25.weight(idf: idf[Int(hitTerms[hit])], frequency: hitCounts[hit], lengthNorm: norm)
                }
                scores[local] = sum
            }
            start = end
        }
        return scores
    }
}
