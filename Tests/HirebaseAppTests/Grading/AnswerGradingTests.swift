import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting
@testable import HirebaseApp

/// A company whose assessment has two AI-graded `text` questions (with a rubric), one
/// auto-graded question and one `text` question without rubric, and a candidate invited to it.
struct GradingScenario {
    let base: Scenario
    let assessmentID: UUID
    let invitationID: String
    let token: String

    static let candidateName = "Zelda Quokka"
    static let candidateEmail = "zelda.quokka@example.com"
    static let acidAnswer = "Atomicity, consistency, isolation and durability keep transactions safe."
    static let bugAnswer = "A race between two cache writers; found with logging, fixed with a lock."

    /// q1 auto-graded (2 points), q2 AI-graded (3), q3 AI-graded (5), q4 text without rubric (1).
    static let questions = [
        AssessmentQuestion(id: "q1", prompt: "2+2?", kind: .singleChoice, choices: ["3", "4"], correct: ["4"], points: 2),
        AssessmentQuestion(id: "q2", prompt: "Explain ACID.", kind: .text, points: 3, rubric: "Names atomicity, consistency, isolation, durability."),
        AssessmentQuestion(id: "q3", prompt: "Describe a hard bug you fixed.", kind: .text, points: 5, rubric: "A cause, a diagnosis and a fix."),
        AssessmentQuestion(id: "q4", prompt: "Anything to add?", kind: .text),
    ]

    /// Makes the company and assessment, and invites the candidate (not yet submitted).
    static func make(_ app: Application, passingScore: Int? = 50, clock: ManualClock? = nil) async throws -> GradingScenario {
        let base = try await Scenario.make(app)
        let assessment = Assessment(companyID: try #require(UUID(uuidString: base.companyID)), title: "Databases", passingScore: passingScore,
                                    timeLimitMinutes: nil, questions: questions, createdBy: base.recruiter.id, createdAt: clock?.date ?? Date())
        try await assessment.create(on: app.db)
        let id = try assessment.requireID()
        let created = try await app.send(.POST, "/assessments/invitations/create", as: base.recruiter, json: JSON([
            "assessmentId": id.uuidString.lowercased(), "candidateEmail": candidateEmail, "candidateName": candidateName,
        ]))
        try #require(created.status == .created, "\(String(buffer: created.body))")
        let invitationID = try #require(created["id"])
        return GradingScenario(base: base, assessmentID: id, invitationID: invitationID,
                               token: try await base.latestToken(app, invitationID: invitationID))
    }

    /// The candidate submits: q1 right, both AI-graded questions answered, q4 left empty.
    func submit(_ app: Application) async throws -> TestingHTTPResponse {
        try await app.send(.POST, "/assessments/invitations/\(invitationID)/submit", json: JSON([
            "token": token,
            "answers": [
                ["questionId": "q1", "answer": "4"],
                ["questionId": "q2", "answer": Self.acidAnswer],
                ["questionId": "q3", "answer": Self.bugAnswer],
            ],
        ]))
    }

    /// The invitation as the recruiter reads it.
    func read(_ app: Application) async throws -> TestingHTTPResponse {
        try await app.send(.GET, "/assessments/invitations/\(invitationID)", as: base.recruiter)
    }

    /// A provider answer grading q2 and q3.
    static func answer(q2: Double, q3: Double) -> ScriptedChatClient.Step {
        .content(#"{"grades": [{"questionId": "q2", "points": \#(q2), "rationale": "Names the properties."}, {"questionId": "q3", "points": \#(q3), "rationale": "Cause and fix, thin diagnosis."}]}"#)
    }
}

/// The grades of a read invitation, by question id.
func gradesByQuestion(_ response: TestingHTTPResponse) -> [String: [String: Any]] {
    let list = response.json["grades"] as? [[String: Any]] ?? []
    return Dictionary(list.map { ($0["questionId"] as? String ?? "", $0) }, uniquingKeysWith: { first, _ in first })
}

@Suite("Answer grading by the AI provider and members")
struct AnswerGradingTests {
    /// Runs every due job (the invitation e-mail and the grading).
    @discardableResult
    func runJobs(_ app: Application) async -> Int {
        await app.hirebase.backgroundJobs.runDue(on: app.db)
    }

