import Foundation
import JWTKit
import Testing
import Vapor
import VaporTesting
@testable import HirebaseApp

/// Issue 9: a token used again is not verified again while valid, and a known user is not
/// looked up again; neither may change an answer.
@Suite("Verified tokens and known users")
struct VerifiedTokenCacheTests {
    let userID = UUID()

    func verifier(capacity: Int = 10_000) async throws -> SupabaseTokenVerifier {
        let auth = try AppConfig.load(from: ["HIREBASE_ENV": "testing", "SUPABASE_JWT_SECRET": testJWTSecret]) { _ in "" }.auth
        return await SupabaseTokenVerifier(config: auth, jwks: nil, cacheCapacity: capacity)
    }

    func token(expiresAt exp: Date, notBefore nbf: Date? = nil, email: String = "a@example.com") async throws -> String {
        var claims = SupabaseClaims(sub: userID.uuidString.lowercased(), exp: exp, aud: ["authenticated"], iss: nil, email: email, issuedAt: exp.addingTimeInterval(-3600))
        claims.nbf = nbf.map { NotBeforeClaim(value: $0) }
        return try await signHS256(claims, secret: testJWTSecret)
    }

    @Test func aVerifiedTokenIsServedFromTheCacheOnlyWhileValid() async throws {
        let verifier = try await verifier()
        let now = Date().wholeSeconds
        let token = try await token(expiresAt: now.addingTimeInterval(60))
        #expect(try await verifier.verify(token, now: now).id == userID)
        #expect(verifier.verified.count == 1)
        #expect(try await verifier.verify(token, now: now.addingTimeInterval(30)).id == userID)
        #expect(verifier.verified.count == 1)
        // Past `exp` + leeway the cached entry does not answer: the fresh check refuses.
        let late = now.addingTimeInterval(60 + verifier.leeway + 1)
        await #expect(throws: AppError.self) { try await verifier.verify(token, now: late) }
    }

    @Test func theCacheIsConsultedBeforeAnyCheck() async throws {
        let verifier = try await verifier()
        let now = Date().wholeSeconds
        let known = AuthenticatedUser(id: UUID(), email: nil, isPlatformAdmin: false)
        // Only the cache can answer for a text that is no JWT at all.
        verifier.verified.insert(.init(user: known, validFrom: now, validUntil: now.addingTimeInterval(10)),
                                 for: VerifiedTokenCache.key("cached"), now: now)
        #expect(try await verifier.verify("cached", now: now).id == known.id)
        await #expect(throws: AppError.self) { try await verifier.verify("cached", now: now.addingTimeInterval(10)) }
    }

    @Test func aTokenNotValidYetIsNotServedBeforeItsTime() async throws {
        let verifier = try await verifier()
        let now = Date().wholeSeconds
        let token = try await token(expiresAt: now.addingTimeInterval(600), notBefore: now)
        #expect(try await verifier.verify(token, now: now).id == userID)
        let early = now.addingTimeInterval(-verifier.leeway - 5)
        await #expect(throws: AppError.self) { try await verifier.verify(token, now: early) }
    }

    @Test func aTamperedTokenIsNeverAnsweredFromTheCache() async throws {
        let verifier = try await verifier()
        let now = Date().wholeSeconds
        let token = try await token(expiresAt: now.addingTimeInterval(600))
        _ = try await verifier.verify(token, now: now)
        // A character inside the signature: the last one also carries base64url padding bits,
        // which decoders ignore, so changing it may leave the signature's bytes as they were.
        var characters = Array(token)
        let index = characters.count - 10
        characters[index] = characters[index] == "A" ? "B" : "A"
        let tampered = String(characters)
        await #expect(throws: AppError.self) { try await verifier.verify(tampered, now: now) }
    }

    @Test func theCacheIsBounded() async throws {
        let verifier = try await verifier(capacity: 3)
        let now = Date().wholeSeconds
        for index in 0..<10 {
            _ = try await verifier.verify(try await token(expiresAt: now.addingTimeInterval(Double(600 + index))), now: now)
            #expect(verifier.verified.count <= 3)
        }
    }

    @Test(arguments: TestDatabase.all)
    func aNewEMailInTheTokenStillReachesTheUserRow(database: TestDatabase) async throws {
        try await withHirebase(on: database) { app in
            let exp = Date().addingTimeInterval(600)
            for email in ["first@example.com", "first@example.com", "second@example.com"] {
                let response = try await app.send(.GET, "/csrf-token", headers: bearer(try await token(expiresAt: exp, email: email)))
                #expect(response.status == .ok)
            }
            #expect(try await User.find(userID, on: app.db)?.email == "second@example.com")
            // Known with that e-mail now: the row is not read again (for ten minutes).
            let known = app.hirebase.companies.users.known
            let user = AuthenticatedUser(id: userID, email: "second@example.com", isPlatformAdmin: false)
            #expect(known.hasRecorded(user, at: Date()))
            #expect(!known.hasRecorded(user, at: Date().addingTimeInterval(known.maxAge + 1)))
        }
    }
}
