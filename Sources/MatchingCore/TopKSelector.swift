import Foundation

/// Keeps the best `capacity` candidates seen so far in a bounded binary heap (worst at the root),
/// so ranking N candidates for k results costs O(N log k) instead of sorting all N.
///
/// Order: higher score first, then candidate id ascending as a UUID string, which equals the
/// id's 16 bytes compared as big-endian integers (hex digits and dashes sort the same way).
struct TopKSelector: Sendable {
    /// One candidate's place in the ranking.
    struct Entry: Sendable {
        var score: Int32
        var idHigh: UInt64
        var idLow: UInt64
        var index: Int32

        @inline(__always)
        func ranksBefore(_ other: Entry) -> Bool {
            if score != other.score { return score > other.score }
            if idHigh != other.idHigh { return idHigh < other.idHigh }
            return idLow < other.idLow
        }
    }

    private let capacity: Int
    private var heap: [Entry] = []

    init(capacity: Int) {
        self.capacity = capacity
        heap.reserveCapacity(min(capacity, 4096))
    }

    /// Considers one entry.
    @inline(__always)
    mutating func offer(_ entry: Entry) {
        if heap.count < capacity {
            heap.append(entry)
            siftUp(heap.count - 1)
        } else if capacity > 0, entry.ranksBefore(heap[0]) {
            heap[0] = entry
            siftDown(0)
        }
    }

    /// The kept entries, best first.
    func sorted() -> [Entry] {
        heap.sorted { $0.ranksBefore($1) }
    }

    /// The id as two big-endian 64-bit halves, in UUID-string order.
    static func idKey(_ id: UUID) -> (high: UInt64, low: UInt64) {
        withUnsafeBytes(of: id.uuid) { raw in
            (UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self)),
             UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
        }
    }

    /// Best `limit` candidates scoring at least `minScore`, best first.
    ///
    /// `entry(part, index)` gives the score and id key of candidate `index` of `ranges[part]`; it
    /// must depend on that candidate alone, so splitting the pool across threads cannot change
    /// the outcome: each part keeps its own top-k and the parts are merged.
    static func select(
        ranges: [Range<Int>],
        limit: Int,
        minScore: Int,
        entry: @Sendable (_ part: Int, _ index: Int) -> Entry
    ) -> [Entry] {
        let parts = Parallel.map(ranges.count) { part in
            var selector = TopKSelector(capacity: limit)
            for index in ranges[part] {
                let candidate = entry(part, index)
                if Int(candidate.score) >= minScore { selector.offer(candidate) }
            }
            return selector
        }
        var merged = TopKSelector(capacity: limit)
        for part in parts {
            for candidate in part.heap { merged.offer(candidate) }
        }
        return merged.sorted()
    }

    private mutating func siftUp(_ start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            // The root holds the worst entry: move up while the child ranks after its parent.
            guard heap[parent].ranksBefore(heap[child]) else { return }
            heap.swapAt(parent, child)
            child = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1
            guard left < heap.count else { return }
            var worst = left
            let right = left + 1
            if right < heap.count, heap[left].ranksBefore(heap[right]) { worst = right }
            guard heap[parent].ranksBefore(heap[worst]) else { return }
            heap.swapAt(parent, worst)
            parent = worst
        }
    }
}
