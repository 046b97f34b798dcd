import NIOConcurrencyHelpers
import Testing
@testable import HirebaseApp

/// A door a flush waits at until the test opens it.
private actor FlushGate {
    private var isOpen = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    /// Returns once the gate is open.
    func pass() async {
        if isOpen { return }
        await withCheckedContinuation { waiting.append($0) }
    }

    /// Lets every waiting and later `pass()` through.
    func open() {
        isOpen = true
        for continuation in waiting { continuation.resume() }
        waiting = []
    }
}

/// A flush's failure, as the database's error would be.
private struct FlushFailure: Error, Equatable {
    var batch: [Int]
}

/// Runs `StatementBatcher`s whose flushes record each batch and may wait at a gate.
private final class BatchRecorder: Sendable {
    let batches = NIOLockedValueBox<[[Int]]>([])
    let gate = FlushGate()

    /// A batcher doubling each item; its first flush waits at `gate` when `holdFirst`.
    func batcher(maxBatchSize: Int = 256, holdFirst: Bool = false, failing: @escaping @Sendable ([Int]) -> Bool = { _ in false })
        -> StatementBatcher<Int, Int> {
        StatementBatcher(maxBatchSize: maxBatchSize) { [self] items in
            let first = batches.withLockedValue { batches in
                batches.append(items)
                return batches.count == 1
            }
            if holdFirst && first { await gate.pass() }
            if failing(items) { throw FlushFailure(batch: items) }
            return items.map { $0 * 2 }
        }
    }

    /// Waits (polling) until `count` flushes started.
    func waitUntilStarted(flushes count: Int) async throws {
        for _ in 0..<2000 where batches.withLockedValue({ $0.count }) < count { try await Task.sleep(for: .milliseconds(1)) }
        #expect(batches.withLockedValue { $0.count } == count)
    }

    /// Waits (polling) until `batcher` has `count` callers waiting.
    func waitUntil(_ batcher: StatementBatcher<Int, Int>, hasWaiting count: Int) async throws {
        for _ in 0..<2000 where batcher.waitingCount != count { try await Task.sleep(for: .milliseconds(1)) }
        #expect(batcher.waitingCount == count)
    }
}

@Suite("Statement batcher (group commit)")
struct StatementBatcherTests {
    @Test func aLoneItemIsFlushedAtOnceAndGetsItsOutcome() async throws {
        let recorder = BatchRecorder()
        let batcher = recorder.batcher()
        #expect(try await batcher.submit(21) == 42)
        #expect(recorder.batches.withLockedValue { $0 } == [[21]])
    }

