import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting
@testable import HirebaseApp

@Suite("Invitations")
struct InvitationsTests {
    @Test(arguments: TestDatabase.all)
    func createIsPendingQueuedWithLowerCasedDomain(database: TestDatabase) async throws {
        try await withHirebase(on: database) { app in
            let scenario = try await Scenario.make(app)
            let created = try await app.send(.POST, "/assessments/invitations/create", as: scenario.recruiter,
                                             json: JSON(["assessmentId": scenario.assessmentID, "candidateEmail": "Jane.Doe@Example.COM", "candidateName": "Jane"]))
            #expect(created.status == .created)
            #expect(created["status"] == "pending")
            #expect(created["candidateEmail"] == "Jane.Doe@example.com")
            #expect(created["assessmentId"] == scenario.assessmentID)
            let delivery = try #require(created.json["delivery"] as? [String: Any])
            #expect(delivery["status"] as? String == "queued")
            #expect(delivery["attempts"] as? Int == 0)
            let expiresAt = try #require(created["expiresAt"])
            let expiry = try #require(try? Date(expiresAt, strategy: .iso8601))
            #expect(abs(expiry.timeIntervalSinceNow - 168 * 3600) < 60)
            // The token is stored only hashed, and the e-mail carries the link.
            let id = try #require(created["id"])
            let token = try await scenario.latestToken(app, invitationID: id)
            let stored = try #require(try await Invitation.find(UUID(uuidString: id), on: app.db))
            #expect(stored.tokenHash == SecretToken.hash(token))
            let email = try #require(try await OutboxEmail.query(on: app.db).first())
            #expect(email.textBody?.contains("http://localhost:3000/assessments/invitations/\(id)?token=\(token)") == true)
        }
    }

    @Test func invalidInputNamesTheFields() async throws {
        try await withHirebase(on: .sqlite) { app in
            let scenario = try await Scenario.make(app)
            for (body, field) in [
                (["assessmentId": scenario.assessmentID, "candidateEmail": "not-an-email"] as [String: Any], "candidateEmail"),
                (["assessmentId": scenario.assessmentID], "candidateEmail"),
                (["candidateEmail": "a@example.com"], "assessmentId"),
                (["assessmentId": scenario.assessmentID, "candidateEmail": "a@example.com", "expiresInHours": 0], "expiresInHours"),
                (["assessmentId": scenario.assessmentID, "candidateEmail": "a@example.com", "expiresInHours": 721], "expiresInHours"),
            ] {
                let response = try await app.send(.POST, "/assessments/invitations/create", as: scenario.recruiter, json: JSON(body))
                #expect(response.status == .badRequest)
                let errors = response.json["errors"] as? [[String: String]] ?? []
                #expect(errors.contains { $0["field"] == field }, "\(field): \(errors)")
            }
            #expect(try await Invitation.query(on: app.db).count() == 0)
            #expect(try await OutboxEmail.query(on: app.db).count() == 0)
        }
    }

    @Test(arguments: TestDatabase.all)
    func secondOpenInvitationIsConflictButAFinalOneIsNot(database: TestDatabase) async throws {
        try await withHirebase(on: database) { app in
            let scenario = try await Scenario.make(app)
            let first = try await scenario.invite(app, email: "dup@example.com")
            let again = try await app.send(.POST, "/assessments/invitations/create", as: scenario.recruiter,
                                           json: JSON(["assessmentId": scenario.assessmentID, "candidateEmail": "DUP@EXAMPLE.com"]))
            #expect(again.status == .conflict)
            #expect(again.code == "duplicate_invitation")
            #expect(again["existingId"] == first.id)

            let token = try await scenario.csrf(app)
            _ = try await app.send(.POST, "/assessments/invitations/\(first.id)/cancel", as: scenario.recruiter, headers: ["X-CSRF-Token": token])
            let afterCancel = try await app.send(.POST, "/assessments/invitations/create", as: scenario.recruiter,
                                                 json: JSON(["assessmentId": scenario.assessmentID, "candidateEmail": "dup@example.com"]))
            #expect(afterCancel.status == .created)
        }
    }

