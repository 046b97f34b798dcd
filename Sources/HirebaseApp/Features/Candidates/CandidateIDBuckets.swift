import Foundation

/// A company's candidate ids summed up per *id bucket* (the id's first byte, 256 buckets): how
/// many ids fall in each bucket and the sum of their bytes 1-2 (as a 16-bit number). Matching's
/// pool compares the database's (`CandidateStore.idBuckets(of:on:)`) with its own to find
/// deleted candidates without reading every id: only the ids of buckets that differ are read
/// (about 1/256 of them per deletion).
///
/// The sums make a bucket differ when one candidate left it and another arrived unseen (written
/// without `updated_at`, so not among the window's changes) in the same check: with counts only
/// the two would cancel out. They still cancel when the two ids' bytes 1-2 are equal, a chance
/// of 1 in 65,536 for random UUIDs; such a miss lasts until the pool is next rebuilt.
struct CandidateIDBuckets: Equatable, Sendable {
    /// Ids per bucket, indexed by bucket.
    private(set) var counts = [Int](repeating: 0, count: 256)
    /// Sum of ``checkValue(of:)`` per bucket.
    private(set) var sums = [Int](repeating: 0, count: 256)

    /// No ids.
    init() {}

    /// The bucket of `id`: its first byte (0...255).
    static func bucket(of id: UUID) -> Int { Int(id.uuid.0) }

    /// The number summed per bucket for `id`: its bytes 1 and 2, big-endian (0...65,535).
    static func checkValue(of id: UUID) -> Int { Int(id.uuid.1) << 8 | Int(id.uuid.2) }

    /// Counts `id` in its bucket.
    mutating func add(_ id: UUID) {
        let bucket = Self.bucket(of: id)
        counts[bucket] += 1
        sums[bucket] += Self.checkValue(of: id)
    }

    /// Sets a bucket's figures as the database reports them.
    /// - Parameters:
    ///   - bucket: 0...255; others are ignored.
    ///   - count: ids in the bucket.
    ///   - sum: the sum of their ``checkValue(of:)``.
    mutating func set(bucket: Int, count: Int, sum: Int) {
        guard counts.indices.contains(bucket) else { return }
        counts[bucket] = count
        sums[bucket] = sum
    }

    /// The buckets whose count or sum differs from `other`'s, ascending.
    func differing(from other: CandidateIDBuckets) -> [Int] {
        counts.indices.filter { counts[$0] != other.counts[$0] || sums[$0] != other.sums[$0] }
    }
}
