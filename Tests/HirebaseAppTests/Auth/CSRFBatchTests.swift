import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting
@testable import HirebaseApp

/// The CSRF statements of one batch (`CSRFService.write` and `consume` with several items), as
/// the service's batcher runs them when requests arrive together.
@Suite("CSRF batches")
struct CSRFBatchTests {
    /// A user that exists (its first call creates it) with no CSRF token left.
    private func userWithoutTokens(_ app: Application, _ name: String = "user") async throws -> UUID {
        let user = TestUser(name)
        _ = try await app.send(.GET, "/csrf-token", as: user)
        try await CSRFToken.query(on: app.db).filter(\.$userID == user.id).delete()
        return user.id
    }

    /// One issue of a new token to `userID`, made at `at` (default: now): the token and its row.
    private func issue(_ app: Application, to userID: UUID, at: Date = Date()) -> (token: String, row: CSRFService.Issue) {
        let token = SecretToken.generate()
        return (token, CSRFService.Issue(database: app.db, id: UUID(), userID: userID, tokenHash: SecretToken.hash(token),
                                         expiresAt: at.addingTimeInterval(3600).wholeSeconds, createdAt: at, createdAtMicros: at.microsecondsSince1970))
    }

    /// The hashes of `userID`'s unused tokens.
    private func liveHashes(_ app: Application, of userID: UUID) async throws -> Set<String> {
        Set(try await CSRFToken.query(on: app.db).filter(\.$userID == userID).filter(\.$usedAt == nil).all().map(\.tokenHash))
    }

    @Test(arguments: TestDatabase.all)
    func aBatchOfTwentyFiveIssuesOfOneUserKeepsItsNewestTwenty(database: TestDatabase) async throws {
        try await withHirebase(on: database) { app in
            let user = try await userWithoutTokens(app)
            let earlier = (0..<3).map { issue(app, to: user, at: Date().addingTimeInterval(-60 + Double($0))) }
            try await CSRFService.write(earlier.map(\.row), keeping: 20, on: app.db)
            // One instant for all 25, as two requests of one batch can read: the order of issue decides.
            let now = Date()
            let batch = (0..<25).map { _ in issue(app, to: user, at: now) }
            try await CSRFService.write(batch.map(\.row), keeping: 20, on: app.db)
            #expect(try await liveHashes(app, of: user) == Set(batch.suffix(20).map(\.row.tokenHash)))
            // The next issue drops the oldest of the batch's twenty.
            let next = issue(app, to: user, at: now.addingTimeInterval(1))
            try await CSRFService.write([next.row], keeping: 20, on: app.db)
            #expect(try await liveHashes(app, of: user) == Set((batch.suffix(19).map(\.row) + [next.row]).map(\.tokenHash)))
        }
    }

    @Test(arguments: TestDatabase.all)
    func aMixedBatchTrimsEachUserToItsNewestTwentyAndLeavesOthersAlone(database: TestDatabase) async throws {
        try await withHirebase(on: database) { app in
            let (a, b, c) = (try await userWithoutTokens(app, "a"), try await userWithoutTokens(app, "b"), try await userWithoutTokens(app, "c"))
            let start = Date().addingTimeInterval(-600)
            let existingA = (0..<18).map { issue(app, to: a, at: start.addingTimeInterval(Double($0))) }
            let existingB = (0..<20).map { issue(app, to: b, at: start.addingTimeInterval(Double($0))) }
            let existingC = (0..<3).map { issue(app, to: c, at: start.addingTimeInterval(Double($0))) }
            try await CSRFService.write((existingA + existingB + existingC).map(\.row), keeping: 20, on: app.db)
            #expect(try await liveHashes(app, of: a).count == 18)
            #expect(try await liveHashes(app, of: b).count == 20)

            let now = Date()
            let users = [a, b, a, b, a, a, b]
            let batch = users.enumerated().map { issue(app, to: $1, at: now.addingTimeInterval(Double($0) / 1000)) }
            try await CSRFService.write(batch.map(\.row), keeping: 20, on: app.db)
            let newA = batch.filter { $0.row.userID == a }, newB = batch.filter { $0.row.userID == b }
            #expect(try await liveHashes(app, of: a) == Set((existingA.dropFirst(2) + newA).map(\.row.tokenHash)))
            #expect(try await liveHashes(app, of: b) == Set((existingB.dropFirst(3) + newB).map(\.row.tokenHash)))
            #expect(try await liveHashes(app, of: c) == Set(existingC.map(\.row.tokenHash)))
        }
    }

