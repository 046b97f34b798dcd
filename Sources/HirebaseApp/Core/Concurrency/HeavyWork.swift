import NIOCore
import NIOPosix

/// CPU-heavy work one request can cause (parsing a fetched page, preparing a candidate pool), run
/// on a thread pool of its own rather than on Swift's cooperative pool, which has one thread per
/// core and runs every request handler: with two cores, two long parses there stalled every
/// other request, `/health` included, for tens of seconds (issue 7, found by trying it).
///
/// The pool has `threads` threads (default: one fewer than the cores, at least one), so at least
/// one core always stays for everything else; more heavy jobs wait their turn.
public struct HeavyWork: Sendable {
    let pool: NIOThreadPool

    /// A started pool; the application shuts it down (`ThreadPoolShutdown`).
    public init(threads: Int = max(1, System.coreCount - 1)) {
        pool = NIOThreadPool(numberOfThreads: max(1, threads))
        pool.start()
    }

    /// Runs `body` on the pool and returns its result.
    /// - Throws: what `body` throws, or a cancellation when the pool is shutting down.
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await pool.runIfActive(body)
    }
}
