import Vapor

/// Accepts the caller's `X-Request-Id` (1-128 visible ASCII characters) or mints a UUID, puts it on
/// the request's logger metadata (`request-id`) and on every response, errors included.
///
/// A plain (future-based) `Middleware` (no task per request, see `SecurityHeadersMiddleware`).
/// A request without `X-Request-Id` takes Vapor's own `Request.id`, lowercased: Vapor mints it
/// (`UUID().uuidString`) from the same missing header when it makes the request, and a second
/// UUID cost as much again (Foundation opens `/dev/urandom` for each one: about 3% of the CPU of
/// `GET /health`).
public struct RequestIDMiddleware: Middleware {
    public init() {}

    public func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        let id = Self.id(for: request)
        request.storage[RequestIDKey.self] = id
        request.logger[metadataKey: "request-id"] = .string(id)
        return next.respond(to: request).map { response in
            response.headers.replaceOrAdd(name: "X-Request-Id", value: id)
            return response
        }
    }

    /// The request's id: the caller's `X-Request-Id` when it is 1-128 visible ASCII characters,
    /// else a random UUID in lower case (Vapor's `Request.id` when the caller sent none, a new
    /// one when what it sent is refused).
    static func id(for request: Request) -> String {
        guard let incoming = request.headers.first(name: "X-Request-Id") else { return request.id.lowercased() }
        if (1...128).contains(incoming.utf8.count), incoming.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) {
            return incoming
        }
        return UUID().uuidString.lowercased()
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
