import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// One attempt of an outbound API call (Stripe, the AI provider), bounded as a whole by a deadline
/// and in memory by a body cap, and how it ended.
///
/// The deadline is raced here rather than only given to AsyncHTTPClient, whose `deadline` stops
/// applying once the answer's head has arrived (`HTTPClient+execute.swift`), so that a slow body is
/// bounded too.
enum BoundedHTTPExchange: Sendable {
    /// A whole answer: its status, headers and body (at most the cap).
    case answered(status: Int, headers: HTTPHeaders, body: Data)
    /// The body passed the cap; the answer's status.
    case tooLarge(status: Int)
    /// No whole answer before the deadline.
    case timedOut
    /// No answer: connection refused or reset, DNS, TLS (a short description).
    case unreachable(String)

    /// An `HTTPClient` for an API: `connectTimeout` per connection attempt, no redirects (an API
    /// base that redirects is misconfigured, and a redirect would carry the credentials elsewhere),
    /// no decompression, and no connection retries inside the pool, which would otherwise keep
    /// re-dialling a refused connection until the connect timeout instead of failing at once and
    /// letting the caller's retry policy decide
    /// (`HTTPClient.Configuration.ConnectionPool.retryConnectionEstablishment`). The caller must
    /// `shutdown()` it.
    static func makeHTTPClient(connectTimeout: Duration, eventLoopGroup: any EventLoopGroup) -> HTTPClient {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: TimeAmount(connectTimeout)),
            decompression: .disabled)
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroup: eventLoopGroup, configuration: configuration)
    }

    /// Sends `request` on `client` and reads at most `maxBodyBytes` of the answer, all before
    /// `deadline`.
    static func perform(_ request: HTTPClientRequest, on client: HTTPClient, maxBodyBytes: Int,
                        deadline: ContinuousClock.Instant) async -> BoundedHTTPExchange {
        await withTaskGroup(of: BoundedHTTPExchange?.self) { group in
            group.addTask {
                await exchange(request, on: client, maxBodyBytes: maxBodyBytes, deadline: deadline)
            }
            group.addTask {
                do {
                    try await Task.sleep(until: deadline, clock: .continuous)
                    return .timedOut
                } catch {
                    return nil
                }
            }
            var first: BoundedHTTPExchange?
            while first == nil, let next = await group.next() {
                first = next
            }
            group.cancelAll()
            // Both children gave up only when this task itself was cancelled.
            return first ?? .timedOut
        }
    }

    private static func exchange(_ request: HTTPClientRequest, on client: HTTPClient, maxBodyBytes: Int,
                                 deadline: ContinuousClock.Instant) async -> BoundedHTTPExchange {
        var status = 0
        do {
            let remaining = ContinuousClock.now.duration(to: deadline)
            let response = try await client.execute(request, deadline: .now() + TimeAmount(remaining))
            status = Int(response.status.code)
            let body = try await response.body.collect(upTo: maxBodyBytes)
            return .answered(status: status, headers: response.headers, body: Data(body.readableBytesView))
        } catch is NIOTooManyBytesError {
            return .tooLarge(status: status)
        } catch {
            return isTimeout(error) ? .timedOut : .unreachable(describe(error))
        }
    }

    /// Whether `error` (AsyncHTTPClient's or NIO's) means the time ran out.
    static func isTimeout(_ error: any Error) -> Bool {
        if error is CancellationError { return true }
        if let error = error as? HTTPClientError {
            return [.deadlineExceeded, .connectTimeout, .readTimeout, .writeTimeout, .tlsHandshakeTimeout, .cancelled]
                .contains(error)
        }
        if let error = error as? ChannelError, case .connectTimeout = error { return true }
        return false
    }

    /// A short description of a transport error (at most 200 characters).
    static func describe(_ error: any Error) -> String {
        String(String(describing: error).prefix(200))
    }
}
