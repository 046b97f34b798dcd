import Foundation

/// Candidates prepared once for ranking against many jobs: skills and places normalized and an
/// inverted index of headline + résumé words (BM25 statistics included).
///
/// Building costs about twice one ``CandidateMatcher/rank(job:candidates:limit:minScore:)``
/// call; ranking a job against it then only touches the posting lists of the job's terms and
/// skills, so it no longer depends on how much résumé text there is. Results equal those of
/// ranking the same profiles directly.
///
/// **Updates without a rebuild.** A pool is an immutable value made of a large *base* segment
/// (shared, never copied) and a small overlay: the base candidates removed, and a *delta* segment
/// holding the candidates added or changed since the base was built.
/// ``updating(upserting:removing:)`` makes a new pool that differs in the overlay only, in time
/// proportional to the overlay plus one pass over the per-candidate length norms (about 1 ms for
/// 100,000 candidates, against a second for a rebuild). The BM25 statistics stay exact: the pool
/// size, each term's document frequency (posting counts of both segments, less the removed base
/// candidates') and the average length (word totals kept as integers) are what a rebuild over
/// the same candidates computes, so every score and the ranking are bit-identical to a rebuild's.
/// Ranking costs a little more per removed base candidate, so a caller rebuilds when
/// ``overlayCount`` grows large (a few thousand).
///
/// Memory: about 6 bytes per distinct word of each candidate, plus the vocabulary and some 70
/// bytes per candidate (see ``estimatedBytes``).
public struct CandidatePool: Sendable {
    /// Skill table the pool was normalized with; jobs ranked against it are normalized with it too.
    public let aliases: SkillAliases
    /// Place table the pool was normalized with.
    public let places: PlaceAliases
    /// The candidates of the last full build; slots `0..<base.count`.
    let base: CandidatePoolSegment
    /// Candidates added or changed since; slots `base.count..<base.count + delta.count`.
    let delta: CandidatePoolSegment
    /// The profiles of `delta`, in its slot order (kept to rebuild it on the next update).
    let deltaProfiles: [CandidateProfile]
    /// Base slots removed or replaced, ascending, and the same as a bit set.
    let removedSlots: [Int32]
    let removedBits: [UInt64]
    /// Words in the live candidates' texts (BM25's Σ|D|).
    let totalLength: Int
    /// BM25 length normalization per slot (base then delta), from the live candidates' average
    /// length; see ``BM25/lengthNorm(length:averageLength:)``. Removed slots hold any value.
    let lengthNorm: [Double]

    /// Number of candidates: the `evaluated` count of `POST /match-candidates`.
    public var count: Int { base.count - removedSlots.count + delta.count }

    /// Candidates in the overlay: base candidates removed or replaced plus delta candidates. The
    /// cost of ranking and updating grows with it; rebuild when it grows past a few thousand.
    public var overlayCount: Int { removedSlots.count + delta.count }

    /// Whether `other` is this very version of the pool (the same segments and overlay), without
    /// comparing any content: O(1). Two pools built apart from equal candidates are not.
    public func isSameVersion(as other: CandidatePool) -> Bool {
        base === other.base && delta === other.delta && removedSlots == other.removedSlots
    }

    /// Whether a candidate with `id` is in the pool.
    public func contains(_ id: UUID) -> Bool {
        if delta.slotOfID[id] != nil { return true }
        guard let slot = base.slotOfID[id] else { return false }
        return !isRemoved(Int(slot))
    }

    /// The ids of every candidate in the pool, in no particular order.
    public var candidateIDs: [UUID] {
        var ids: [UUID] = []
        ids.reserveCapacity(count)
        for slot in 0..<base.count where !isRemoved(slot) { ids.append(base.ids[slot]) }
        ids.append(contentsOf: delta.ids)
        return ids
    }

    /// An estimate of the bytes this pool holds (array capacities, string bytes and a per-entry
    /// overhead for dictionaries; the shared alias tables not included), for a cache that keeps
    /// pools within a memory budget.
    public var estimatedBytes: Int {
        var total = base.estimatedBytes + delta.estimatedBytes
        total += lengthNorm.capacity * 8 + removedSlots.capacity * 4 + removedBits.capacity * 8
        total += deltaProfiles.reduce(0) { $0 + 200 + ($1.resumeText?.utf8.count ?? 0) + ($1.headline?.utf8.count ?? 0) }
        return total
    }

    /// Prepares `candidates`: normalizes their skills and places with the given tables and
    /// indexes their headline + résumé words. Their order does not affect any result; ids must
    /// be distinct.
    /// - Complexity: O(total text bytes), single-threaded; about 1.3 s of CPU for 100,000
    ///   candidates with 175 MB of text on the benchmark machine.
    public init(candidates: [CandidateProfile], aliases: SkillAliases = .bundled, places: PlaceAliases = .bundled) {
        var builder = Builder(aliases: aliases, places: places, expectedCount: candidates.count)
        builder.add(contentsOf: candidates)
        self = builder.finish()
    }

