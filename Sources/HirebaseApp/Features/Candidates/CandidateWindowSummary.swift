import Foundation

/// A summary of the candidates of one id bucket (`CandidateIDBuckets.bucket(of:)`, the id's first
/// byte) in matching's change window (those of one company with an `updated_at` at or after a
/// bound): how many, and sums over their ids and *stamps* (`updated_at` in whole microseconds
/// since 1970, as the database computes it: `CandidateStore`'s `census(of:windowFrom:on:)` and
/// `changes(of:since:inBuckets:on:)`). Matching's pool compares the database's summary of the
/// whole window (the census's statement, which each check runs anyway) with the one it computes
/// from the versions it holds; when they differ in a large window, the database's summary of each
/// bucket (``CandidateWindowBuckets``, `CandidateStore.windowBuckets(of:since:on:)`), and reads
/// the window's rows again only in the buckets that differ: at 100,000 rows written in the last
/// seconds (a bulk import) reading the whole window cost about 300 ms a call.
///
/// Every term is an integer of at most 32 bits (the stamp split in two), so the sums of up to
/// 2^31 rows fit in 64 bits on SQLite and PostgreSQL alike and both compute the same figures with
/// the same integer arithmetic (division and remainder truncating toward zero, as Swift's). A new,
/// deleted or re-stamped candidate changes the count or the stamp sums; one deleted and another
/// inserted with the same stamp in the same bucket change the id sums (unless the two ids share
/// their bytes 1-2, 1 in 65,536 for random UUIDs); a stamp moved from one candidate to another
/// changes ``mixed``. A summary that misses a change (two changes cancelling out in every sum)
/// leaves it unseen until the bucket's window is next read (a new write there) or the pool is
/// rebuilt.
struct CandidateWindowSummary: Equatable, Sendable {
    /// Candidates in the window.
    private(set) var count = 0
    /// Sum of each stamp's remainder by 2^32.
    private(set) var stampLow = 0
    /// Sum of each stamp divided by 2^32.
    private(set) var stampHigh = 0
    /// Sum of ``idKey(of:)``.
    private(set) var idSum = 0
    /// Sum of each stamp's remainder by 2^16 times its candidate's ``idKey(of:)``.
    private(set) var mixed = 0

    /// No candidates.
    init() {}

    /// A bucket's summary as the database reports it (`CandidateStore.census(of:windowFrom:on:)`).
    init(count: Int, stampLow: Int, stampHigh: Int, idSum: Int, mixed: Int) {
        (self.count, self.stampLow, self.stampHigh, self.idSum, self.mixed) = (count, stampLow, stampHigh, idSum, mixed)
    }

    /// The number summed for `id`: its bytes 1 and 2, big-endian (0...65,535), as
    /// `CandidateIDBuckets.checkValue(of:)` (byte 0 is the bucket, the same for all its ids).
    static func idKey(of id: UUID) -> Int { CandidateIDBuckets.checkValue(of: id) }

    /// Adds `other`'s candidates (the summary of both sets together: every term is a sum).
    mutating func add(_ other: CandidateWindowSummary) {
        count += other.count
        stampLow += other.stampLow
        stampHigh += other.stampHigh
        idSum += other.idSum
        mixed += other.mixed
    }

    /// Counts the candidate `id` whose `updated_at` is `stamp` microseconds since 1970.
    mutating func add(id: UUID, stamp: Int64) {
        let key = Self.idKey(of: id)
        count += 1
        stampLow += Int(stamp % 4_294_967_296)
        stampHigh += Int(stamp / 4_294_967_296)
        idSum += key
        mixed += Int(stamp % 65_536) * key
    }
}

/// The window's summaries (``CandidateWindowSummary``) of the 256 id buckets of one company
/// (`CandidateIDBuckets.bucket(of:)`): as the database reports them in the census, or as the pool
/// computes them from the versions it holds.
struct CandidateWindowBuckets: Equatable, Sendable {
    /// The summary of each bucket, indexed by bucket (0...255).
    private(set) var summaries = [CandidateWindowSummary](repeating: CandidateWindowSummary(), count: 256)

    /// No candidates in any bucket.
    init() {}

    /// The summary of all buckets together (as `CandidateStore.census(of:windowFrom:on:)` reports it).
    var total: CandidateWindowSummary {
        summaries.reduce(into: CandidateWindowSummary()) { $0.add($1) }
    }

    /// Counts the candidate `id` whose `updated_at` is `stamp` microseconds since 1970 in its bucket.
    mutating func add(id: UUID, stamp: Int64) {
        summaries[CandidateIDBuckets.bucket(of: id)].add(id: id, stamp: stamp)
    }

    /// Sets a bucket's summary as the database reports it.
    /// - Parameters:
    ///   - bucket: 0...255; others are ignored.
    ///   - summary: the summary of the bucket's candidates in the window.
    mutating func set(bucket: Int, summary: CandidateWindowSummary) {
        guard summaries.indices.contains(bucket) else { return }
        summaries[bucket] = summary
    }

    /// The buckets whose summary differs from `other`'s, ascending.
    func differing(from other: CandidateWindowBuckets) -> [Int] {
        summaries.indices.filter { summaries[$0] != other.summaries[$0] }
    }
}

/// One candidate in matching's change window, as `CandidateStore.changes(of:since:inBuckets:on:)` reads it.
struct CandidateWindowRow: Equatable, Sendable {
    /// The row's `updated_at` as the driver decodes it (compared with the pool's version).
    var updatedAt: Date
    /// The same instant in whole microseconds since 1970, as the database computes it for
    /// `CandidateWindowSummary` (not converted in Swift: SQLite stores a `Double` of seconds,
    /// whose conversion to and from `Date` may move it across a microsecond).
    var stamp: Int64
}