    @Test func otherCompaniesCannotSeeOrChangeInvitations() async throws {
        try await withHirebase(on: .sqlite) { app in
            let a = try await Scenario.make(app)
            let b = try await Scenario.make(app)
            let invitation = try await a.invite(app)
            let read = try await app.send(.GET, "/assessments/invitations/\(invitation.id)", as: b.recruiter)
            #expect(read.status == .notFound)
            let resend = try await app.send(.POST, "/assessments/invitations/\(invitation.id)/resend", as: b.recruiter)
            #expect(resend.status == .notFound)
            let token = try await b.csrf(app)
            let cancel = try await app.send(.POST, "/assessments/invitations/\(invitation.id)/cancel", as: b.recruiter, headers: ["X-CSRF-Token": token])
            #expect(cancel.status == .notFound)
            let score = try await app.send(.POST, "/assessments/invitations/\(invitation.id)/submit", as: b.recruiter, json: JSON(["score": 90]))
            #expect(score.status == .notFound)
            let createWithOthersAssessment = try await app.send(.POST, "/assessments/invitations/create", as: b.recruiter,
                                                                json: JSON(["assessmentId": a.assessmentID, "candidateEmail": "x@example.com"]))
            #expect(createWithOthersAssessment.status == .notFound)
            let list = try await app.send(.GET, "/assessments/invitations", as: b.recruiter)
            #expect((list.json["items"] as? [Any])?.isEmpty == true)
            // Issue 7 § 4: a viewer of company A only reads; resend, cancel and a member score
            // need a recruiter (a viewer could mail any address from the platform's domain).
            let viewer = try await a.addMember(app, role: "viewer", name: "viewer")
            #expect(try await app.send(.GET, "/assessments/invitations/\(invitation.id)", as: viewer).status == .ok)
            #expect(try await app.send(.POST, "/assessments/invitations/\(invitation.id)/resend", as: viewer).status == .forbidden)
            #expect(try await app.send(.POST, "/assessments/invitations/\(invitation.id)/submit", as: viewer, json: JSON(["score": 50])).status == .forbidden)
            let viewerCSRF = try await a.csrf(app, for: viewer)
            #expect(try await app.send(.POST, "/assessments/invitations/\(invitation.id)/cancel", as: viewer, headers: ["X-CSRF-Token": viewerCSRF]).status == .forbidden)
            #expect(try await OutboxEmail.query(on: app.db).count() == 1)
            let recruiter = try await a.addMember(app, role: "recruiter", name: "recruiter")
            let scored = try await app.send(.POST, "/assessments/invitations/\(invitation.id)/submit", as: recruiter, json: JSON(["score": 50]))
            #expect(scored.status == .ok)
            let shown = try await app.send(.GET, "/assessments/invitations/\(invitation.id)", as: viewer)
            #expect(shown["scoredBy"] == recruiter.id.uuidString.lowercased())
            let byViewer = try await app.send(.POST, "/assessments/invitations/create", as: viewer,
                                              json: JSON(["assessmentId": a.assessmentID, "candidateEmail": "v@example.com"]))
            #expect(byViewer.status == .forbidden)
        }
    }

