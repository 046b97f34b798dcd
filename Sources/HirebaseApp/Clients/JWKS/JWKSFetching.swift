import Foundation
import JWTKit
import Vapor

/// Fetches an issuer's JSON Web Key Set (RFC 7517 § 5).
public protocol JWKSFetching: Sendable {
    /// - Throws: when the set cannot be fetched or decoded.
    func fetch() async throws -> JWKS
}

/// Fetches the JWKS over HTTP with Vapor's client (`GET {SUPABASE_URL}/auth/v1/.well-known/jwks.json`),
/// with a 5 s timeout.
public struct LiveJWKSFetcher: JWKSFetching {
    let client: any Client
    let url: URL

    public init(client: any Client, url: URL) {
        self.client = client
        self.url = url
    }

    public func fetch() async throws -> JWKS {
        let response = try await client.get(URI(string: url.absoluteString)) { request in
            request.timeout = .seconds(5)
        }
        guard response.status == .ok, let body = response.body else {
            throw AppError.unavailable("The identity provider's key set could not be fetched", retryAfterSeconds: 10)
        }
        return try JSONDecoder().decode(JWKS.self, from: body)
    }
}
