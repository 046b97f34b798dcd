import Fluent
import Foundation
import NIOConcurrencyHelpers
import Testing
import Vapor
import VaporTesting
@testable import HirebaseApp

/// Issue 12's AI features under bursts, grade races, outsiders and outages: what the code already
/// did right, pinned.
@Suite("AI assistance under attack")
struct AIAttackTests {
    // MARK: Bursts

    @Test func generateIsCostlyAndRefusedBeforeTheProvider() async throws {
        let one = DraftAnswers.text(DraftAnswers.valid(count: 1, kinds: ["text"]))
        let chat = ScriptedChatClient([.content(one), .content(one)])
        try await withHirebase(on: .sqlite, environment: ["RATE_LIMITS": "read=off,write=off,costly=1/h,anonymous=off"],
                               overrides: ServiceOverrides(chat: chat)) { app in
            let scenario = try await Scenario.make(app)
            let body = JSON(["companyId": scenario.companyID, "description": "A job", "questionCount": 1, "kinds": ["text"]])
            let first = try await app.send(.POST, "/assessments/generate", as: scenario.recruiter, json: body)
            #expect(first.status == .created)
            let second = try await app.send(.POST, "/assessments/generate", as: scenario.recruiter, json: body)
            #expect(second.status == .tooManyRequests)
            #expect(second.headers.first(name: "Retry-After") != nil)
            #expect(chat.requests.count == 1)
            #expect(try await AIRun.query(on: app.db).count() == 1)
            #expect(RouteRateClass.of(method: .POST, pattern: "/assessments/generate") == .costly)
        }
    }

    /// A provider that answers only once `parties` calls are waiting, so that every request has
    /// passed the plan check before any consumes (bounded wait: it answers anyway after 10 s).
    final class BarrierChatClient: ChatCompleting {
        let model: String? = "barrier-model"
        let answer: String
        let parties: Int
        private let arrived = NIOLockedValueBox(0)

        init(answer: String, parties: Int) {
            self.answer = answer
            self.parties = parties
        }

        func complete(_ request: ChatCompletionRequest) async throws -> ChatCompletion {
            arrived.withLockedValue { $0 += 1 }
            for _ in 0..<2000 where arrived.withLockedValue({ $0 }) < parties {
                try? await Task.sleep(for: .milliseconds(5))
            }
            return ChatCompletion(content: answer, model: "barrier-model", inputTokens: 3, outputTokens: 2, durationMs: 1)
        }
    }

    @Test(arguments: TestDatabase.all)
    func concurrentGeneratesAtTheLimitStoreExactlyWhatIsLeft(database: TestDatabase) async throws {
        let chat = BarrierChatClient(answer: DraftAnswers.text(DraftAnswers.valid(count: 1, kinds: ["text"])), parties: 4)
        try await withHirebase(on: database, environment: ["PLANS_FILE": ""], overrides: ServiceOverrides(chat: chat)) { app in
            let scenario = try await Scenario.make(app)
            // The free plan's 5 drafts, 3 used: 2 left for 4 concurrent requests.
            _ = try await app.hirebase.billing.consume(.aiGenerations, quantity: 3, userID: scenario.recruiter.id, idempotencyKey: nil, on: app.db)
            let body = JSON(["companyId": scenario.companyID, "description": "A job", "questionCount": 1, "kinds": ["text"]])
            let statuses = try await withThrowingTaskGroup(of: UInt.self) { group in
                for _ in 0..<4 {
                    group.addTask { try await app.send(.POST, "/assessments/generate", as: scenario.recruiter, json: body).status.code }
                }
                return try await group.reduce(into: [UInt]()) { $0.append($1) }
            }
            #expect(statuses.sorted() == [201, 201, 402, 402], "\(statuses)")
            let drafts = try await Assessment.query(on: app.db).filter(\.$status == .draft).all()
            #expect(drafts.count == 2)
            let runs = try await AIRun.query(on: app.db).all()
            #expect(runs.count == 4)  // every call accounted for
            #expect(Set(runs.compactMap(\.subjectID)) == Set(drafts.compactMap(\.id)))
            #expect(Set(drafts.compactMap(\.aiRunID)) == Set(runs.filter { $0.subjectID != nil }.compactMap(\.id)))
            let status = try await app.send(.GET, "/subscription-status", as: scenario.recruiter)
            #expect((status.json["usage"] as? [String: [String: Any]])?["ai_generations"]?["used"] as? Int == 5)
        }
    }

    // MARK: Grades: races, outsiders, hostile values