    @Test(arguments: TestDatabase.all)
    func candidateOpensAndSubmitsOnce(database: TestDatabase) async throws {
        try await withHirebase(on: database) { app in
            let scenario = try await Scenario.make(app)
            let invitation = try await scenario.invite(app)
            let opened = try await app.send(.GET, "/assessments/invitations/\(invitation.id)?token=\(invitation.token)")
            #expect(opened.status == .ok)
            #expect(opened["status"] == "opened")
            #expect(opened.json["delivery"] == nil)
            let assessment = try #require(opened.json["assessment"] as? [String: Any])
            let questions = try #require(assessment["questions"] as? [[String: Any]])
            #expect(questions.count == 4)
            #expect(questions.allSatisfy { $0["correct"] == nil })

            let answers: [[String: Any]] = [
                ["questionId": "q1", "answer": "4"], ["questionId": "q2", "answer": ["3", "2"]], ["questionId": "q3", "answer": " paris "],
            ]
            let submitted = try await app.send(.POST, "/assessments/invitations/\(invitation.id)/submit", json: JSON(["token": invitation.token, "answers": answers]))
            #expect(submitted.status == .ok)
            #expect(submitted["status"] == "completed")
            #expect(submitted.json["score"] as? Int == 100)
            #expect(submitted.json["rawScore"] as? Double == 4)
            #expect(submitted.json["maxScore"] as? Double == 4)
            #expect(submitted.json["passed"] as? Bool == true)

            let twice = try await app.send(.POST, "/assessments/invitations/\(invitation.id)/submit", json: JSON(["token": invitation.token, "answers": answers]))
            #expect(twice.status == .conflict)
            #expect(twice.code == "already_submitted")

            let member = try await app.send(.GET, "/assessments/invitations/\(invitation.id)", as: scenario.recruiter)
            #expect(member["status"] == "completed")
            #expect(member.json["score"] as? Int == 100)
        }
    }

    @Test func candidateTokenRules() async throws {
        try await withHirebase(on: .sqlite) { app in
            let scenario = try await Scenario.make(app)
            let mine = try await scenario.invite(app, email: "one@example.com")
            let other = try await scenario.invite(app, email: "two@example.com")
            let wrong = try await app.send(.GET, "/assessments/invitations/\(mine.id)?token=\(other.token)")
            #expect(wrong.status == .forbidden)
            let wrongSubmit = try await app.send(.POST, "/assessments/invitations/\(mine.id)/submit", json: JSON(["token": other.token, "answers": []]))
            #expect(wrongSubmit.status == .forbidden)
            let unknown = try await app.send(.GET, "/assessments/invitations/\(UUID())?token=\(mine.token)")
            #expect(unknown.status == .notFound)
            let anonymous = try await app.send(.GET, "/assessments/invitations/\(mine.id)")
            #expect(anonymous.status == .unauthorized)
            let noAnswers = try await app.send(.POST, "/assessments/invitations/\(mine.id)/submit", json: JSON(["token": mine.token]))
            #expect(noAnswers.status == .badRequest)
            let badAnswer = try await app.send(.POST, "/assessments/invitations/\(mine.id)/submit",
                                               json: JSON(["token": mine.token, "answers": [["questionId": "zzz", "answer": "1"]]]))
            #expect(badAnswer.status == .badRequest)
            let badType = try await app.send(.POST, "/assessments/invitations/\(mine.id)/submit",
                                             json: JSON(["token": mine.token, "answers": [["questionId": "q1", "answer": 4]]]))
            #expect(badType.status == .badRequest)
            // Nothing was recorded by the refused submissions.
            let state = try await app.send(.GET, "/assessments/invitations/\(mine.id)", as: scenario.recruiter)
            #expect(state["status"] == "pending")
        }
    }

    @Test(arguments: TestDatabase.all)
    func expiredInvitationIsGone(database: TestDatabase) async throws {
        try await withHirebase(on: database) { app in
            let scenario = try await Scenario.make(app)
            let invitation = try await scenario.invite(app, extra: ["expiresInHours": 1])
            try await Invitation.query(on: app.db).filter(\.$id == UUID(uuidString: invitation.id)!)
                .set(\.$expiresAt, to: Date().addingTimeInterval(-5)).update()
            let read = try await app.send(.GET, "/assessments/invitations/\(invitation.id)?token=\(invitation.token)")
            #expect(read.status == .gone)
            #expect(read.code == "invitation_expired")
            let submit = try await app.send(.POST, "/assessments/invitations/\(invitation.id)/submit", json: JSON(["token": invitation.token, "answers": []]))
            #expect(submit.status == .gone)
            let member = try await app.send(.GET, "/assessments/invitations/\(invitation.id)", as: scenario.recruiter)
            #expect(member["status"] == "expired")
            // Expired is final: a new invitation for the same e-mail is allowed.
            let again = try await app.send(.POST, "/assessments/invitations/create", as: scenario.recruiter,
                                           json: JSON(["assessmentId": scenario.assessmentID, "candidateEmail": "candidate@example.com"]))
            #expect(again.status == .created)
        }
    }

