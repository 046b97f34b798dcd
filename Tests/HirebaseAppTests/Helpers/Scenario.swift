import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting
@testable import HirebaseApp

/// A company with a recruiter (its owner) and an assessment, made through the API.
struct Scenario {
    let recruiter: TestUser
    let companyID: String
    let assessmentID: String

    /// Questions worth 2 + 1 + 1 = 4 auto-graded points, plus one member-graded text question.
    static var questions: [[String: Any]] { [
        ["id": "q1", "prompt": "2+2?", "kind": "single_choice", "choices": ["3", "4"], "correct": ["4"], "points": 2],
        ["id": "q2", "prompt": "Primes?", "kind": "multiple_choice", "choices": ["2", "3", "4"], "correct": ["2", "3"]],
        ["id": "q3", "prompt": "Capital of France?", "kind": "text", "correct": ["Paris"]],
        ["id": "q4", "prompt": "Tell us about yourself", "kind": "text"],
    ] }

    static func make(_ app: Application, passingScore: Int? = 50) async throws -> Scenario {
        let recruiter = TestUser("owner")
        let company = try await app.send(.POST, "/companies", as: recruiter, json: JSON(["name": "Acme"]))
        try #require(company.status == .created)
        let companyID = try #require(company["id"])
        var body: [String: Any] = ["companyId": companyID, "title": "Basics", "questions": questions]
        if let passingScore { body["passingScore"] = passingScore }
        let assessment = try await app.send(.POST, "/assessments", as: recruiter, json: JSON(body))
        try #require(assessment.status == .created)
        return Scenario(recruiter: recruiter, companyID: companyID, assessmentID: try #require(assessment["id"]))
    }

    /// Adds a member with `role`; the user must have been seen once.
    func addMember(_ app: Application, role: String, name: String = "member") async throws -> TestUser {
        let user = TestUser(name)
        _ = try await app.send(.GET, "/csrf-token", as: user)
        let added = try await app.send(.POST, "/companies/\(companyID)/members", as: recruiter, json: JSON(["userId": user.id.uuidString.lowercased(), "role": role]))
        try #require(added.status == .created)
        return user
    }

    /// Creates an invitation and returns its id and the candidate token (read from the outbox).
    func invite(_ app: Application, email: String = "Candidate@Example.COM", extra: [String: Any] = [:]) async throws -> (id: String, token: String) {
        var body: [String: Any] = ["assessmentId": assessmentID, "candidateEmail": email]
        body.merge(extra) { $1 }
        let created = try await app.send(.POST, "/assessments/invitations/create", as: recruiter, json: JSON(body))
        try #require(created.status == .created, "\(created.status) \(String(buffer: created.body))")
        let id = try #require(created["id"])
        return (id, try await latestToken(app, invitationID: id))
    }

    /// The token in the newest e-mail queued for an invitation.
    func latestToken(_ app: Application, invitationID: String) async throws -> String {
        let id: UUID? = UUID(uuidString: invitationID)
        let email = try #require(try await OutboxEmail.query(on: app.db)
            .filter(\.$invitationID == id)
            .sort(\.$createdAtMicros, .descending).first())
        let text = try #require(email.textBody)
        let match = try #require(text.firstMatch(of: /token=([A-Za-z0-9_\-]+)/))
        return String(match.1)
    }

    /// A fresh CSRF token for `user`.
    func csrf(_ app: Application, for user: TestUser? = nil) async throws -> String {
        let issued = try await app.send(.GET, "/csrf-token", as: user ?? recruiter)
        return try #require(issued["csrfToken"])
    }
}
