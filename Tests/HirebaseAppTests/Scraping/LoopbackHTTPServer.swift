import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// What a `LoopbackHTTPServer` answers to one request.
struct LoopbackResponse: Sendable {
    enum Length: Sendable {
        /// `Content-Length` of the real body.
        case exact
        /// No `Content-Length`: chunked transfer encoding.
        case chunked
        /// `Content-Length` of this value, whatever is sent.
        case declared(Int)
    }

    var status: HTTPResponseStatus = .ok
    var headers: [(String, String)] = []
    /// Sent in pieces of `chunkSize`, waiting `delayBetweenChunks` between them.
    var body: [UInt8] = []
    var length: Length = .exact
    var chunkSize = 16_384
    var delayBetweenChunks: Duration = .zero
    /// Waited before the response head is sent.
    var delayBeforeHead: Duration = .zero

    static func html(_ text: String, contentType: String? = "text/html; charset=utf-8") -> LoopbackResponse {
        LoopbackResponse(headers: contentType.map { [("Content-Type", $0)] } ?? [], body: Array(text.utf8))
    }

    static func redirect(to location: String, status: HTTPResponseStatus = .found) -> LoopbackResponse {
        LoopbackResponse(status: status, headers: [("Location", location)])
    }
}

/// A request as the server saw it.
struct LoopbackRequest: Sendable {
    var uri: String
    var headers: HTTPHeaders
}

/// A tiny HTTP/1.1 server on 127.0.0.1 and a free port, in plain SwiftNIO, answering each request
/// with what `respond` returns. It writes with back-pressure, so a huge body is produced only as
/// fast as the client reads it, and one response per connection (`Connection: close`).
final class LoopbackHTTPServer: Sendable {
    let port: Int
    private let serving: Task<Void, Never>
    private let received: NIOLockedValueBox<[LoopbackRequest]>

    /// `http://127.0.0.1:<port>`
    var origin: String { "http://127.0.0.1:\(port)" }
    /// The `host:port` to put in `allowPrivateHosts`.
    var hostAndPort: String { "127.0.0.1:\(port)" }
    /// Every request received so far, in order.
    var requests: [LoopbackRequest] { received.withLockedValue { $0 } }

    private init(port: Int, serving: Task<Void, Never>, received: NIOLockedValueBox<[LoopbackRequest]>) {
        self.port = port
        self.serving = serving
        self.received = received
    }

    static func start(
        host: String = "127.0.0.1",
        _ respond: @escaping @Sendable (LoopbackRequest) -> LoopbackResponse
    ) async throws -> LoopbackHTTPServer {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: host, port: 0) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    return try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(
                        wrappingChannelSynchronously: channel)
                }
            }
        guard let port = server.channel.localAddress?.port else {
            try? await server.channel.close()
            throw ChannelError.unknownLocalAddress
        }
        let received = NIOLockedValueBox<[LoopbackRequest]>([])
        let serving = Task {
            await withDiscardingTaskGroup { group in
                try? await server.executeThenClose { connections in
                    for try await connection in connections {
                        group.addTask {
                            try? await serve(connection, received: received, respond: respond)
                        }
                    }
                }
                // Stopping: end the connections still open (e.g. a slow response in progress).
                group.cancelAll()
            }
        }
        return LoopbackHTTPServer(port: port, serving: serving, received: received)
    }

    /// Runs `body` with a server answering with `respond`, and stops the server afterwards,
    /// whether `body` threw or not.
    static func serving(
        _ respond: @escaping @Sendable (LoopbackRequest) -> LoopbackResponse,
        _ body: (LoopbackHTTPServer) async throws -> Void
    ) async throws {
        let server = try await start(respond)
        do {
            try await body(server)
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    /// Closes the listening socket and every connection.
    func stop() async {
        serving.cancel()
        await serving.value
    }

    private static func serve(
        _ connection: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>,
        received: NIOLockedValueBox<[LoopbackRequest]>,
        respond: @Sendable (LoopbackRequest) -> LoopbackResponse
    ) async throws {
        try await connection.executeThenClose { inbound, outbound in
            var head: HTTPRequestHead?
            for try await part in inbound {
                switch part {
                case .head(let requestHead):
                    head = requestHead
                case .body:
                    continue
                case .end:
                    guard let head else { return }
                    let request = LoopbackRequest(uri: head.uri, headers: head.headers)
                    received.withLockedValue { $0.append(request) }
                    try await write(respond(request), to: outbound)
                    return
                }
            }
        }
    }

    private static func write(
        _ response: LoopbackResponse,
        to outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>
    ) async throws {
        if response.delayBeforeHead > .zero { try await Task.sleep(for: response.delayBeforeHead) }
        var headers = HTTPHeaders(response.headers)
        headers.replaceOrAdd(name: "Connection", value: "close")
        switch response.length {
        case .exact: headers.replaceOrAdd(name: "Content-Length", value: String(response.body.count))
        case .chunked: headers.replaceOrAdd(name: "Transfer-Encoding", value: "chunked")
        case .declared(let length): headers.replaceOrAdd(name: "Content-Length", value: String(length))
        }
        try await outbound.write(.head(HTTPResponseHead(version: .http1_1, status: response.status, headers: headers)))
        var offset = 0
        while offset < response.body.count {
            if offset > 0, response.delayBetweenChunks > .zero { try await Task.sleep(for: response.delayBetweenChunks) }
            let end = min(offset + response.chunkSize, response.body.count)
            try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: response.body[offset..<end]))))
            offset = end
        }
        try await outbound.write(.end(nil))
    }
}
