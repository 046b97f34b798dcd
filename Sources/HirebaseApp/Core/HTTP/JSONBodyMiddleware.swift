import Vapor

/// Refuses a request body that is not JSON with 415, before any route decodes it.
///
/// Applies to POST, PUT and PATCH requests that carry a body, except Stripe's webhook: there the
/// signature over the raw bytes is checked before anything else (a bad one is 401 whatever the
/// content type, and a validly signed event is applied whatever it holds; see
/// `StripeWebhookController`).
///
/// A plain (future-based) `Middleware` (no task per request, see `SecurityHeadersMiddleware`):
/// its checks read only the head and a body already received, and never wait. The path (Vapor's
/// `url.path`, which Foundation rewrites on every read) is read only when a check would refuse
/// the request or the body is looked at, since only then does the exemption matter.
public struct JSONBodyMiddleware: Middleware {
    public init() {}

    /// Paths whose handlers check their own bodies.
    static let exemptPaths: Set<String> = ["/webhooks/stripe"]

    public func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        do {
            try Self.check(request)
        } catch {
            return request.eventLoop.makeFailedFuture(error)
        }
        return next.respond(to: request)
    }

    /// Refuses what this middleware refuses, in this order: a content coding other than
    /// `identity`, a POST, PUT or PATCH body that is not JSON or holds `\u0000`, a query holding
    /// `%00`; nothing on an exempt path (`exemptPaths`). Lower-cases a JSON body's `Content-Type`
    /// on the request.
    /// - Throws: `AppError` 415 `unsupported_media_type` or 400 `invalid_input` as above.
    static func check(_ request: Request) throws {
        /// Whether the request's path is exempt, read only when a check is about to refuse.
        func isExempt() -> Bool { exemptPaths.contains(request.url.path) }
        let headers = request.headers
        if let coding = headers.first(name: .contentEncoding), coding.lowercased() != "identity" {
            if isExempt() { return }
            // RFC 9110 § 8.4.1: a content coding the server does not accept is 415.
            throw AppError(.unsupportedMediaType, detail: "Content-Encoding \(coding.prefix(40)) is not accepted; send the body uncompressed")
        }
        if takesBody(request.method), hasBody(request) {
            if isExempt() { return }
            guard let type = headers.contentType, type.type.lowercased() == "application",
                  type.subType.lowercased() == "json" || type.subType.lowercased().hasSuffix("+json") else {
                throw AppError(.unsupportedMediaType, detail: "Content-Type must be application/json")
            }
            // Media types are case-insensitive (RFC 9110 § 8.3.1); Vapor's decoder lookup is not.
            if let raw = headers.first(name: .contentType), raw != raw.lowercased() {
                request.headers.replaceOrAdd(name: .contentType, value: raw.lowercased())
            }
            if let body = request.body.data, containsEscapedNUL(body.readableBytesView) {
                throw AppError.invalid("Text must not contain the NUL character (\\u0000)")
            }
        }
        if request.url.query?.contains("%00") == true {
            if isExempt() { return }
            throw AppError.invalid("The query must not contain the NUL character (%00)")
        }
    }

    /// Whether a body of `method` is checked: POST, PUT and PATCH.
    static func takesBody(_ method: HTTPMethod) -> Bool {
        switch method {
        case .POST, .PUT, .PATCH: true
        default: false
        }
    }

    /// Whether a JSON text holds the escape `\u0000` (an escaping backslash, not a literal one).
    /// PostgreSQL cannot store NUL in text, so it is refused for every field at the door rather
    /// than failing as a 500 deep inside.
    static func containsEscapedNUL(_ bytes: some Collection<UInt8>) -> Bool {
        !escapedNULOffsets(in: Array(bytes), first: true).isEmpty
    }

    /// The offsets of the backslashes that start a `\u0000` escape in a JSON text (escaped
    /// backslashes skipped), in one linear scan; only the first with `first`.
    static func escapedNULOffsets(in bytes: [UInt8], first: Bool = false) -> [Int] {
        var offsets: [Int] = []
        var index = 0
        while index < bytes.count {
            guard bytes[index] == UInt8(ascii: "\\") else {
                index += 1
                continue
            }
            if index + 5 < bytes.count, bytes[index + 1] == UInt8(ascii: "u"),
               bytes[(index + 2)...(index + 5)].allSatisfy({ $0 == UInt8(ascii: "0") }) {
                offsets.append(index)
                if first { return offsets }
                index += 6
            } else {
                index += 2
            }
        }
        return offsets
    }

    static func hasBody(_ request: Request) -> Bool {
        if let length = request.headers.first(name: .contentLength), let value = Int(length) { return value > 0 }
        if request.headers.contains(name: .transferEncoding) { return true }
        if let data = request.body.data { return data.readableBytes > 0 }
        return false
    }
}