    init(aliases: SkillAliases, places: PlaceAliases, base: CandidatePoolSegment, deltaProfiles: [CandidateProfile], removedSlots: [Int32]) {
        self.aliases = aliases
        self.places = places
        self.base = base
        self.deltaProfiles = deltaProfiles
        var deltaBuilder = CandidatePoolSegment.Builder(aliases: aliases, places: places, expectedCount: deltaProfiles.count)
        deltaBuilder.add(contentsOf: deltaProfiles)
        delta = deltaBuilder.finish()
        self.removedSlots = removedSlots
        var bits = [UInt64](repeating: 0, count: removedSlots.isEmpty ? 0 : (base.count + 63) / 64)
        var totalLength = base.totalLength + delta.totalLength
        for slot in removedSlots {
            bits[Int(slot) >> 6] |= 1 << UInt64(slot & 63)
            totalLength -= Int(base.documentLength[Int(slot)])
        }
        removedBits = bits
        self.totalLength = totalLength
        let live = base.count - removedSlots.count + delta.count
        let averageLength = live > 0 ? Double(totalLength) / Double(live) : 0
        var norms = [Double](repeating: BM25.k1, count: base.count + delta.count)
        if averageLength > 0 {
            for (slot, length) in base.documentLength.enumerated() {
                norms[slot] = BM25.lengthNorm(length: length, averageLength: averageLength)
            }
            for (slot, length) in delta.documentLength.enumerated() {
                norms[base.count + slot] = BM25.lengthNorm(length: length, averageLength: averageLength)
            }
        }
        lengthNorm = norms
    }

    /// A pool with the candidates of `upserting` added or, when their id is in the pool already,
    /// replacing the pool's version, and the candidates with an id in `removing` left out (ids
    /// not in the pool are ignored; an id in both is upserted). Within `upserting` the last
    /// profile of an id wins.
    ///
    /// Ranks exactly like `CandidatePool(candidates:)` over the resulting candidates. This pool
    /// is unchanged; the new one shares its base.
    /// - Complexity: O(``overlayCount`` candidates' text + N), N the pool size.
    public func updating(upserting: [CandidateProfile], removing: some Sequence<UUID> = [UUID]()) -> CandidatePool {
        var upserted: [UUID: Int] = [:]
        for (index, profile) in upserting.enumerated() { upserted[profile.id] = index }
        var leaving = Set(removing)
        leaving.formUnion(upserted.keys)
        var removedSlots = removedSlots
        var removedAny = false
        for id in leaving {
            if let slot = base.slotOfID[id], !isRemoved(Int(slot)) {
                removedSlots.append(slot)
                removedAny = true
            }
        }
        if removedAny { removedSlots.sort() }
        var deltaProfiles = deltaProfiles.filter { !leaving.contains($0.id) }
        for (index, profile) in upserting.enumerated() where upserted[profile.id] == index {
            deltaProfiles.append(profile)
        }
        return CandidatePool(aliases: aliases, places: places, base: base, deltaProfiles: deltaProfiles, removedSlots: removedSlots)
    }

    /// BM25's n(q) for a query term (a word or a canonical skill id): the live candidates whose
    /// text holds it.
    func documentFrequency(of term: String) -> Int {
        documentFrequency(basePostings: base.postings(of: term), deltaPostings: delta.postings(of: term))
    }

    /// n(q) from the term's postings in each segment: the removed base candidates' are not counted.
    @inline(__always)
    func documentFrequency(basePostings: Range<Int>, deltaPostings: Range<Int>) -> Int {
        var containing = basePostings.count + deltaPostings.count
        if !removedSlots.isEmpty {
            for posting in basePostings where isRemoved(Int(base.termPostingDocs[posting])) { containing -= 1 }
        }
        return containing
    }

    /// The length norm of the live candidate `id`, if any (tests compare it across builds).
    func lengthNorm(of id: UUID) -> Double? {
        if let slot = delta.slotOfID[id] { return lengthNorm[base.count + Int(slot)] }
        guard let slot = base.slotOfID[id], !isRemoved(Int(slot)) else { return nil }
        return lengthNorm[Int(slot)]
    }

    /// Whether base slot `slot` was removed or replaced.
    @inline(__always)
    func isRemoved(_ slot: Int) -> Bool {
        !removedBits.isEmpty && removedBits[slot >> 6] & (1 << UInt64(slot & 63)) != 0
    }

    /// Builds a pool from candidates given a page at a time, so that each page's text can be
    /// freed once added: the memory of a build is then about the finished pool plus its forward
    /// index, instead of every profile's text besides.
    ///
    /// `Builder` is a value; `add` and `finish` are its only operations. Same result as
    /// ``CandidatePool/init(candidates:aliases:places:)`` over all the pages in order.
    public struct Builder: Sendable {
        private var segment: CandidatePoolSegment.Builder
        /// Concurrent parts each ``add(contentsOf:)`` tokenizes its profiles' text in.
        private let parts: Int

        /// An empty builder; `expectedCount` (candidates, 0 if unknown) only reserves memory.
        /// - Parameter parts: how many threads tokenize each batch of profiles (`Dispatch`'s
        ///   concurrent threads, not the caller's), since tokenizing is most of a build's work;
        ///   1, the default, keeps a build on the calling thread. Any value builds the same pool.
        public init(aliases: SkillAliases = .bundled, places: PlaceAliases = .bundled, expectedCount: Int = 0, parts: Int = 1) {
            segment = CandidatePoolSegment.Builder(aliases: aliases, places: places, expectedCount: expectedCount)
            self.parts = max(1, parts)
        }

        /// Adds `profiles`; ids must be distinct across every call.
        /// - Complexity: O(their text bytes), in `parts` concurrent parts for a batch of some
        ///   hundreds or more.
        public mutating func add(contentsOf profiles: some Sequence<CandidateProfile>) {
            segment.add(contentsOf: Array(profiles), parts: parts)
        }

        /// The pool of every candidate added.
        /// - Complexity: O(postings), about a tenth of the adding.
        public consuming func finish() -> CandidatePool {
            let (aliases, places) = (segment.aliases, segment.places)
            return CandidatePool(aliases: aliases, places: places, base: segment.finish(), deltaProfiles: [], removedSlots: [])
        }
    }
}
