import NIOConcurrencyHelpers
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Resolves a host name to the addresses the fetcher may connect to. The fetcher calls it once
/// per request hop, checks every address returned, and connects only to a checked one, so a
/// name cannot resolve to a public address for the check and to a private one for the
/// connection (DNS rebinding; OWASP SSRF Prevention Cheat Sheet).
public protocol HostResolving: Sendable {
    /// - Parameters:
    ///   - host: a DNS name, as written in the URL (no brackets, not an IP literal).
    ///   - port: the TCP port that will be connected to.
    /// - Returns: every address the name resolves to, in the order to try them.
    /// - Throws: when the name does not resolve.
    func resolve(host: String, port: Int) async throws -> [IPAddress]
}

/// Why the system resolver gave no address.
public struct HostResolutionError: Error, Sendable, Equatable {
    /// The `getaddrinfo(3)` error code (`EAI_*`); 0 for `timedOut` and `busy`.
    public var code: Int32
    public var message: String

    /// No answer within the resolver's timeout.
    public static let timedOut = HostResolutionError(code: 0, message: "name resolution timed out")
    /// Every resolver thread is taken by a lookup that has not returned: new ones are refused at
    /// once rather than queued behind them.
    public static let busy = HostResolutionError(code: 0, message: "too many name resolutions in progress")
}

/// The system resolver: `getaddrinfo(3)` (so `/etc/hosts`, `nsswitch.conf` and the configured
/// DNS servers apply, as for any other connection the server makes).
///
/// `getaddrinfo` blocks and cannot be cancelled, so it runs on a thread pool of its own, never on
/// the one the SQLite driver (and the rest of the server) use: a slow or hostile name server then
/// stalls only other lookups, never database queries (issue 7 § 3). That pool is bounded twice:
/// - at most `maxConcurrentLookups` blocking calls exist at a time, counted until each call
///   really returns (not until its caller gave up); a lookup beyond that fails at once with
///   `HostResolutionError.busy`;
/// - a caller waits at most `timeout` (`HostResolutionError.timedOut`); the call it leaves behind
///   finishes on its thread and its answer is dropped. Cancelling the calling task (the fetcher's
///   total timeout) returns at once with `CancellationError`.
public struct SystemHostResolver: HostResolving {
    let threadPool: NIOThreadPool
    let slots: LookupSlots
    let timeout: Duration
    let lookup: @Sendable (String, Int) throws -> [IPAddress]

    /// - Parameters:
    ///   - threadPool: the resolver's own started pool (see `makeThreadPool`), shared by every
    ///     resolver of the application; the caller shuts it down.
    ///   - maxConcurrentLookups: blocking calls allowed at once (default 8).
    ///   - timeout: the longest a caller waits for one lookup (default 5 s).
    ///   - lookup: the blocking call; `getaddrinfo` unless a test replaces it.
    public init(
        threadPool: NIOThreadPool,
        maxConcurrentLookups: Int = 8,
        timeout: Duration = .seconds(5),
        lookup: @escaping @Sendable (String, Int) throws -> [IPAddress] = { try SystemHostResolver.getaddrinfoAddresses(host: $0, port: $1) }
    ) {
        self.threadPool = threadPool
        self.slots = LookupSlots(limit: maxConcurrentLookups)
        self.timeout = timeout
        self.lookup = lookup
    }

    /// A started pool for name resolution with `threads` threads (default 8, one per allowed
    /// lookup, so that an admitted lookup never waits for a thread).
    public static func makeThreadPool(threads: Int = 8) -> NIOThreadPool {
        let pool = NIOThreadPool(numberOfThreads: max(1, threads))
        pool.start()
        return pool
    }

    public func resolve(host: String, port: Int) async throws -> [IPAddress] {
        guard slots.acquire() else { throw HostResolutionError.busy }
        let waiter = Waiter()
        let slots = self.slots
        let lookup = self.lookup
        let timer = Task { [timeout] in
            try await Task.sleep(for: timeout)
            waiter.resume(with: .failure(HostResolutionError.timedOut))
        }
        defer { timer.cancel() }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                guard waiter.install(continuation) else {
                    slots.release()
                    return
                }
                threadPool.submit { state in
                    defer { slots.release() }
                    guard case .active = state else {
                        waiter.resume(with: .failure(CancellationError()))
                        return
                    }
                    waiter.resume(with: Result { try lookup(host, port) })
                }
            }
        } onCancel: {
            waiter.resume(with: .failure(CancellationError()))
        }
    }

    /// Counts the blocking calls in progress.
    final class LookupSlots: Sendable {
        private let inUse = NIOLockedValueBox(0)
        let limit: Int

        init(limit: Int) { self.limit = max(1, limit) }

        func acquire() -> Bool {
            inUse.withLockedValue { count in
                guard count < limit else { return false }
                count += 1
                return true
            }
        }

        func release() { inUse.withLockedValue { $0 -= 1 } }

        var count: Int { inUse.withLockedValue { $0 } }
    }

    /// Hands the answer to whoever comes first: the thread-pool job, the timer or the cancellation.
    private final class Waiter: Sendable {
        private enum State {
            case idle
            case waiting(CheckedContinuation<[IPAddress], any Error>)
            case finished
        }

        private let state = NIOLockedValueBox(State.idle)

        /// - Returns: `false` when the timer or cancellation came first (the continuation is then
        ///   resumed with `CancellationError`).
        func install(_ continuation: CheckedContinuation<[IPAddress], any Error>) -> Bool {
            let installed = state.withLockedValue { state -> Bool in
                guard case .idle = state else { return false }
                state = .waiting(continuation)
                return true
            }
            if !installed { continuation.resume(throwing: CancellationError()) }
            return installed
        }

        func resume(with result: Result<[IPAddress], any Error>) {
            let continuation = state.withLockedValue { state -> CheckedContinuation<[IPAddress], any Error>? in
                defer { state = .finished }
                if case .waiting(let continuation) = state { return continuation }
                return nil
            }
            continuation?.resume(with: result)
        }
    }

    /// `getaddrinfo(3)` for `host` and `port`: the addresses in the order returned, duplicates removed.
    /// - Throws: `HostResolutionError` with the `EAI_*` code.
    public static func getaddrinfoAddresses(host: String, port: Int) throws -> [IPAddress] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        // Only families this machine can reach, as a connecting client would ask (RFC 3493 § 6.1).
        hints.ai_flags = AI_ADDRCONFIG
        var list: UnsafeMutablePointer<addrinfo>?
        let code = getaddrinfo(host, String(port), &hints, &list)
        guard code == 0 else {
            let message = gai_strerror(code).map { String(cString: $0) } ?? "error \(code)"
            throw HostResolutionError(code: code, message: message)
        }
        defer { freeaddrinfo(list) }

        var addresses: [IPAddress] = []
        var cursor = list
        while let entry = cursor?.pointee {
            cursor = entry.ai_next
            guard let socketAddress = entry.ai_addr else { continue }
            let address: IPAddress
            switch entry.ai_family {
            case AF_INET:
                let raw = socketAddress.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr.s_addr }
                address = .v4(UInt32(bigEndian: raw))
            case AF_INET6:
                var raw = socketAddress.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_addr }
                guard let v6 = IPAddress(v6Bytes: withUnsafeBytes(of: &raw) { Array($0) }) else { continue }
                address = v6
            default:
                continue
            }
            if !addresses.contains(address) { addresses.append(address) }
        }
        return addresses
    }
}
