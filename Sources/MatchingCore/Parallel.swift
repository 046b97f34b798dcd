import Dispatch

/// Splits work over a fixed number of parts. Each part computes a value from its own range only
/// and results come back in part order, so outcomes never depend on thread timing.
enum Parallel {
    /// `count` items cut into at most `parts` contiguous, near-equal ranges (one empty range for 0).
    static func ranges(count: Int, parts: Int) -> [Range<Int>] {
        guard count > 0 else { return [0..<0] }
        let parts = max(1, min(parts, count))
        return (0..<parts).map { part in (count * part / parts)..<(count * (part + 1) / parts) }
    }

    /// `body(part)` for each part in `0..<parts`, run concurrently when there is more than one,
    /// returned in part order.
    static func map<T: Sendable>(_ parts: Int, _ body: @Sendable (Int) -> T) -> [T] {
        guard parts > 1 else { return [body(0)] }
        let slots = UnsafeMutableBufferPointer<T?>.allocate(capacity: parts)
        slots.initialize(repeating: nil)
        defer {
            _ = slots.deinitialize()
            slots.deallocate()
        }
        // Each part writes only its own slot, and concurrentPerform returns after every part has
        // finished, so no slot is ever shared; the compiler cannot prove that about a pointer.
        nonisolated(unsafe) let shared = slots
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            shared[part] = body(part)
        }
        return slots.compactMap { $0 }
    }
}