    @Test func sweepExpiresOverdueInvitations() async throws {
        try await withHirebase(on: .sqlite) { app in
            let scenario = try await Scenario.make(app)
            let overdue = try await scenario.invite(app, email: "late@example.com")
            let current = try await scenario.invite(app, email: "fine@example.com")
            try await Invitation.query(on: app.db).filter(\.$id == UUID(uuidString: overdue.id)!)
                .set(\.$expiresAt, to: Date().addingTimeInterval(-5)).update()
            try await app.hirebase.invitations.expireOverdue(on: app.db)
            #expect(try await Invitation.find(UUID(uuidString: overdue.id), on: app.db)?.status == .expired)
            #expect(try await Invitation.find(UUID(uuidString: overdue.id), on: app.db)?.openKey == nil)
            #expect(try await Invitation.find(UUID(uuidString: current.id), on: app.db)?.status == .pending)
        }
    }

    @Test func cancelledInvitationIsGoneForTheCandidateAndFinal() async throws {
        try await withHirebase(on: .sqlite) { app in
            let scenario = try await Scenario.make(app)
            let invitation = try await scenario.invite(app)
            let cancel = try await app.send(.POST, "/assessments/invitations/\(invitation.id)/cancel", as: scenario.recruiter,
                                            headers: ["X-CSRF-Token": try await scenario.csrf(app)])
            #expect(cancel.status == .ok)
            #expect(cancel["cancelledAt"] != nil)
            let delivery = try #require(cancel.json["delivery"] as? [String: Any])
            #expect(delivery["status"] as? String == "failed")
            let read = try await app.send(.GET, "/assessments/invitations/\(invitation.id)?token=\(invitation.token)")
            #expect(read.status == .gone)
            let twice = try await app.send(.POST, "/assessments/invitations/\(invitation.id)/cancel", as: scenario.recruiter,
                                           headers: ["X-CSRF-Token": try await scenario.csrf(app)])
            #expect(twice.status == .conflict)
            #expect(twice.code == "invalid_state_transition")
            #expect(twice["detail"]?.contains("cancelled") == true)
            let resend = try await app.send(.POST, "/assessments/invitations/\(invitation.id)/resend", as: scenario.recruiter)
            #expect(resend.status == .gone)
        }
    }

    @Test func resendRotatesTheToken() async throws {
        try await withHirebase(on: .sqlite) { app in
            let scenario = try await Scenario.make(app)
            let invitation = try await scenario.invite(app)
            let resent = try await app.send(.POST, "/assessments/invitations/\(invitation.id)/resend", as: scenario.recruiter)
            #expect(resent.status == .ok)
            #expect((resent.json["delivery"] as? [String: Any])?["status"] as? String == "queued")
            let newToken = try await scenario.latestToken(app, invitationID: invitation.id)
            #expect(newToken != invitation.token)
            #expect(try await app.send(.GET, "/assessments/invitations/\(invitation.id)?token=\(invitation.token)").status == .forbidden)
            #expect(try await app.send(.GET, "/assessments/invitations/\(invitation.id)?token=\(newToken)").status == .ok)
            let emails = try await OutboxEmail.query(on: app.db).all()
            #expect(emails.count == 2)
            #expect(emails.filter { $0.status == .queued }.count == 1)
        }
    }

