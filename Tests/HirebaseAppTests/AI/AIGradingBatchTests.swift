import Fluent
import Foundation
import NIOConcurrencyHelpers
import Testing
import Vapor
import VaporTesting
@testable import HirebaseApp

/// The grading prompt's size: however many long answers a submission holds, each provider call
/// grades a bounded batch.
@Suite("AI grading in bounded calls")
struct AIGradingBatchTests {
    @Test func everyGradingCallIsBounded() {
        let long = String(repeating: "w", count: 20_000)
        let items = (1...200).map { index in
            AnswerGradingPrompt.Item(question: AssessmentQuestion(id: "q\(index)", prompt: String(repeating: "p", count: 4000), kind: .text, points: 2,
                                                                  rubric: String(repeating: "r", count: 4000)), answer: long)
        }
        let batches = AnswerGradingPrompt.batches(items)
        #expect(batches.flatMap { $0 }.map(\.question.id) == items.map(\.question.id))  // all, in order, once
        for batch in batches {
            #expect(!batch.isEmpty && batch.count <= AnswerGradingPrompt.maxQuestionsPerCall)
            let request = AnswerGradingPrompt.request(for: batch)
            // 2 items of 28,000 characters, quoted, with labels: well under 100,000 characters.
            #expect(request.messages.map(\.content.unicodeScalars.count).reduce(0, +) < 100_000)
            #expect((request.maxOutputTokens ?? .max) <= 400 + 350 * AnswerGradingPrompt.maxQuestionsPerCall)
        }
        let short = (1...25).map { AnswerGradingPrompt.Item(question: AssessmentQuestion(id: "s\($0)", prompt: "p", kind: .text, rubric: "r"), answer: "a") }
        #expect(AnswerGradingPrompt.batches(short).map(\.count) == [10, 10, 5])
        #expect(AnswerGradingPrompt.batches([]).isEmpty)
    }

    @Test(arguments: TestDatabase.all)
    func manyLongAnswersAreGradedInSeveralBoundedCalls(database: TestDatabase) async throws {
        let chat = LineReadingGrader()
        try await withHirebase(on: database, overrides: ServiceOverrides(chat: chat)) { app in
            let base = try await Scenario.make(app)
            let questions = (1...12).map { AssessmentQuestion(id: "t\($0)", prompt: "Explain \($0).", kind: .text, points: 2, rubric: "Depth.") }
            let assessment = Assessment(companyID: try #require(UUID(uuidString: base.companyID)), title: "Long", passingScore: nil,
                                        timeLimitMinutes: nil, questions: questions, createdBy: base.recruiter.id, createdAt: Date())
            try await assessment.create(on: app.db)
            let created = try await app.send(.POST, "/assessments/invitations/create", as: base.recruiter, json: JSON([
                "assessmentId": try assessment.requireID().uuidString.lowercased(), "candidateEmail": "long@example.com",
            ]))
            let id = try #require(created["id"])
            let token = try await base.latestToken(app, invitationID: id)
            let answer = String(repeating: "Because. ", count: 1500)  // 13,500 characters
            let submitted = try await app.send(.POST, "/assessments/invitations/\(id)/submit", json: JSON([
                "token": token, "answers": questions.map { ["questionId": $0.id, "answer": answer] },
            ]))
            #expect(submitted.status == .ok && submitted["grading"] == "pending")
            await app.hirebase.backgroundJobs.runDue(on: app.db)
            let read = try await app.send(.GET, "/assessments/invitations/\(id)", as: base.recruiter)
            #expect(read["grading"] == "done")
            #expect(gradesByQuestion(read).count == 12)
            #expect(read.json["score"] as? Int == 50)
            // 4 answers of 13,500 characters a call (60,000 characters), in 3 calls, each a run.
            #expect(chat.requests.map { AIPromptAttackTests.lines(of: $0.messages[1].content, startingWith: "Question id:").count } == [4, 4, 4])
            let runs = try await AIRun.query(on: app.db).all()
            #expect(runs.count == 3 && runs.allSatisfy { $0.outcome == .succeeded })
            let grades = gradesByQuestion(read)
            #expect(Set(grades.values.compactMap { $0["aiRunId"] as? String }) == Set(runs.compactMap { $0.id?.lowercased }))
        }
    }
}
