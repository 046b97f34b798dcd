import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting
@testable import HirebaseApp

@Suite("Stored form of secret tokens")
struct SecretTokenHashTests {
    /// SHA-256 known answers (FIPS 180-2 "abc"; the empty string), lower-case hex.
    @Test func theStoredHashIsLowerCaseHexSHA256() {
        #expect(SecretToken.hash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SecretToken.hash("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }
}

@Suite("CSRF tokens")
struct CSRFTests {
    @Test(arguments: TestDatabase.all)
    func tokenIsStoredHashedAndUsableOnce(database: TestDatabase) async throws {
        try await withHirebase(on: database) { app in
            let scenario = try await Scenario.make(app)
            let issued = try await app.send(.GET, "/csrf-token", as: scenario.recruiter)
            #expect(issued.status == .ok)
            #expect(issued.headers.first(name: .cacheControl) == "no-store")
            let token = try #require(issued["csrfToken"])
            #expect(token.count >= 22)
            #expect(issued["expiresAt"] != nil)
            let stored = try await CSRFToken.query(on: app.db).all()
            #expect(stored.allSatisfy { $0.tokenHash != token })
            #expect(stored.contains { $0.tokenHash == SecretToken.hash(token) })

            let first = try await scenario.invite(app)
            let cancel = try await app.send(.POST, "/assessments/invitations/\(first.id)/cancel", as: scenario.recruiter, headers: ["X-CSRF-Token": token])
            #expect(cancel.status == .ok)
            #expect(cancel["status"] == "cancelled")

            let second = try await scenario.invite(app, email: "other@example.com")
            let reused = try await app.send(.POST, "/assessments/invitations/\(second.id)/cancel", as: scenario.recruiter, headers: ["X-CSRF-Token": token])
            #expect(reused.status == .forbidden)
            #expect(reused.code == "csrf_token_invalid")
        }
    }

    @Test func missingUnknownAndForeignTokensAre403() async throws {
        try await withHirebase(on: .sqlite) { app in
            let scenario = try await Scenario.make(app)
            let invitation = try await scenario.invite(app)
            let path = "/assessments/invitations/\(invitation.id)/cancel"
            let missing = try await app.send(.POST, path, as: scenario.recruiter)
            #expect(missing.status == .forbidden)
            #expect(missing.code == "csrf_token_invalid")
            let unknown = try await app.send(.POST, path, as: scenario.recruiter, headers: ["X-CSRF-Token": SecretToken.generate()])
            #expect(unknown.code == "csrf_token_invalid")
            let stranger = TestUser("stranger")
            let foreign = try await scenario.csrf(app, for: stranger)
            let other = try await app.send(.POST, path, as: scenario.recruiter, headers: ["X-CSRF-Token": foreign])
            #expect(other.code == "csrf_token_invalid")
            let still = try await app.send(.GET, "/assessments/invitations/\(invitation.id)", as: scenario.recruiter)
            #expect(still["status"] == "pending")
        }
    }

    @Test func expiredTokenIsRefusedAndCleanedUp() async throws {
        let clock = ManualClock()
        try await withHirebase(on: .sqlite, overrides: ServiceOverrides(clock: clock.wall)) { app in
            let user = TestUser()
            _ = try await app.send(.GET, "/csrf-token", as: user)
            let service = app.hirebase.csrf
            let (token, expiresAt) = try await service.issue(for: user.id, on: app.db)
            clock.advance(by: .seconds(expiresAt.timeIntervalSince(clock.date) + 1))
            #expect(try await service.consume(token, for: user.id, on: app.db) == false)
            let removed = try await service.removeStale(on: app.db)
            #expect(removed == 2)
            #expect(try await CSRFToken.query(on: app.db).count() == 0)
        }
    }

    @Test(arguments: TestDatabase.all)
    func aUsedTokenLeavesNoRowAndOneMarkedUsedStaysRefused(database: TestDatabase) async throws {
        try await withHirebase(on: database) { app in
            let user = TestUser()
            _ = try await app.send(.GET, "/csrf-token", as: user)
            let service = app.hirebase.csrf
            let (token, _) = try await service.issue(for: user.id, on: app.db)
            #expect(try await service.consume(token, for: user.id, on: app.db))
            #expect(try await CSRFToken.query(on: app.db).filter(\.$tokenHash == SecretToken.hash(token)).count() == 0)
            #expect(try await service.consume(token, for: user.id, on: app.db) == false)

            // An instance of an earlier release marks a used token instead of deleting it.
            let (marked, _) = try await service.issue(for: user.id, on: app.db)
            try await CSRFToken.query(on: app.db).filter(\.$tokenHash == SecretToken.hash(marked)).set(\.$usedAt, to: Date()).update()
            #expect(try await service.consume(marked, for: user.id, on: app.db) == false)
            // Another user's token is neither consumed nor removed.
            let other = TestUser("other")
            _ = try await app.send(.GET, "/csrf-token", as: other)
            let (theirs, _) = try await service.issue(for: other.id, on: app.db)
            #expect(try await service.consume(theirs, for: user.id, on: app.db) == false)
            #expect(try await service.consume(theirs, for: other.id, on: app.db))
        }
    }

    @Test(arguments: TestDatabase.all)
    func fiftyConcurrentUsesHaveExactlyOneWinner(database: TestDatabase) async throws {
        try await withHirebase(on: database) { app in
            let user = TestUser()
            _ = try await app.send(.GET, "/csrf-token", as: user)
            let (token, _) = try await app.hirebase.csrf.issue(for: user.id, on: app.db)
            let wins = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<50 {
                    group.addTask { try await app.hirebase.csrf.consume(token, for: user.id, on: app.db) }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(wins == 1)
        }
    }

    @Test func concurrentRequestsWithOneTokenCancelOnce() async throws {
        try await withHirebase(on: .sqlite) { app in
            let scenario = try await Scenario.make(app)
            var ids: [String] = []
            for index in 0..<10 { ids.append(try await scenario.invite(app, email: "c\(index)@example.com").id) }
            let token = try await scenario.csrf(app)
            let headers = try await scenario.recruiter.headers(["X-CSRF-Token": token])
            let statuses = try await withThrowingTaskGroup(of: UInt.self) { group in
                for id in ids {
                    group.addTask { try await app.send(.POST, "/assessments/invitations/\(id)/cancel", headers: headers).status.code }
                }
                return try await group.reduce(into: [UInt]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == 200 }.count == 1)
            #expect(statuses.filter { $0 == 403 }.count == 9)
        }
    }
}