    @Test(arguments: TestDatabase.all)
    func concurrentSubmitsHaveExactlyOneWinner(database: TestDatabase) async throws {
        try await withHirebase(on: database) { app in
            let scenario = try await Scenario.make(app)
            let invitation = try await scenario.invite(app)
            let body = JSON(["token": invitation.token, "answers": [["questionId": "q1", "answer": "4"]]])
            let statuses = try await withThrowingTaskGroup(of: UInt.self) { group in
                for _ in 0..<10 {
                    group.addTask { try await app.send(.POST, "/assessments/invitations/\(invitation.id)/submit", json: body).status.code }
                }
                return try await group.reduce(into: [UInt]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == 200 }.count == 1, "\(statuses)")
            #expect(statuses.filter { $0 == 409 }.count == 9, "\(statuses)")
        }
    }

    @Test func memberSubmitsAnExternalScore() async throws {
        try await withHirebase(on: .sqlite) { app in
            let scenario = try await Scenario.make(app, passingScore: 70)
            let invitation = try await scenario.invite(app)
            let path = "/assessments/invitations/\(invitation.id)/submit"
            for bad in [JSON(["score": 101]), JSON(["score": -1]), JSON(["score": "NaN"]), JSON([String: Any]())] {
                let response = try await app.send(.POST, path, as: scenario.recruiter, json: bad)
                #expect(response.status == .badRequest)
            }
            let nan = try await app.send(.POST, path, as: scenario.recruiter, raw: #"{"score": NaN}"#)
            #expect(nan.status == .badRequest)
            let graded = try await app.send(.POST, path, as: scenario.recruiter, json: JSON(["score": 70.4]))
            #expect(graded.status == .ok)
            #expect(graded.json["score"] as? Int == 70)
            #expect(graded.json["passed"] as? Bool == true)
            let again = try await app.send(.POST, path, as: scenario.recruiter, json: JSON(["score": 10]))
            #expect(again.status == .conflict)
            let anonymous = try await app.send(.POST, path, json: JSON(["score": 10]))
            #expect(anonymous.status == .unauthorized)
        }
    }

    @Test(arguments: TestDatabase.all)
    func listFiltersAndPages(database: TestDatabase) async throws {
        try await withHirebase(on: database) { app in
            let scenario = try await Scenario.make(app)
            var ids: [String] = []
            for index in 0..<5 { ids.append(try await scenario.invite(app, email: "p\(index)@example.com").id) }
            _ = try await app.send(.POST, "/assessments/invitations/\(ids[0])/cancel", as: scenario.recruiter, headers: ["X-CSRF-Token": try await scenario.csrf(app)])

            var seen: [String] = []
            var cursor: String?
            repeat {
                let path = "/assessments/invitations?limit=2" + (cursor.map { "&cursor=\($0)" } ?? "")
                let page = try await app.send(.GET, path, as: scenario.recruiter)
                #expect(page.status == .ok)
                #expect(page.json.keys.contains("nextCursor"))
                seen += (page.json["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
                cursor = page.json["nextCursor"] as? String
            } while cursor != nil
            #expect(seen == ids.reversed())

            let cancelled = try await app.send(.GET, "/assessments/invitations?status=cancelled", as: scenario.recruiter)
            #expect((cancelled.json["items"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [ids[0]])
            let byAssessment = try await app.send(.GET, "/assessments/invitations?assessmentId=\(scenario.assessmentID)&limit=100", as: scenario.recruiter)
            #expect((byAssessment.json["items"] as? [Any])?.count == 5)

            for bad in ["limit=0", "limit=101", "status=bogus", "cursor=!!!", "assessmentId=nope"] {
                let response = try await app.send(.GET, "/assessments/invitations?\(bad)", as: scenario.recruiter)
                #expect(response.status == .badRequest, "\(bad)")
            }
        }
    }
}