    @Test(arguments: TestDatabase.all)
    func ofOneTokenInOneBatchOnlyTheFirstHolderOfItsOwnTokenWins(database: TestDatabase) async throws {
        try await withHirebase(on: database) { app in
            let (owner, stranger) = (try await userWithoutTokens(app, "owner"), try await userWithoutTokens(app, "stranger"))
            let (token, other, expired) = (issue(app, to: owner), issue(app, to: owner), issue(app, to: owner, at: Date().addingTimeInterval(-7200)))
            try await CSRFService.write([token.row, other.row, expired.row], keeping: 20, on: app.db)
            func consumption(_ hash: String, by user: UUID) -> CSRFService.Consumption {
                CSRFService.Consumption(database: app.db, tokenHash: hash, userID: user, now: Date())
            }
            let outcomes = try await CSRFService.consume([
                consumption(token.row.tokenHash, by: stranger), consumption(token.row.tokenHash, by: owner),
                consumption(token.row.tokenHash, by: owner), consumption(expired.row.tokenHash, by: owner),
                consumption(SecretToken.hash("unknown"), by: owner), consumption(other.row.tokenHash, by: owner),
                consumption(token.row.tokenHash, by: owner),
            ], on: app.db)
            #expect(outcomes == [false, true, false, false, false, true, false])
            #expect(try await liveHashes(app, of: owner) == [expired.row.tokenHash])
        }
    }

    @Test(arguments: TestDatabase.all)
    func manyTasksUsingEachOfManyTokensHaveOneWinnerPerToken(database: TestDatabase) async throws {
        try await withHirebase(on: database) { app in
            let user = TestUser()
            _ = try await app.send(.GET, "/csrf-token", as: user)
            let csrf = app.hirebase.csrf
            var tokens: [String] = []
            for _ in 0..<20 { tokens.append(try await csrf.issue(for: user.id, on: app.db).token) }
            let winners = try await withThrowingTaskGroup(of: String?.self) { group in
                for token in tokens {
                    for _ in 0..<5 {
                        group.addTask { try await csrf.consume(token, for: user.id, on: app.db) ? token : nil }
                    }
                }
                return try await group.reduce(into: [String]()) { if let won = $1 { $0.append(won) } }
            }
            #expect(winners.sorted() == tokens.sorted())
        }
    }

    @Test(arguments: TestDatabase.all)
    func aFailedBatchFailsEveryCaller(database: TestDatabase) async throws {
        try await withHirebase(on: database) { app in
            let user = TestUser()
            let issued = try await app.send(.GET, "/csrf-token", as: user)
            let token = try #require(issued["csrfToken"])
            try await (app.db as! any SQLDatabase).raw("DROP TABLE csrf_tokens").run()
            let csrf = app.hirebase.csrf
            let failures = await withTaskGroup(of: Bool.self) { group in
                for index in 0..<40 {
                    group.addTask {
                        do {
                            if index % 2 == 0 {
                                _ = try await csrf.issue(for: user.id, on: app.db)
                            } else {
                                _ = try await csrf.consume(token, for: user.id, on: app.db)
                            }
                            return false
                        } catch {
                            return true
                        }
                    }
                }
                return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(failures == 40)
        }
    }
}