    @Test func itemsQueuedDuringAFlushGoTogetherInSubmissionOrder() async throws {
        let recorder = BatchRecorder()
        let batcher = recorder.batcher(holdFirst: true)
        let first = Task { try await batcher.submit(0) }
        try await recorder.waitUntilStarted(flushes: 1)
        var later: [Task<Int, any Error>] = []
        for item in 1...5 {
            later.append(Task { try await batcher.submit(item) })
            try await recorder.waitUntil(batcher, hasWaiting: item + 1)
        }
        await recorder.gate.open()
        #expect(try await first.value == 0)
        for (index, task) in later.enumerated() { #expect(try await task.value == (index + 1) * 2) }
        #expect(recorder.batches.withLockedValue { $0 } == [[0], [1, 2, 3, 4, 5]])
    }

    @Test func aBatchHoldsAtMostTheCap() async throws {
        let recorder = BatchRecorder()
        let batcher = recorder.batcher(maxBatchSize: 3, holdFirst: true)
        let first = Task { try await batcher.submit(0) }
        try await recorder.waitUntilStarted(flushes: 1)
        var later: [Task<Int, any Error>] = []
        for item in 1...7 {
            later.append(Task { try await batcher.submit(item) })
            try await recorder.waitUntil(batcher, hasWaiting: item + 1)
        }
        await recorder.gate.open()
        _ = try await first.value
        for task in later { _ = try await task.value }
        #expect(recorder.batches.withLockedValue { $0 } == [[0], [1, 2, 3], [4, 5, 6], [7]])
    }

    @Test func aFailedFlushFailsEachOfItsCallersWithItsErrorAndNoOther() async throws {
        let recorder = BatchRecorder()
        let batcher = recorder.batcher(holdFirst: true) { $0.contains(2) }
        let first = Task { try await batcher.submit(0) }
        try await recorder.waitUntilStarted(flushes: 1)
        var failing: [Task<Int, any Error>] = []
        for item in 1...3 {
            failing.append(Task { try await batcher.submit(item) })
            try await recorder.waitUntil(batcher, hasWaiting: item + 1)
        }
        await recorder.gate.open()
        #expect(try await first.value == 0)
        for task in failing {
            await #expect(throws: FlushFailure(batch: [1, 2, 3])) { try await task.value }
        }
        // The batcher goes on after a failure.
        #expect(try await batcher.submit(4) == 8)
    }

    @Test func manyConcurrentCallersEachGetTheirOwnOutcome() async throws {
        let recorder = BatchRecorder()
        let batcher = recorder.batcher(maxBatchSize: 16)
        let outcomes = try await withThrowingTaskGroup(of: (Int, Int).self) { group in
            for item in 0..<2000 { group.addTask { (item, try await batcher.submit(item)) } }
            return try await group.reduce(into: [(Int, Int)]()) { $0.append($1) }
        }
        #expect(outcomes.count == 2000)
        #expect(outcomes.allSatisfy { $0.1 == $0.0 * 2 })
        let flushed = recorder.batches.withLockedValue { $0 }
        #expect(flushed.flatMap { $0 }.sorted() == Array(0..<2000))
        #expect(flushed.allSatisfy { $0.count <= 16 })
        #expect(batcher.waitingCount == 0)
    }

    @Test func aCancelledCallerStopsWaitingAndTheOthersGetTheirOutcomes() async throws {
        let recorder = BatchRecorder()
        let batcher = recorder.batcher(holdFirst: true)
        let inFlight = Task { try await batcher.submit(0) }
        try await recorder.waitUntilStarted(flushes: 1)
        let queuedFirst = Task { try await batcher.submit(10) }
        try await recorder.waitUntil(batcher, hasWaiting: 2)
        let queued = Task { try await batcher.submit(1) }
        try await recorder.waitUntil(batcher, hasWaiting: 3)
        let cancelled = Task { try await batcher.submit(2) }
        try await recorder.waitUntil(batcher, hasWaiting: 4)
        cancelled.cancel()
        await #expect(throws: CancellationError.self) { try await cancelled.value }
        inFlight.cancel()
        await #expect(throws: CancellationError.self) { try await inFlight.value }
        await recorder.gate.open()
        #expect(try await queuedFirst.value == 20)
        #expect(try await queued.value == 2)
        // The queued item taken out was never flushed; the one in flight was.
        #expect(recorder.batches.withLockedValue { $0 } == [[0], [10, 1]])
        #expect(batcher.waitingCount == 0)
    }

    @Test func anAlreadyCancelledCallerIsRefusedAtOnce() async throws {
        let recorder = BatchRecorder()
        let batcher = recorder.batcher()
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await batcher.submit(1)
        }
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(recorder.batches.withLockedValue { $0 }.isEmpty)
    }

    @Test func shutdownFlushesWhatIsQueuedThenRefusesNewItems() async throws {
        let recorder = BatchRecorder()
        let batcher = recorder.batcher(holdFirst: true)
        let first = Task { try await batcher.submit(0) }
        try await recorder.waitUntilStarted(flushes: 1)
        let queued = Task { try await batcher.submit(1) }
        try await recorder.waitUntil(batcher, hasWaiting: 2)
        let stopped = Task { await batcher.shutdown() }
        try await Task.sleep(for: .milliseconds(20))
        await #expect(throws: AppError.self) { try await batcher.submit(2) }
        await recorder.gate.open()
        await stopped.value
        #expect(try await first.value == 0)
        #expect(try await queued.value == 2)
        #expect(batcher.waitingCount == 0)
        await batcher.shutdown()
        let refusal = await #expect(throws: AppError.self) { try await batcher.submit(3) }
        #expect(refusal?.status == .serviceUnavailable)
    }
}
