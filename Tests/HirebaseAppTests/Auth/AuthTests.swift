import Fluent
import Crypto
import Foundation
import JWTKit
import NIOConcurrencyHelpers
import Testing
import Vapor
import VaporTesting
@testable import HirebaseApp

/// A JWKS endpoint on loopback with ES256 keys that a test can rotate.
final class JWKSServer: Sendable {
    let server: LoopbackServer
    let keys: SigningKeys
    /// How many times the key set was fetched.
    let fetches: Counter
    /// The `iss` a Supabase project at this URL writes (`{url}/auth/v1`).
    var issuer: String { server.baseURL.absoluteString + "/auth/v1" }

    private init(server: LoopbackServer, keys: SigningKeys, fetches: Counter) {
        self.server = server
        self.keys = keys
        self.fetches = fetches
    }

    static func start(kid: String, key: ES256PrivateKey) async throws -> JWKSServer {
        let keys = SigningKeys([kid: key])
        let fetches = Counter()
        let server = try await LoopbackServer.start { app in
            app.get("auth", "v1", ".well-known", "jwks.json") { _ -> Response in
                _ = fetches.next()
                let jwks = keys.all().map { kid, key -> [String: String] in
                    let parameters = key.parameters!
                    return ["kty": "EC", "crv": "P-256", "kid": kid, "alg": "ES256", "use": "sig", "x": parameters.x, "y": parameters.y]
                }
                let data = try JSONSerialization.data(withJSONObject: ["keys": jwks])
                return Response(status: .ok, headers: ["Content-Type": "application/json"], body: .init(data: data))
            }
        }
        return JWKSServer(server: server, keys: keys, fetches: fetches)
    }
}

/// A locked dictionary of signing keys by kid.
final class SigningKeys: Sendable {
    private let box: NIOLockedValueBox<[String: ES256PrivateKey]>
    init(_ initial: [String: ES256PrivateKey]) { box = .init(initial) }
    func all() -> [String: ES256PrivateKey] { box.withLockedValue { $0 } }
    func set(_ kid: String, _ key: ES256PrivateKey) { box.withLockedValue { $0[kid] = key } }
}

func signES256(_ claims: SupabaseClaims, key: ES256PrivateKey, kid: String) async throws -> String {
    let keys = await JWTKeyCollection().add(ecdsa: key, kid: JWKIdentifier(string: kid))
    return try await keys.sign(claims, kid: JWKIdentifier(string: kid))
}

func bearer(_ token: String) -> HTTPHeaders {
    var headers = HTTPHeaders()
    headers.bearerAuthorization = BearerAuthorization(token: token)
    return headers
}

@Suite("Supabase access tokens")
struct AuthTests {
    let user = TestUser("auth")

    func claims(exp: TimeInterval = 3600, aud: [String] = ["authenticated"], iss: String? = nil, sub: String? = nil, email: String? = "a@example.com") -> SupabaseClaims {
        SupabaseClaims(sub: sub ?? user.id.uuidString.lowercased(), exp: Date().addingTimeInterval(exp), aud: aud, iss: iss, email: email, issuedAt: Date())
    }

    @Test(arguments: TestDatabase.all)
    func validHS256TokenIsAcceptedAndCreatesTheUser(database: TestDatabase) async throws {
        try await withHirebase(on: database) { app in
            let response = try await app.send(.GET, "/csrf-token", headers: bearer(try await signHS256(claims(), secret: testJWTSecret)))
            #expect(response.status == .ok)
            let stored = try await User.find(user.id, on: app.db)
            #expect(stored?.email == "a@example.com")
        }
    }

    @Test func missingTokenIs401() async throws {
        try await withHirebase(on: .sqlite) { app in
            let response = try await app.send(.GET, "/csrf-token")
            #expect(response.status == .unauthorized)
            #expect(response.code == "unauthorized")
            #expect(response.headers.first(name: "WWW-Authenticate") == "Bearer")
        }
    }