    /// A graded submission (AI grades on q2 and q3) and a second recruiter.
    static func gradedByAI(_ app: Application) async throws -> (GradingScenario, TestUser) {
        let scenario = try await GradingScenario.make(app)
        try #require(try await scenario.submit(app).status == .ok)
        await app.hirebase.backgroundJobs.runDue(on: app.db)
        try #require(try await scenario.read(app)["grading"] == "done")
        let second = try await scenario.base.addMember(app, role: "recruiter", name: "second-recruiter")
        return (scenario, second)
    }

    @Test(arguments: TestDatabase.all)
    func concurrentOverridesByTwoMembersLoseNothing(database: TestDatabase) async throws {
        let chat = ScriptedChatClient([GradingScenario.answer(q2: 3, q3: 2.5)])
        try await withHirebase(on: database, overrides: ServiceOverrides(chat: chat)) { app in
            let (scenario, second) = try await Self.gradedByAI(app)
            let path = "/assessments/invitations/\(scenario.invitationID)/grades"
            // Different questions at once: both grades are kept.
            let statuses = try await withThrowingTaskGroup(of: UInt.self) { group in
                group.addTask { try await app.send(.POST, path, as: scenario.base.recruiter, json: JSON(["grades": [["questionId": "q2", "points": 1]]])).status.code }
                group.addTask { try await app.send(.POST, path, as: second, json: JSON(["grades": [["questionId": "q3", "points": 4]]])).status.code }
                return try await group.reduce(into: [UInt]()) { $0.append($1) }
            }
            #expect(statuses == [200, 200])
            var read = try await scenario.read(app)
            var grades = gradesByQuestion(read)
            #expect(grades["q2"]?["points"] as? Double == 1 && grades["q2"]?["gradedById"] as? String == scenario.base.recruiter.id.uuidString.lowercased())
            #expect(grades["q3"]?["points"] as? Double == 4 && grades["q3"]?["gradedById"] as? String == second.id.uuidString.lowercased())
            #expect(read.json["rawScore"] as? Double == 7 && read.json["score"] as? Int == 70)

            // The same question at once: one of the two wins whole, and the score is its.
            let same = try await withThrowingTaskGroup(of: UInt.self) { group in
                group.addTask { try await app.send(.POST, path, as: scenario.base.recruiter, json: JSON(["grades": [["questionId": "q2", "points": 0]]])).status.code }
                group.addTask { try await app.send(.POST, path, as: second, json: JSON(["grades": [["questionId": "q2", "points": 3, "rationale": "Full."]]])).status.code }
                return try await group.reduce(into: [UInt]()) { $0.append($1) }
            }
            #expect(same == [200, 200])
            read = try await scenario.read(app)
            grades = gradesByQuestion(read)
            let q2 = try #require(grades["q2"])
            let points = try #require(q2["points"] as? Double)
            if points == 0 {
                #expect(q2["gradedById"] as? String == scenario.base.recruiter.id.uuidString.lowercased() && q2["rationale"] is NSNull)
            } else {
                #expect(points == 3 && q2["gradedById"] as? String == second.id.uuidString.lowercased() && q2["rationale"] as? String == "Full.")
            }
            #expect(read.json["rawScore"] as? Double == 2 + points + 4)
            #expect((read.json["grades"] as? [Any])?.count == 2)
        }
    }

    @Test(arguments: TestDatabase.all)
    func aMembersGradeGivenDuringTheProviderCallIsKept(database: TestDatabase) async throws {
        let holder = NIOLockedValueBox<(Application, GradingScenario)?>(nil)
        let status = NIOLockedValueBox<UInt>(0)
        let answer = #"{"grades": [{"questionId": "q2", "points": 3, "rationale": "All four."}, {"questionId": "q3", "points": 0, "rationale": "No fix."}]}"#
        // While the provider "thinks", a member grades (the override racing the job).
        let chat = MidCallChatClient(answer: answer) {
            guard let (app, scenario) = holder.withLockedValue({ $0 }) else { return }
            let response = try await app.send(.POST, "/assessments/invitations/\(scenario.invitationID)/grades", as: scenario.base.recruiter,
                                              json: JSON(["grades": [["questionId": "q3", "points": 5, "rationale": "Cause, diagnosis, fix."]]]))
            status.withLockedValue { $0 = response.status.code }
        }
        try await withHirebase(on: database, overrides: ServiceOverrides(chat: chat)) { app in
            let scenario = try await GradingScenario.make(app)
            #expect(try await scenario.submit(app).status == .ok)
            holder.withLockedValue { $0 = (app, scenario) }
            await app.hirebase.backgroundJobs.runDue(on: app.db)
            holder.withLockedValue { $0 = nil }
            #expect(status.withLockedValue { $0 } == 200)
            let read = try await scenario.read(app)
            #expect(read["grading"] == "done")
            let grades = gradesByQuestion(read)
            #expect(grades["q3"]?["gradedBy"] as? String == "member" && grades["q3"]?["points"] as? Double == 5)
            #expect(grades["q2"]?["gradedBy"] as? String == "ai" && grades["q2"]?["points"] as? Double == 3)
            // 2 + 3 + 5 of 10.
            #expect(read.json["score"] as? Int == 100)
        }
    }

