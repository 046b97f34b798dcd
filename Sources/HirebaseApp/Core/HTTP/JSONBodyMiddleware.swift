import Vapor

/// Refuses a request body that is not JSON with 415, before any route decodes it.
///
/// Applies to POST, PUT and PATCH requests that carry a body; routes that read raw bytes (the
/// Stripe webhook) are mounted outside it.
public struct JSONBodyMiddleware: AsyncMiddleware {
    public init() {}

    public func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        if [.POST, .PUT, .PATCH].contains(request.method), Self.hasBody(request) {
            guard let type = request.headers.contentType, type.type == "application",
                  type.subType == "json" || type.subType.hasSuffix("+json") else {
                throw AppError(.unsupportedMediaType, detail: "Content-Type must be application/json")
            }
        }
        return try await next.respond(to: request)
    }

    static func hasBody(_ request: Request) -> Bool {
        if let length = request.headers.first(name: .contentLength), let value = Int(length) { return value > 0 }
        if request.headers.contains(name: .transferEncoding) { return true }
        if let data = request.body.data { return data.readableBytes > 0 }
        return false
    }
}