    @Test func badTokensAre401() async throws {
        try await withHirebase(on: .sqlite) { app in
            let good = try await signHS256(claims(), secret: testJWTSecret)
            let parts = good.split(separator: ".").map(String.init)
            let noneHeader = Data(#"{"alg":"none","typ":"JWT"}"#.utf8).base64URLEncodedString()
            var tamperedClaims = try JSONSerialization.jsonObject(with: Data(base64URLEncoded: parts[1])!) as! [String: Any]
            tamperedClaims["sub"] = UUID().uuidString.lowercased()
            let tamperedPayload = Data(try JSONSerialization.data(withJSONObject: tamperedClaims)).base64URLEncodedString()
            let cases: [(String, String)] = [
                ("wrong secret", try await signHS256(claims(), secret: "another-secret-another-secret-another")),
                ("expired", try await signHS256(claims(exp: -120), secret: testJWTSecret)),
                ("wrong audience", try await signHS256(claims(aud: ["anon"]), secret: testJWTSecret)),
                ("sub not a uuid", try await signHS256(claims(sub: "user-1"), secret: testJWTSecret)),
                ("alg none", "\(noneHeader).\(parts[1]).") ,
                ("tampered payload", "\(parts[0]).\(tamperedPayload).\(parts[2])"),
                ("garbage", "not.a.jwt"),
                ("two parts", "\(parts[0]).\(parts[1])"),
            ]
            for (name, token) in cases {
                let response = try await app.send(.GET, "/csrf-token", headers: bearer(token))
                #expect(response.status == .unauthorized, "\(name)")
                #expect(response.code == "unauthorized", "\(name)")
            }
        }
    }

    @Test func supabaseClaimShapesAreAccepted() async throws {
        try await withHirebase(on: .sqlite) { app in
            // aud as a plain string, empty email, amr as strings, no iss: shapes real tokens have.
            let raw: [String: Any] = [
                "sub": user.id.uuidString.lowercased(), "aud": "authenticated", "exp": Int(Date().timeIntervalSince1970) + 600,
                "email": "", "phone": "", "role": "authenticated", "amr": ["password"], "app_metadata": ["provider": "email", "providers": ["email"]],
            ]
            let token = try await signRawHS256(raw)
            let response = try await app.send(.GET, "/csrf-token", headers: bearer(token))
            #expect(response.status == .ok)
        }
    }

    @Test func wrongOrMissingIssuerIs401WhenSupabaseURLIsSet() async throws {
        let key = ES256PrivateKey()
        let jwks = try await JWKSServer.start(kid: "k1", key: key)
        try await withHirebase(on: .sqlite, environment: ["SUPABASE_URL": jwks.server.baseURL.absoluteString]) { app in
            let issuer = jwks.server.baseURL.absoluteString + "/auth/v1"
            let right = try await app.send(.GET, "/csrf-token", headers: bearer(try await signHS256(claims(iss: issuer), secret: testJWTSecret)))
            #expect(right.status == .ok)
            let wrong = try await app.send(.GET, "/csrf-token", headers: bearer(try await signHS256(claims(iss: "https://evil.example/auth/v1"), secret: testJWTSecret)))
            #expect(wrong.status == .unauthorized)
            // Issue 7 § 10: with an issuer configured, a token without `iss` is refused too.
            let missing = try await app.send(.GET, "/csrf-token", headers: bearer(try await signHS256(claims(iss: nil), secret: testJWTSecret)))
            #expect(missing.status == .unauthorized)
            #expect(missing["detail"] == "Access token has no issuer")
        }
        try await jwks.server.stop()
    }

    @Test func es256FromJWKSIsAcceptedAndUnknownKeysAreNot() async throws {
        let key = ES256PrivateKey()
        let jwks = try await JWKSServer.start(kid: "k1", key: key)
        try await withHirebase(on: .sqlite, environment: ["SUPABASE_URL": jwks.server.baseURL.absoluteString]) { app in
            let ok = try await app.send(.GET, "/csrf-token", headers: bearer(try await signES256(claims(iss: jwks.issuer), key: key, kid: "k1")))
            #expect(ok.status == .ok)

            // Same kid, different key: signature fails.
            let forged = try await app.send(.GET, "/csrf-token", headers: bearer(try await signES256(claims(), key: ES256PrivateKey(), kid: "k1")))
            #expect(forged.status == .unauthorized)

            // Algorithm confusion: HS256 signed with the public key's text as the HMAC secret.
            let publicPEM = key.publicKey.pemRepresentation
            let confused = try await app.send(.GET, "/csrf-token", headers: bearer(try await signHS256(claims(), secret: publicPEM, kid: "k1")))
            #expect(confused.status == .unauthorized)
        }
        try await jwks.server.stop()
    }

    @Test func unknownKidRefreshIsRateLimited() async throws {
        let first = ES256PrivateKey()
        let jwks = try await JWKSServer.start(kid: "k1", key: first)
        try await withHirebase(on: .sqlite, environment: ["SUPABASE_URL": jwks.server.baseURL.absoluteString]) { app in
            let ok = try await app.send(.GET, "/csrf-token", headers: bearer(try await signES256(claims(iss: jwks.issuer), key: first, kid: "k1")))
            #expect(ok.status == .ok)
            // The issuer rotates in a new key; the first token with its kid triggers a refresh.
            // The refresh interval (30 s) has not passed, so the new kid is still unknown: this
            // is the rate limit that protects the issuer from random kids.
            let second = ES256PrivateKey()
            jwks.keys.set("k2", second)
            let early = try await app.send(.GET, "/csrf-token", headers: bearer(try await signES256(claims(), key: second, kid: "k2")))
            #expect(early.status == .unauthorized)
            let fetchesBefore = jwks.fetches.value
            for _ in 0..<5 {
                _ = try await app.send(.GET, "/csrf-token", headers: bearer(try await signES256(claims(), key: second, kid: "random-\(UUID())")))
            }
            #expect(jwks.fetches.value == fetchesBefore)
        }
        try await jwks.server.stop()
    }

    @Test func jwksCacheFetchesAgainAfterTheInterval() async throws {
        let first = ES256PrivateKey()
        let jwks = try await JWKSServer.start(kid: "k1", key: first)
        let clock = ManualClock()
        let cache = JWKSCache(
            fetcher: LiveJWKSFetcher(client: jwks.server.app.client, url: jwks.server.baseURL.appendingPathComponent("auth/v1/.well-known/jwks.json")),
            minRefreshInterval: .seconds(30), clock: clock.wall, logger: Logger(label: "test"))
        #expect(try await cache.key(for: "k1") != nil)
        jwks.keys.set("k2", ES256PrivateKey())
        // Within the interval an unknown kid does not fetch again...
        clock.advance(by: .seconds(29))
        #expect(try await cache.key(for: "k2") == nil)
        #expect(jwks.fetches.value == 1)
        // ...after it, it does.
        clock.advance(by: .seconds(1))
        #expect(try await cache.key(for: "k2") != nil)
        #expect(jwks.fetches.value == 2)
        try await jwks.server.stop()
    }

    @Test func unreachableKeySetIs503NotUnauthorized() async throws {
        let jwks = try await JWKSServer.start(kid: "k1", key: ES256PrivateKey())
        let url = jwks.server.baseURL.absoluteString
        try await jwks.server.stop()
        try await withHirebase(on: .sqlite, environment: ["SUPABASE_URL": url]) { app in
            let response = try await app.send(.GET, "/csrf-token", headers: bearer(try await signES256(claims(), key: ES256PrivateKey(), kid: "k1")))
            #expect(response.status == .serviceUnavailable)
            #expect(response.headers.first(name: "Retry-After") != nil)
            // HS256 tokens do not need the key set and keep working.
            let hs = try await app.send(.GET, "/csrf-token", headers: bearer(try await signHS256(claims(iss: url + "/auth/v1"), secret: testJWTSecret)))
            #expect(hs.status == .ok)
        }
    }

    @Test func adminComesFromAppMetadataOrConfiguration() async throws {
        let verifierConfig = try AppConfig.load(from: ["HIREBASE_ENV": "testing", "SUPABASE_JWT_SECRET": testJWTSecret, "ADMIN_USER_IDS": user.id.uuidString]) { _ in "" }.auth
        let verifier = await SupabaseTokenVerifier(config: verifierConfig, jwks: nil)
        let listed = try await verifier.verify(try await signHS256(claims(), secret: testJWTSecret), now: Date())
        #expect(listed.isPlatformAdmin)
        let other = TestUser("admin", admin: true)
        let byClaim = try await verifier.verify(try await other.token(), now: Date())
        #expect(byClaim.isPlatformAdmin)
        let plain = try await verifier.verify(try await TestUser("plain").token(), now: Date())
        #expect(!plain.isPlatformAdmin)
    }

    private func signRawHS256(_ claims: [String: Any]) async throws -> String {
        let header = Data(#"{"alg":"HS256","typ":"JWT","kid":"abc"}"#.utf8).base64URLEncodedString()
        let payload = try JSONSerialization.data(withJSONObject: claims).base64URLEncodedString()
        let input = "\(header).\(payload)"
        let mac = HMAC<SHA256>.authenticationCode(for: Data(input.utf8), using: SymmetricKey(data: Data(testJWTSecret.utf8)))
        return "\(input).\(Data(mac).base64URLEncodedString())"
    }
}
