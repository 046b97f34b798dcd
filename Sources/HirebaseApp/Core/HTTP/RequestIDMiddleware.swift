import Vapor

/// Accepts the caller's `X-Request-Id` (1-128 visible ASCII characters) or mints a UUID, puts it on
/// the request's logger metadata (`request-id`) and on every response, errors included.
public struct RequestIDMiddleware: AsyncMiddleware {
    public init() {}

    public func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let incoming = request.headers.first(name: "X-Request-Id")
        let id: String
        if let incoming, (1...128).contains(incoming.utf8.count), incoming.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) {
            id = incoming
        } else {
            id = UUID().uuidString.lowercased()
        }
        request.storage[RequestIDKey.self] = id
        request.logger[metadataKey: "request-id"] = .string(id)
        let response = try await next.respond(to: request)
        response.headers.replaceOrAdd(name: "X-Request-Id", value: id)
        return response
    }
}

enum RequestIDKey: StorageKey {
    typealias Value = String
}

extension Request {
    /// This request's id (`X-Request-Id`), set by `RequestIDMiddleware`.
    public var requestID: String {
        storage[RequestIDKey.self] ?? "unknown"
    }
}
