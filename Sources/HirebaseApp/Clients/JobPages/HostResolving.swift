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
    /// The `getaddrinfo(3)` error code (`EAI_*`).
    public var code: Int32
    public var message: String
}

/// The system resolver: `getaddrinfo(3)` (so `/etc/hosts`, `nsswitch.conf` and the configured
/// DNS servers apply, as for any other connection the server makes), run on a NIO thread pool
/// because it blocks.
///
/// If the calling task is cancelled (the fetcher's total timeout), `resolve` returns at once with
/// `CancellationError`; the blocked `getaddrinfo` call finishes on its thread and its answer is
/// dropped.
public struct SystemHostResolver: HostResolving {
    let threadPool: NIOThreadPool

    /// - Parameter threadPool: where the blocking calls run. Defaults to NIO's shared pool.
    public init(threadPool: NIOThreadPool = .singleton) {
        self.threadPool = threadPool
    }

    public func resolve(host: String, port: Int) async throws -> [IPAddress] {
        let waiter = Waiter()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                guard waiter.install(continuation) else { return }
                threadPool.submit { state in
                    guard case .active = state else {
                        waiter.resume(with: .failure(CancellationError()))
                        return
                    }
                    waiter.resume(with: Result { try Self.getaddrinfoAddresses(host: host, port: port) })
                }
            }
        } onCancel: {
            waiter.resume(with: .failure(CancellationError()))
        }
    }

    /// Hands the answer to whoever comes first: the thread-pool job or the cancellation.
    private final class Waiter: Sendable {
        private enum State {
            case idle
            case waiting(CheckedContinuation<[IPAddress], any Error>)
            case finished
        }

        private let state = NIOLockedValueBox(State.idle)

        /// - Returns: `false` when cancellation came first (the continuation is then resumed).
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

    static func getaddrinfoAddresses(host: String, port: Int) throws -> [IPAddress] {
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
