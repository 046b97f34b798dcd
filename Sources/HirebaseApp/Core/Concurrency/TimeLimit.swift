import NIOConcurrencyHelpers

/// Waits for a piece of work at most a given time.
///
/// Unlike a task group, which waits for all its children, the caller gets its answer when the
/// limit passes even if the work does not stop: a database query does not heed cancellation while
/// it waits for its answer (it is cancelled all the same, and ends on its own bound, e.g.
/// `DATABASE_QUERY_TIMEOUT_SECONDS`).
enum TimeLimit {
    /// The limit passed before the work ended.
    struct Exceeded: Error, CustomStringConvertible {
        /// The limit that passed.
        var limit: Duration
        var description: String { "no result within \(limit)" }
    }

    /// `work`'s result, or `Exceeded` once `limit` has passed.
    /// - Throws: what `work` throws, or `Exceeded`.
    static func run<T: Sendable>(within limit: Duration, _ work: @escaping @Sendable () async throws -> T) async throws -> T {
        let pending = NIOLockedValueBox<CheckedContinuation<T, any Error>?>(nil)
        let timer = NIOLockedValueBox<Task<Void, Never>?>(nil)
        // Whichever ends first resumes the caller; the other finds nothing to resume.
        let finish: @Sendable (Result<T, any Error>) -> Void = { result in
            pending.withLockedValue { continuation in
                defer { continuation = nil }
                return continuation
            }?.resume(with: result)
        }
        return try await withCheckedThrowingContinuation { continuation in
            pending.withLockedValue { $0 = continuation }
            let worker = Task {
                let result: Result<T, any Error>
                do { result = .success(try await work()) } catch { result = .failure(error) }
                timer.withLockedValue { $0?.cancel() }
                finish(result)
            }
            timer.withLockedValue { $0 = Task {
                do { try await Task.sleep(for: limit) } catch { return }
                // The caller hears `Exceeded` first, not the `CancellationError` a cancelled
                // worker may be quick to end with.
                finish(.failure(Exceeded(limit: limit)))
                worker.cancel()
            } }
        }
    }
}