    func gradingJob(_ app: Application) async throws -> BackgroundJobRow? {
        try await BackgroundJobStore().list(statuses: BackgroundJobStatus.allCases, limit: 50, on: app.db).first { $0.kind == "assessments.grade" }
    }

    @Test(arguments: TestDatabase.all)
    func pendingThenDoneWithPerQuestionGradesAndTheFinalScore(database: TestDatabase) async throws {
        let chat = ScriptedChatClient([GradingScenario.answer(q2: 3, q3: 2.5)])
        let clock = ManualClock()
        try await withHirebase(on: database, overrides: ServiceOverrides(clock: clock.wall, chat: chat)) { app in
            let scenario = try await GradingScenario.make(app, clock: clock)
            let submitted = try await scenario.submit(app)
            #expect(submitted.status == .ok)
            #expect(submitted["grading"] == "pending")
            for key in ["score", "rawScore", "maxScore", "passed"] { #expect(submitted.json[key] is NSNull, "\(key)") }
            // Queued with the submission, once.
            #expect(try await gradingJob(app)?.status == .queued)

            let pending = try await scenario.read(app)
            #expect(pending["grading"] == "pending")
            #expect(pending.json["score"] == nil)
            #expect((pending.json["grades"] as? [Any])?.isEmpty == true)

            clock.advance(by: .seconds(1))
            await runJobs(app)
            let done = try await scenario.read(app)
            #expect(done["grading"] == "done")
            // 2 (q1) + 3 + 2.5 of 2 + 3 + 5: 75; q4 (no rubric, ungraded) counts in neither.
            #expect(done.json["rawScore"] as? Double == 7.5)
            #expect(done.json["maxScore"] as? Double == 10)
            #expect(done.json["score"] as? Int == 75)
            #expect(done.json["passed"] as? Bool == true)
            let run = try #require(try await AIRun.query(on: app.db).all().first)
            #expect(run.purpose == .answerGrading)
            #expect(run.outcome == .succeeded)
            #expect(run.promptVersion == "answer-grading/2")
            #expect(run.subjectID?.lowercased == scenario.invitationID)
            #expect(run.createdBy == nil)
            #expect(run.inputTokens == 100 && run.outputTokens == 50)
            let grades = gradesByQuestion(done)
            #expect(Set(grades.keys) == ["q2", "q3"])
            let q3 = try #require(grades["q3"])
            #expect(q3["points"] as? Double == 2.5)
            #expect(q3["rationale"] as? String == "Cause and fix, thin diagnosis.")
            #expect(q3["gradedBy"] as? String == "ai")
            #expect(q3["aiRunId"] as? String == run.id?.lowercased)
            #expect(q3["gradedById"] is NSNull)
            #expect(q3["gradedAt"] as? String == clock.date.formatted(.iso8601))
            #expect(try await gradingJob(app)?.status == .done)

            // Only the question, rubric, points and answer text went to the provider.
            #expect(chat.requests.count == 1)
            let request = try #require(chat.requests.first)
            #expect(request.schemaName == "answer_grades")
            let sent = request.messages.map(\.content).joined(separator: "\n")
            for expected in ["Question id: q2", "Max points: 3", "Question id: q3", "Max points: 5", GradingScenario.acidAnswer, GradingScenario.bugAnswer,
                             "A cause, a diagnosis and a fix."] {
                #expect(sent.contains(expected), "\(expected)")
            }
            for secret in [GradingScenario.candidateName, "Zelda", "Quokka", GradingScenario.candidateEmail, "zelda", scenario.invitationID, "2+2?"] {
                #expect(!sent.lowercased().contains(secret.lowercased()), "sent \(secret)")
            }

            // The candidate sees the grading state and the grade, not the per-question grades.
            let candidate = try await app.send(.GET, "/assessments/invitations/\(scenario.invitationID)?token=\(scenario.token)")
            #expect(candidate.status == .ok)
            #expect(candidate["grading"] == "done")
            #expect(candidate.json["grades"] == nil)
            #expect(candidate.json["score"] as? Int == 75)

            // The list shows the same.
            let list = try await app.send(.GET, "/assessments/invitations", as: scenario.base.recruiter)
            let item = try #require((list.json["items"] as? [[String: Any]])?.first { $0["id"] as? String == scenario.invitationID })
            #expect(item["grading"] as? String == "done")
            #expect((item["grades"] as? [Any])?.count == 2)
        }
    }

    @Test(arguments: TestDatabase.all)
    func failedAfterTheJobsRetriesVisiblyThenGradedByAMember(database: TestDatabase) async throws {
        let outage = AIProviderError(.upstream, "HTTP 500", status: 500, durationMs: 7)
        let chat = ScriptedChatClient([.failure(outage), .failure(outage), .failure(outage)])
        let clock = ManualClock()
        try await withHirebase(on: database, environment: ["JOB_MAX_ATTEMPTS": "3"], overrides: ServiceOverrides(clock: clock.wall, chat: chat)) { app in
            let scenario = try await GradingScenario.make(app, clock: clock)
            #expect(try await scenario.submit(app).status == .ok)
            await runJobs(app)
            // A retry is queued; the grading is still pending.
            let retrying = try #require(try await gradingJob(app))
            #expect(retrying.status == .queued)
            #expect(retrying.lastError?.contains("500") == true)
            #expect(try await scenario.read(app)["grading"] == "pending")
            for _ in 0..<3 {
                clock.advance(by: .seconds(120))
                await runJobs(app)
            }
            #expect(chat.requests.count == 3)
            let failed = try await scenario.read(app)
            #expect(failed["grading"] == "failed")
            #expect(failed.json["score"] == nil)
            #expect(try await gradingJob(app)?.status == .dead)
            let runs = try await AIRun.query(on: app.db).all()
            #expect(runs.count == 3)
            #expect(runs.allSatisfy { $0.outcome == .providerError && $0.durationMs == 7 })

            // A member grades both questions: done, with the score.
            let graded = try await app.send(.POST, "/assessments/invitations/\(scenario.invitationID)/grades", as: scenario.base.recruiter, json: JSON([
                "grades": [["questionId": "q2", "points": 3, "rationale": "Complete."], ["questionId": "q3", "points": 5]],
            ]))
            #expect(graded.status == .ok)
            #expect(graded["grading"] == "done")
            #expect(graded.json["score"] as? Int == 100)
            #expect(graded.json["passed"] as? Bool == true)
            let q3 = try #require(gradesByQuestion(graded)["q3"])
            #expect(q3["gradedBy"] as? String == "member")
            #expect(q3["rationale"] is NSNull)
            #expect(q3["aiRunId"] is NSNull)
        }
    }

    /// The worker running the last attempt dies (kill -9): the job's handler never says so, the
    /// runner buries the job when its lease lapses, and the dead job's follow-up fails the grading.
    @Test(arguments: TestDatabase.all)
    func aWorkerKilledDuringTheLastAttemptStillFailsTheGradingVisibly(database: TestDatabase) async throws {
        let chat = ScriptedChatClient()
        let clock = ManualClock()
        try await withHirebase(on: database, environment: ["JOB_MAX_ATTEMPTS": "1"], overrides: ServiceOverrides(clock: clock.wall, chat: chat)) { app in
            let scenario = try await GradingScenario.make(app, clock: clock)
            _ = await runJobs(app)  // the invitation's e-mail
            #expect(try await scenario.submit(app).status == .ok)
            // A worker claims the only attempt and dies holding it.
            let claimed = try await BackgroundJobStore().claim(worker: "killed", at: clock.wall.now(),
                                                               leaseUntil: clock.wall.now().addingTimeInterval(60), on: app.db)
            #expect(claimed?.kind == "assessments.grade")
            #expect(try await scenario.read(app)["grading"] == "pending")
            clock.advance(by: .seconds(120))
            #expect(await runJobs(app) == 1)
            #expect(try await gradingJob(app)?.status == .dead)
            #expect(try await scenario.read(app)["grading"] == "failed")
            #expect(chat.requests.isEmpty)
        }
    }

    @Test func aDeadGradingJobRequeuedByAnOperatorGradesTheAnswers() async throws {
        let chat = ScriptedChatClient([.failure(AIProviderError(.timeout, "no answer in 60 s"))])
        try await withHirebase(on: .sqlite, environment: ["JOB_MAX_ATTEMPTS": "1"], overrides: ServiceOverrides(chat: chat)) { app in
            let scenario = try await GradingScenario.make(app)
            #expect(try await scenario.submit(app).status == .ok)
            await runJobs(app)
            #expect(try await scenario.read(app)["grading"] == "failed")
            #expect(try await AIRun.query(on: app.db).first()?.outcome == .timeout)
            let job = try #require(try await gradingJob(app))
            #expect(job.status == .dead)
            chat.enqueue(GradingScenario.answer(q2: 3, q3: 5))
            _ = try await JobsCommand.retry(job.id.uuidString, now: Date(), on: app.db)
            await runJobs(app)
            let done = try await scenario.read(app)
            #expect(done["grading"] == "done")
            #expect(done.json["score"] as? Int == 100)
        }
    }

    /// No provider configured: nothing is queued (a job could only die, and dead jobs alert);
    /// rubric questions wait for a member like any `text` question without accepted answers, and
    /// the score of the auto-graded ones is there at once, as before issue 12.
    @Test(arguments: TestDatabase.all)
    func withoutAProviderRubricAnswersWaitForAMemberAndNoJobIsQueued(database: TestDatabase) async throws {
        try await withHirebase(on: database) { app in
            let scenario = try await GradingScenario.make(app)
            _ = await runJobs(app)  // the invitation's e-mail
            let submitted = try await scenario.submit(app)
            #expect(submitted.status == .ok)
            #expect(submitted.json["grading"] is NSNull)
            #expect(submitted.json["score"] as? Int == 100)  // q1: 2 of 2
            #expect(try await gradingJob(app) == nil)
            // A member grades one rubric answer: it counts, the other still does not.
            let one = try await app.send(.POST, "/assessments/invitations/\(scenario.invitationID)/grades", as: scenario.base.recruiter,
                                         json: JSON(["grades": [["questionId": "q2", "points": 1]]]))
            #expect(one.status == .ok)
            #expect(one.json["score"] as? Int == 60)  // (2 + 1) / (2 + 3)
            #expect(one.json["passed"] as? Bool == true)
            #expect(one.json["grading"] == nil || one.json["grading"] is NSNull)
            // A member's grade may fail the candidate.
            let two = try await app.send(.POST, "/assessments/invitations/\(scenario.invitationID)/grades", as: scenario.base.recruiter,
                                         json: JSON(["grades": [["questionId": "q3", "points": 0]]]))
            #expect(two.json["score"] as? Int == 30)  // 3 / 10
            #expect(two.json["passed"] as? Bool == false)
            #expect((two.json["grades"] as? [[String: Any]])?.compactMap { $0["questionId"] as? String } == ["q2", "q3"])
            #expect(try await AIRun.query(on: app.db).count() == 0)
        }
    }

    /// A provider configured at submission but gone when the job runs (the operator removed it):
    /// the grading fails at once, visibly, without a call or a run.
    @Test func aProviderUnconfiguredBeforeTheJobRunsFailsTheGradingAtOnce() async throws {
        let chat = ScriptedChatClient([.failure(AIProviderError(.notConfigured, "AI assistance is not configured"))])
        try await withHirebase(on: .sqlite, overrides: ServiceOverrides(chat: chat)) { app in
            let scenario = try await GradingScenario.make(app)
            #expect(try await scenario.submit(app)["grading"] == "pending")
            await runJobs(app)
            #expect(try await scenario.read(app)["grading"] == "failed")
            let job = try #require(try await gradingJob(app))
            #expect(job.status == .dead)
            #expect(job.attempts == 1)
            #expect(job.lastError?.contains("not configured") == true)
            // No call was made, so no run is recorded.
            #expect(try await AIRun.query(on: app.db).count() == 0)
        }
    }

    @Test(arguments: TestDatabase.all)
    func anUnusableAnswerIsAskedAgainWithinTheRun(database: TestDatabase) async throws {
        let chat = ScriptedChatClient([.content(#"{"grades": [{"questionId": "q2", "points": 4, "rationale": "Over the maximum."}]}"#),
                                       GradingScenario.answer(q2: 1, q3: 5)])
        try await withHirebase(on: database, overrides: ServiceOverrides(chat: chat)) { app in
            let scenario = try await GradingScenario.make(app)
            #expect(try await scenario.submit(app).status == .ok)
            await runJobs(app)
            #expect(chat.requests.count == 2)
            let done = try await scenario.read(app)
            #expect(done["grading"] == "done")
            #expect(done.json["score"] as? Int == 80)
            let runs = try await AIRun.query(on: app.db).all()
            #expect(runs.map(\.outcome).sorted { $0.rawValue < $1.rawValue } == [.invalidOutput, .succeeded])
            let good = try #require(runs.first { $0.outcome == .succeeded })
            #expect(gradesByQuestion(done)["q2"]?["aiRunId"] as? String == good.id?.lowercased)
            #expect(try await gradingJob(app)?.attempts == 1)
        }
    }

    @Test func twoUnusableAnswersFailTheRunAndTheRetryGrades() async throws {
        let chat = ScriptedChatClient([.content("Sure! Here are the grades."), .content(#"{"grades": []}"#), GradingScenario.answer(q2: 3, q3: 5)])
        let clock = ManualClock()
        try await withHirebase(on: .sqlite, overrides: ServiceOverrides(clock: clock.wall, chat: chat)) { app in
            let scenario = try await GradingScenario.make(app, clock: clock)
            #expect(try await scenario.submit(app).status == .ok)
            await runJobs(app)
            let job = try #require(try await gradingJob(app))
            #expect(job.status == .queued)
            #expect(job.lastError?.contains("unusable") == true)
            #expect(try await scenario.read(app)["grading"] == "pending")
            clock.advance(by: .seconds(120))
            await runJobs(app)
            #expect(try await scenario.read(app)["grading"] == "done")
            #expect(chat.requests.count == 3)
        }
    }

    @Test(arguments: TestDatabase.all)
    func aRecruiterOverridesAnAIGradeWhichIsRecordedAndRescored(database: TestDatabase) async throws {
        let chat = ScriptedChatClient([GradingScenario.answer(q2: 3, q3: 5)])
        let clock = ManualClock()
        try await withHirebase(on: database, overrides: ServiceOverrides(clock: clock.wall, chat: chat)) { app in
            let scenario = try await GradingScenario.make(app, passingScore: 70, clock: clock)
            #expect(try await scenario.submit(app).status == .ok)
            await runJobs(app)
            let aiGraded = try await scenario.read(app)
            #expect(aiGraded.json["score"] as? Int == 100)
            let aiRunID = try #require(gradesByQuestion(aiGraded)["q3"]?["aiRunId"] as? String)

            let recruiter = try await scenario.base.addMember(app, role: "recruiter", name: "reviewer")
            clock.advance(by: .seconds(60))
            let path = "/assessments/invitations/\(scenario.invitationID)/grades"
            let overridden = try await app.send(.POST, path, as: recruiter, json: JSON([
                "grades": [["questionId": "q3", "points": 0, "rationale": "  Copied from a blog post.  "], ["questionId": "q4", "points": 0]],
            ]))
            #expect(overridden.status == .ok, "\(String(buffer: overridden.body))")
            let q3 = try #require(gradesByQuestion(overridden)["q3"])
            #expect(q3["gradedBy"] as? String == "member")
            #expect(q3["gradedById"] as? String == recruiter.id.uuidString.lowercased())
            #expect(q3["gradedAt"] as? String == clock.date.formatted(.iso8601))
            #expect(q3["aiRunId"] as? String == aiRunID)
            #expect(q3["rationale"] as? String == "Copied from a blog post.")
            #expect(gradesByQuestion(overridden)["q2"]?["gradedBy"] as? String == "ai")
            // 2 + 3 + 0 + 0 of 2 + 3 + 5 + 1 (q4, now graded, counts): 45 < 70; a member's grade may reject.
            #expect(overridden.json["rawScore"] as? Double == 5)
            #expect(overridden.json["maxScore"] as? Double == 11)
            #expect(overridden.json["score"] as? Int == 45)
            #expect(overridden.json["passed"] as? Bool == false)
            #expect(overridden["grading"] == "done")
            #expect(try await scenario.read(app).json["score"] as? Int == 45)

            let viewer = try await scenario.base.addMember(app, role: "viewer", name: "viewer")
            let refused = try await app.send(.POST, path, as: viewer, json: JSON(["grades": [["questionId": "q3", "points": 5]]]))
            #expect(refused.status == .forbidden)
            let stranger = try await app.send(.POST, path, as: TestUser("stranger"), json: JSON(["grades": [["questionId": "q3", "points": 5]]]))
            #expect(stranger.status == .notFound)
        }
    }

    @Test func badGradesAre400AndAnInvitationNotCompletedIs409() async throws {
        try await withHirebase(on: .sqlite, overrides: ServiceOverrides(chat: ScriptedChatClient())) { app in
            let scenario = try await GradingScenario.make(app)
            let path = "/assessments/invitations/\(scenario.invitationID)/grades"
            let early = try await app.send(.POST, path, as: scenario.base.recruiter, json: JSON(["grades": [["questionId": "q3", "points": 1]]]))
            #expect(early.status == .conflict)
            #expect(early.code == "invalid_state_transition")

            #expect(try await scenario.submit(app).status == .ok)
            let cases: [([String: Any], String)] = [
                (["grades": [["questionId": "q3", "points": 6]]], "grades[0].points"),
                (["grades": [["questionId": "q3", "points": -1]]], "grades[0].points"),
                (["grades": [["questionId": "q3"]]], "grades[0].points"),
                (["grades": [["questionId": "q1", "points": 1]]], "grades[0].questionId"),
                (["grades": [["questionId": "q9", "points": 1]]], "grades[0].questionId"),
                (["grades": [["questionId": "q3", "points": 1], ["questionId": "q3", "points": 2]]], "grades[1].questionId"),
                (["grades": [["questionId": "q3", "points": 1, "rationale": String(repeating: "x", count: 1001)]]], "grades[0].rationale"),
                (["grades": [[String: Any]]()], "grades"),
                ([:], "grades"),
            ]
            for (body, field) in cases {
                let response = try await app.send(.POST, path, as: scenario.base.recruiter, json: JSON(body))
                #expect(response.status == .badRequest, "\(body)")
                let fields = (response.json["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String }
                #expect(fields.contains(field), "\(body): \(String(buffer: response.body))")
            }
            let text = try await app.send(.POST, path, as: scenario.base.recruiter, json: JSON(["grades": [["questionId": "q3", "points": "five"]]]))
            #expect(text.status == .badRequest)
            // Nothing was stored by the refused calls.
            #expect(gradesByQuestion(try await scenario.read(app)).isEmpty)
        }
    }

    @Test(arguments: TestDatabase.all)
    func anAIGradeNeverRejectsAloneUntilAMemberConfirmsIt(database: TestDatabase) async throws {
        let chat = ScriptedChatClient([GradingScenario.answer(q2: 3, q3: 1)])
        try await withHirebase(on: database, overrides: ServiceOverrides(chat: chat)) { app in
            let scenario = try await GradingScenario.make(app, passingScore: 80)
            #expect(try await scenario.submit(app).status == .ok)
            await runJobs(app)
            // 2 + 3 + 1 of 10: 60 < 80, but 100 with the AI grades at full points.
            let aiOnly = try await scenario.read(app)
            #expect(aiOnly["grading"] == "done")
            #expect(aiOnly.json["score"] as? Int == 60)
            #expect(aiOnly.json["passed"] == nil)
            // The recruiter confirms the AI's 1 point: now a person rejects.
            let confirmed = try await app.send(.POST, "/assessments/invitations/\(scenario.invitationID)/grades", as: scenario.base.recruiter,
                                               json: JSON(["grades": [["questionId": "q3", "points": 1]]]))
            #expect(confirmed.json["score"] as? Int == 60)
            #expect(confirmed.json["passed"] as? Bool == false)
        }
    }

    @Test(arguments: TestDatabase.all)
    func theJobNeverOverwritesAMembersGradeGivenWhilePending(database: TestDatabase) async throws {
        let chat = ScriptedChatClient([.content(#"{"grades": [{"questionId": "q2", "points": 2, "rationale": "Three of four."}]}"#)])
        try await withHirebase(on: database, overrides: ServiceOverrides(chat: chat)) { app in
            let scenario = try await GradingScenario.make(app)
            #expect(try await scenario.submit(app).status == .ok)
            let early = try await app.send(.POST, "/assessments/invitations/\(scenario.invitationID)/grades", as: scenario.base.recruiter,
                                           json: JSON(["grades": [["questionId": "q3", "points": 4, "rationale": "Good story."]]]))
            #expect(early.status == .ok)
            // q2 has no grade yet: still pending, no score.
            #expect(early["grading"] == "pending")
            #expect(early.json["score"] == nil)
            await runJobs(app)
            // Only q2 was asked about.
            let sent = try #require(chat.requests.first?.messages.last?.content)
            #expect(sent.contains("Question id: q2"))
            #expect(!sent.contains("Question id: q3"))
            let done = try await scenario.read(app)
            #expect(done["grading"] == "done")
            let grades = gradesByQuestion(done)
            #expect(grades["q3"]?["gradedBy"] as? String == "member")
            #expect(grades["q3"]?["points"] as? Double == 4)
            #expect(grades["q2"]?["gradedBy"] as? String == "ai")
            // 2 + 2 + 4 of 10.
            #expect(done.json["score"] as? Int == 80)
        }
    }

    @Test(arguments: TestDatabase.all)
    func aSubmissionWithoutAIGradedQuestionsIsUnchanged(database: TestDatabase) async throws {
        let chat = ScriptedChatClient()
        try await withHirebase(on: database, overrides: ServiceOverrides(chat: chat)) { app in
            let scenario = try await Scenario.make(app)
            let invitation = try await scenario.invite(app)
            let submitted = try await app.send(.POST, "/assessments/invitations/\(invitation.id)/submit", json: JSON([
                "token": invitation.token,
                "answers": [["questionId": "q1", "answer": "4"], ["questionId": "q2", "answer": ["2", "3"]], ["questionId": "q4", "answer": "Hello"]],
            ]))
            #expect(submitted.status == .ok)
            #expect(submitted.json["grading"] is NSNull)
            #expect(submitted.json["score"] as? Int == 75)
            #expect(submitted.json["passed"] as? Bool == true)
            await runJobs(app)
            #expect(try await gradingJob(app) == nil)
            #expect(chat.requests.isEmpty)
            let read = try await app.send(.GET, "/assessments/invitations/\(invitation.id)", as: scenario.recruiter)
            #expect(read.json["grading"] == nil)
            #expect(read.json["grades"] == nil)
            #expect(read.json["score"] as? Int == 75)
        }
    }
}