    @Test func hostileMemberGradesAre400() async throws {
        let chat = ScriptedChatClient([GradingScenario.answer(q2: 3, q3: 2.5)])
        try await withHirebase(on: .sqlite, overrides: ServiceOverrides(chat: chat)) { app in
            let (scenario, _) = try await Self.gradedByAI(app)
            let path = "/assessments/invitations/\(scenario.invitationID)/grades"
            for (grade, field) in [
                (["questionId": "q2", "points": -0.5] as [String: Any], "grades[0].points"),
                (["questionId": "q2", "points": 1e308], "grades[0].points"),
                (["questionId": "q2", "points": 3.5], "grades[0].points"),
                (["questionId": "q2", "points": 1, "rationale": AIPromptAttackTests.megabyte], "grades[0].rationale"),
                (["questionId": "q1", "points": 1], "grades[0].questionId"),
                (["questionId": "q9", "points": 1], "grades[0].questionId"),
            ] {
                let response = try await app.send(.POST, path, as: scenario.base.recruiter, json: JSON(["grades": [grade]]))
                #expect(response.status == .badRequest)
                let errors = response.json["errors"] as? [[String: String]] ?? []
                #expect(errors.contains { $0["field"] == field }, "\(field): \(errors)")
            }
            let nan = try await app.send(.POST, path, as: scenario.base.recruiter, raw: #"{"grades": [{"questionId": "q2", "points": NaN}]}"#)
            #expect(nan.status == .badRequest)
            let huge = try await app.send(.POST, path, as: scenario.base.recruiter, raw: #"{"grades": [{"questionId": "q2", "points": 1e999}]}"#)
            #expect(huge.status == .badRequest)
            // Nothing changed.
            let read = try await scenario.read(app)
            #expect(gradesByQuestion(read)["q2"]?["gradedBy"] as? String == "ai" && read.json["score"] as? Int == 75)
        }
    }

    @Test(arguments: TestDatabase.all)
    func outsidersSeeNothingAndViewersChangeNothing(database: TestDatabase) async throws {
        let chat = ScriptedChatClient([.content(DraftAnswers.text(DraftAnswers.valid())), GradingScenario.answer(q2: 3, q3: 2.5)])
        try await withHirebase(on: database, overrides: ServiceOverrides(chat: chat)) { app in
            let scenario = try await GradingScenario.make(app)
            let draft = try await app.send(.POST, "/assessments/generate", as: scenario.base.recruiter,
                                           json: JSON(["companyId": scenario.base.companyID, "description": "A job"]))
            let draftID = try #require(draft["id"])
            #expect(try await scenario.submit(app).status == .ok)
            await app.hirebase.backgroundJobs.runDue(on: app.db)

            // The owner of another company.
            let outsider = TestUser("outsider")
            #expect(try await app.send(.POST, "/companies", as: outsider, json: JSON(["name": "Rival"])).status == .created)
            let grades = JSON(["grades": [["questionId": "q2", "points": 0]]])
            let attempts = [
                try await app.send(.POST, "/assessments/invitations/\(scenario.invitationID)/grades", as: outsider, json: grades),
                try await app.send(.PATCH, "/assessments/\(draftID)", as: outsider, json: JSON(["title": "Mine"])),
                try await app.send(.POST, "/assessments/\(draftID)/publish", as: outsider),
                try await app.send(.GET, "/assessments/\(draftID)", as: outsider),
                try await app.send(.GET, "/ai-runs?companyId=\(scenario.base.companyID)", as: outsider),
                try await app.send(.POST, "/assessments/invitations/\(UUID().uuidString.lowercased())/grades", as: outsider, json: grades),
            ]
            for response in attempts {
                #expect(response.status == .notFound, "\(response.status) \(String(buffer: response.body))")
            }
            let viewer = try await scenario.base.addMember(app, role: "viewer", name: "viewer")
            let byViewer = try await app.send(.POST, "/assessments/invitations/\(scenario.invitationID)/grades", as: viewer, json: grades)
            #expect(byViewer.status == .forbidden)
            #expect(try await app.send(.GET, "/ai-runs?companyId=\(scenario.base.companyID)", as: viewer).status == .ok)

            let read = try await scenario.read(app)
            #expect(gradesByQuestion(read)["q2"]?["gradedBy"] as? String == "ai")
            let stored = try #require(try await Assessment.find(UUID(uuidString: draftID), on: app.db))
            #expect(stored.status == .draft && stored.title == "Swift skills")
        }
    }

    // MARK: Outages

    @Test(arguments: TestDatabase.all)
    func anOpenCircuitIs503AndGradingWaitsForARetry(database: TestDatabase) async throws {
        let open = AIProviderError.circuitOpen(retryAfterSeconds: 17)
        let chat = ScriptedChatClient([.failure(open), .failure(open), GradingScenario.answer(q2: 3, q3: 2.5)])
        let clock = ManualClock()
        try await withHirebase(on: database, overrides: ServiceOverrides(clock: clock.wall, chat: chat)) { app in
            let scenario = try await GradingScenario.make(app, clock: clock)
            let generate = try await app.send(.POST, "/assessments/generate", as: scenario.base.recruiter,
                                              json: JSON(["companyId": scenario.base.companyID, "description": "A job"]))
            #expect(generate.status == .serviceUnavailable && generate.code == "ai_unavailable")
            #expect(generate.headers.first(name: "Retry-After") == "17")

            #expect(try await scenario.submit(app).status == .ok)
            await app.hirebase.backgroundJobs.runDue(on: app.db)
            let job = try #require(try await BackgroundJobStore().list(statuses: BackgroundJobStatus.allCases, limit: 50, on: app.db)
                .first { $0.kind == "assessments.grade" })
            #expect(job.status == .queued && job.lastError?.contains("circuit_open") == true)
            #expect(try await scenario.read(app)["grading"] == "pending")  // not failed: retried later
            clock.advance(by: .seconds(120))
            await app.hirebase.backgroundJobs.runDue(on: app.db)
            #expect(try await scenario.read(app)["grading"] == "done")
            #expect(chat.requests.count == 3)
        }
    }

    // MARK: Through HTTP

    @Test(arguments: TestDatabase.all)
    func aFencedAnswerWithAbsurdUsageThroughTheLiveClientIsADraft(database: TestDatabase) async throws {
        let draft = DraftAnswers.text(DraftAnswers.valid(count: 1, kinds: ["text"]))
        let body = ChatCompletionsDouble.completionJSON(content: "```json\n\(draft)\n```", model: String(repeating: "m", count: 5000),
                                                        promptTokens: 4_000_000_000_000, completionTokens: -7)
        let double = try await ChatCompletionsDouble.start([.raw(status: 200, body: body)])
        try await withHirebase(on: database, environment: double.environment(), overrides: ServiceOverrides()) { app in
            let scenario = try await Scenario.make(app)
            let response = try await app.send(.POST, "/assessments/generate", as: scenario.recruiter, json: JSON([
                "companyId": scenario.companyID, "description": "Rust, async.", "questionCount": 1, "kinds": ["text"],
            ]))
            #expect(response.status == .created, "\(String(buffer: response.body))")
            let run = try #require(try await AIRun.query(on: app.db).first())
            #expect(run.inputTokens == Int(Int32.max) && run.outputTokens == 0)  // believed up to 2^31 - 1, never negative
            #expect(run.model.count == 200)
            #expect(!double.bodiesContain(scenario.recruiter.email))
            #expect(double.bodiesContain("| Rust, async."))
        }
        try await double.stop()
    }

    // MARK: Privacy

    @Test func aiRunsHoldNoTextAndTheProviderNoCandidate() async throws {
        let chat = ScriptedChatClient([GradingScenario.answer(q2: 3, q3: 2.5)])
        try await withHirebase(on: .sqlite, overrides: ServiceOverrides(chat: chat)) { app in
            let scenario = try await GradingScenario.make(app)
            #expect(try await scenario.submit(app).status == .ok)
            await app.hirebase.backgroundJobs.runDue(on: app.db)
            #expect(try await scenario.read(app)["grading"] == "done")
            let sent = chat.requests.flatMap(\.messages).map(\.content).joined()
            let runs = try await app.send(.GET, "/ai-runs?companyId=\(scenario.base.companyID)", as: scenario.base.recruiter)
            let body = String(buffer: runs.body)
            for secret in [GradingScenario.candidateName, GradingScenario.candidateEmail, "Quokka"] {
                #expect(!sent.contains(secret) && !body.contains(secret), "\(secret)")
            }
            #expect(!sent.contains(scenario.invitationID))
            for text in [GradingScenario.acidAnswer, "Names the properties.", "Explain ACID."] {
                #expect(!body.contains(text), "\(text)")
            }
            // The run's columns are numbers, names and ids only.
            let row = try #require(try await AIRun.query(on: app.db).first())
            #expect([row.model, row.promptVersion, row.purpose.rawValue, row.outcome.rawValue] == ["scripted-model", "answer-grading/2", "answer_grading", "succeeded"])
        }
    }
}