import NIOConcurrencyHelpers

/// Combines the writes of concurrent callers into one statement (or one transaction) per flush:
/// "group commit", as databases do with their log.
///
/// A caller submits its item and waits for its outcome. When no flush is in flight, a flush
/// starts at once with what is queued (no timer: an idle process adds no latency); while one is
/// in flight, new items queue and the next flush takes them all, at most `maxBatchSize` at a
/// time, in the order they were submitted. A flush that throws fails each of its callers with
/// that same error. One flush runs at a time, so the batches of one process never overlap.
///
/// A caller whose task is cancelled stops waiting (`CancellationError`): a queued item is taken
/// out, an item already in a flush still goes to the database and its outcome is dropped; the
/// other callers of that flush get theirs. After `shutdown()`, new items are refused (503
/// `service_unavailable`: the instance is stopping) and the items already queued are flushed.
final class StatementBatcher<Item: Sendable, Outcome: Sendable>: Sendable {
    /// Runs one batch: `items` in submission order (1 to `maxBatchSize` of them) -> one outcome per
    /// item, in the same order.
    typealias Flush = @Sendable (_ items: [Item]) async throws -> [Outcome]

    /// The flush returned a number of outcomes other than the number of items it was given.
    struct OutcomeCountError: Error, CustomStringConvertible {
        /// Items given to the flush, outcomes it returned.
        var items: Int, outcomes: Int
        var description: String { "a flush of \(items) items returned \(outcomes) outcomes" }
    }

    private struct Waiter {
        let item: Item
        let continuation: CheckedContinuation<Outcome, any Error>
    }

    /// What a submission does once its caller is registered (or refused).
    private enum Next {
        case wait, start, refuse(any Error)
    }

    private struct State {
        /// Every caller still waiting, queued or in a flush, by submission number.
        var waiters: [UInt64: Waiter] = [:]
        /// Submission numbers not yet taken by a flush, oldest first (a cancelled one may linger
        /// here after leaving `waiters`; the next flush skips it).
        var queue: [UInt64] = []
        var nextID: UInt64 = 0
        /// Whether a task is running flushes (it runs until the queue is empty).
        var flushing = false
        var shutDown = false
        /// `shutdown()` calls waiting for the last flush to end.
        var shutdownWaiters: [CheckedContinuation<Void, Never>] = []
    }

    /// The most items one flush takes.
    let maxBatchSize: Int
    private let flush: Flush
    private let state = NIOLockedValueBox(State())

    /// - Parameters:
    ///   - maxBatchSize: the most items per flush (at least 1); bounds a statement's size.
    ///   - flush: writes one batch (see `Flush`).
    init(maxBatchSize: Int = 256, flush: @escaping Flush) {
        self.maxBatchSize = max(1, maxBatchSize)
        self.flush = flush
    }

    /// Callers waiting for an outcome, queued or in a flush.
    var waitingCount: Int {
        state.withLockedValue { $0.waiters.count }
    }

    /// Queues `item` and waits for its outcome.
    /// - Throws: the error of the flush that took `item`; `CancellationError` when the calling
    ///   task was cancelled while waiting; `AppError` 503 after `shutdown()`.
    func submit(_ item: Item) async throws -> Outcome {
        let id = state.withLockedValue { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Outcome, any Error>) in
                // Checked under the lock that `cancel` takes: a cancellation either comes before
                // this (and is seen here) or finds the waiter registered.
                let next = state.withLockedValue { state -> Next in
                    if Task.isCancelled { return .refuse(CancellationError()) }
                    if state.shutDown { return .refuse(AppError.unavailable("The server is stopping; try again", retryAfterSeconds: 1)) }
                    state.waiters[id] = Waiter(item: item, continuation: continuation)
                    state.queue.append(id)
                    if state.flushing { return .wait }
                    state.flushing = true
                    return .start
                }
                switch next {
                case .wait:
                    break
                case .refuse(let error):
                    continuation.resume(throwing: error)
                case .start:
                    // Detached: a flush serves many callers, so it inherits no caller's
                    // cancellation, priority or task-local values (a transaction scope).
                    Task.detached { await self.runFlushes() }
                }
            }
        } onCancel: {
            cancel(id)
        }
    }

    /// Refuses new items, then waits until the items already queued are flushed and every waiter
    /// has its outcome. Safe to call more than once.
    func shutdown() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let idle = state.withLockedValue { state in
                state.shutDown = true
                // Every queued item has a flush task running, which resumes this when it ends.
                if state.flushing { state.shutdownWaiters.append(continuation) }
                return !state.flushing
            }
            if idle { continuation.resume() }
        }
    }

    /// Flushes batches until the queue is empty.
    private func runFlushes() async {
        while true {
            let (next, shutdownWaiters) = takeBatch()
            guard let batch = next else {
                for waiter in shutdownWaiters { waiter.resume() }
                return
            }
            let outcomes: Result<[Outcome], any Error>
            do {
                let results = try await flush(batch.map(\.item))
                outcomes = results.count == batch.count ? .success(results) : .failure(OutcomeCountError(items: batch.count, outcomes: results.count))
            } catch {
                outcomes = .failure(error)
            }
            let waiting = state.withLockedValue { state in batch.map { state.waiters.removeValue(forKey: $0.id) } }
            for (index, waiter) in waiting.enumerated() {
                guard let waiter else { continue }  // cancelled meanwhile
                switch outcomes {
                case .success(let results): waiter.continuation.resume(returning: results[index])
                case .failure(let error): waiter.continuation.resume(throwing: error)
                }
            }
        }
    }

    /// The next batch (oldest first, at most `maxBatchSize`); or, when nothing is queued, `nil`
    /// (the flush task ends) and the `shutdown()` calls to resume.
    private func takeBatch() -> (batch: [(id: UInt64, item: Item)]?, shutdownWaiters: [CheckedContinuation<Void, Never>]) {
        state.withLockedValue { state in
            var batch: [(id: UInt64, item: Item)] = []
            var taken = 0
            for id in state.queue {
                if batch.count == maxBatchSize { break }
                taken += 1
                if let waiter = state.waiters[id] { batch.append((id, waiter.item)) }
            }
            state.queue.removeFirst(taken)
            if batch.isEmpty {
                state.flushing = false
                defer { state.shutdownWaiters = [] }
                return (nil, state.shutdownWaiters)
            }
            return (batch, [])
        }
    }

    /// Stops the wait of submission `id`: taken out of the queue, or its flush's outcome dropped.
    private func cancel(_ id: UInt64) {
        let waiter = state.withLockedValue { state in state.waiters.removeValue(forKey: id) }
        waiter?.continuation.resume(throwing: CancellationError())
    }
}
