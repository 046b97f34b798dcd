import Fluent
import Foundation
import JSONTree
import NIOConcurrencyHelpers
import Testing
import Vapor
import VaporTesting
@testable import HirebaseApp

/// `POST /assessments/generate`, drafts, `PATCH /assessments/{id}` and publication (issue 12 § 2).
@Suite("Assessment generation")
struct AssessmentGenerationTests {
    /// A company (with the `Scenario` assessment) and one job of it.
    struct Setting {
        let scenario: Scenario
        let jobID: String
    }

    static func setting(_ app: Application) async throws -> Setting {
        let scenario = try await Scenario.make(app)
        let job = try await app.send(.POST, "/jobs", as: scenario.recruiter, json: JSON([
            "companyId": scenario.companyID, "title": "Senior iOS Engineer",
            "description": "Build our app in Swift with structured concurrency.", "skills": ["Swift", "SwiftUI"],
        ]))
        try #require(job.status == .created)
        return Setting(scenario: scenario, jobID: try #require(job["id"]))
    }

    static func runs(_ app: Application) async throws -> [AIRun] {
        try await AIRun.query(on: app.db).sort(\.$createdAtMicros).all()
    }

    static func assessmentCount(_ app: Application) async throws -> Int {
        try await Assessment.query(on: app.db).count()
    }

    @Test(arguments: TestDatabase.all)
    func generatesADraftFromAJobAndRecordsTheRun(database: TestDatabase) async throws {
        let chat = ScriptedChatClient([.content(DraftAnswers.text(DraftAnswers.valid()))])
        try await withHirebase(on: database, environment: ["PLANS_FILE": ""], overrides: ServiceOverrides(chat: chat)) { app in
            let setting = try await Self.setting(app)
            let response = try await app.send(.POST, "/assessments/generate", as: setting.scenario.recruiter,
                                              json: JSON(["companyId": setting.scenario.companyID, "jobId": setting.jobID]))
            #expect(response.status == .created, "\(String(buffer: response.body))")
            #expect(response["status"] == "draft")
            #expect(response["title"] == "Senior iOS Engineer")
            let questions = try #require(response.json["questions"] as? [[String: Any]])
            #expect(questions.count == 10)
            #expect(questions[2]["rubric"] as? String == "Names actors and value types.")
            #expect(questions[0]["correct"] as? [String] == ["b"])
            let runID = try #require(response["aiRunId"])

            let runs = try await Self.runs(app)
            #expect(runs.count == 1)
            let run = try #require(runs.first)
            #expect(run.id?.lowercased == runID)
            #expect(run.purpose == .assessmentGeneration && run.outcome == .succeeded)
            #expect(run.promptVersion == "assessment-draft/2")
            #expect(run.inputTokens == 100 && run.outputTokens == 50 && run.model == "scripted-model")
            #expect(run.subjectID?.lowercased == response["id"])
            #expect(run.createdBy == setting.scenario.recruiter.id)

            let storedID = try #require(response["id"])
            let stored = try #require(try await Assessment.find(UUID(uuidString: storedID), on: app.db))
            #expect(stored.status == .draft && stored.aiRunID?.lowercased == runID)

            let status = try await app.send(.GET, "/subscription-status", as: setting.scenario.recruiter)
            let usage = try #require(status.json["usage"] as? [String: [String: Any]])
            #expect(usage["ai_generations"]?["used"] as? Int == 1)
            #expect(usage["ai_generations"]?["limit"] as? Int == 5)

            // What the provider was sent: the job's text, the asked count and kinds, the schema.
            let sent = try #require(chat.requests.first)
            #expect(sent.schemaName == "assessment_draft")
            let user = try #require(sent.messages.last?.content)
            #expect(user.contains("Senior iOS Engineer") && user.contains("structured concurrency") && user.contains("SwiftUI"))
            #expect(user.hasPrefix("Question count: 10\nKinds: single_choice, multiple_choice, text\n") && user.hasSuffix("\n</job>"))
            #expect(!user.contains(setting.scenario.recruiter.email))
        }
    }

    @Test func aPastedDescriptionAskedKindsAndTitleAreUsed() async throws {
        let answer = DraftAnswers.text(DraftAnswers.valid(count: 3, kinds: ["text"]))
        let chat = ScriptedChatClient([.content(answer)])
        try await withHirebase(on: .sqlite, overrides: ServiceOverrides(chat: chat)) { app in
            let setting = try await Self.setting(app)
            let response = try await app.send(.POST, "/assessments/generate", as: setting.scenario.recruiter, json: JSON([
                "companyId": setting.scenario.companyID, "description": "We need a Rust developer.", "questionCount": 3, "kinds": ["text"],
            ]))
            #expect(response.status == .created)
            #expect(response["title"] == "Swift skills")  // the provider's, with neither a job nor a title
            let user = try #require(chat.requests.first?.messages.last?.content)
            #expect(user.contains("We need a Rust developer.") && user.hasPrefix("Question count: 3\nKinds: text\n"))
            #expect(chat.requests.first?.schema["properties"]?["questions"]?["items"]?["properties"]?["kind"]?["enum"] == .array([.string("text")]))

        }
    }

    @Test(arguments: TestDatabase.all)
    func anInvalidAnswerIsRetriedOnce(database: TestDatabase) async throws {
        let chat = ScriptedChatClient([
            .content(DraftAnswers.changing(0, "correct", to: ["z"])),
            .content(DraftAnswers.text(DraftAnswers.valid())),
        ])
        try await withHirebase(on: database, overrides: ServiceOverrides(chat: chat)) { app in
            let setting = try await Self.setting(app)
            let response = try await app.send(.POST, "/assessments/generate", as: setting.scenario.recruiter,
                                              json: JSON(["companyId": setting.scenario.companyID, "jobId": setting.jobID, "title": "Mine"]))
            #expect(response.status == .created)
            #expect(response["title"] == "Mine")
            let runs = try await Self.runs(app)
            #expect(runs.map(\.outcome) == [.invalidOutput, .succeeded])
            #expect(runs[0].subjectID == nil && runs[0].inputTokens == 100)
            #expect(runs[1].id?.lowercased == response["aiRunId"])
            #expect(chat.requests.count == 2)
        }
    }

    @Test(arguments: TestDatabase.all)
    func twoInvalidAnswersAre502AndStoreNothing(database: TestDatabase) async throws {
        let chat = ScriptedChatClient([
            .content(DraftAnswers.changing(1, "kind", to: "essay")),
            .content(DraftAnswers.changing(0, "correct", to: ["z"])),
        ])
        try await withHirebase(on: database, environment: ["PLANS_FILE": ""], overrides: ServiceOverrides(chat: chat)) { app in
            let setting = try await Self.setting(app)
            let response = try await app.send(.POST, "/assessments/generate", as: setting.scenario.recruiter,
                                              json: JSON(["companyId": setting.scenario.companyID, "jobId": setting.jobID]))
            #expect(response.status == .badGateway)
            #expect(response.code == "upstream_error")
            #expect(response["detail"]?.contains("questions[0].correct must name only listed choices") == true, "\(response["detail"] ?? "")")
            #expect(try await Self.assessmentCount(app) == 1)  // the scenario's only
            #expect(try await Self.runs(app).map(\.outcome) == [.invalidOutput, .invalidOutput])
            let status = try await app.send(.GET, "/subscription-status", as: setting.scenario.recruiter)
            #expect((status.json["usage"] as? [String: [String: Any]])?["ai_generations"]?["used"] as? Int == 0)
        }
    }

    @Test(arguments: [
        ("this is not JSON", "the answer is not JSON"),
        ("[1, 2]", "not the schema's object"),
        (#"{"title": "T", "questions": [{"id": 1}]}"#, "questions[0].id"),
        (DraftAnswers.text(DraftAnswers.valid(count: 9)), "holds 9 questions instead of the 10 asked"),
        (DraftAnswers.changing(2, "rubric", to: NSNull()), "questions[2].rubric is required"),
        (DraftAnswers.changing(2, "correct", to: ["x"]), "questions[2].correct must be null"),
        (DraftAnswers.changing(0, "points", to: 0), "questions[0].points"),
        (DraftAnswers.changing(1, "id", to: "q1"), "questions[1].id repeats"),
        (DraftAnswers.changing(0, "rubric", to: "guide"), "questions[0].rubric is allowed only on text questions"),
    ])
    func unusableAnswersNameTheRule(answer: String, rule: String) async throws {
        let chat = ScriptedChatClient([.content(answer), .content(answer)])
        try await withHirebase(on: .sqlite, overrides: ServiceOverrides(chat: chat)) { app in
            let setting = try await Self.setting(app)
            let response = try await app.send(.POST, "/assessments/generate", as: setting.scenario.recruiter,
                                              json: JSON(["companyId": setting.scenario.companyID, "jobId": setting.jobID]))
            #expect(response.status == .badGateway)
            #expect(response["detail"]?.contains(rule) == true, "\(response["detail"] ?? "")")
            #expect(chat.requests.count == 2)
            #expect(try await Self.assessmentCount(app) == 1)
        }
    }

    @Test func unaskedKindsAreUnusable() async throws {
        let answer = DraftAnswers.text(DraftAnswers.valid(count: 2, kinds: ["single_choice", "text"]))
        let chat = ScriptedChatClient([.content(answer), .content(answer)])
        try await withHirebase(on: .sqlite, overrides: ServiceOverrides(chat: chat)) { app in
            let setting = try await Self.setting(app)
            let response = try await app.send(.POST, "/assessments/generate", as: setting.scenario.recruiter, json: JSON([
                "companyId": setting.scenario.companyID, "jobId": setting.jobID, "questionCount": 2, "kinds": ["single_choice"],
            ]))
            #expect(response.status == .badGateway)
            #expect(response["detail"]?.contains("questions[1].kind text was not asked for") == true, "\(response["detail"] ?? "")")
        }
    }

    @Test(arguments: TestDatabase.all)
    func providerFailuresAreRecordedAndAnswered(database: TestDatabase) async throws {
        let chat = ScriptedChatClient([
            .failure(AIProviderError(.timeout, "no answer in 30 s", durationMs: 30_000)),
            .failure(AIProviderError(.notConfigured, "AI assistance is not configured")),
            .failure(AIProviderError(.upstream, "HTTP 500", status: 500, durationMs: 12)),
        ])
        try await withHirebase(on: database, environment: ["PLANS_FILE": ""], overrides: ServiceOverrides(chat: chat)) { app in
            let setting = try await Self.setting(app)
            let body = JSON(["companyId": setting.scenario.companyID, "jobId": setting.jobID])
            let timeout = try await app.send(.POST, "/assessments/generate", as: setting.scenario.recruiter, json: body)
            #expect(timeout.status == .gatewayTimeout && timeout.code == "upstream_timeout")
            let unconfigured = try await app.send(.POST, "/assessments/generate", as: setting.scenario.recruiter, json: body)
            #expect(unconfigured.status == .serviceUnavailable && unconfigured.code == "ai_not_configured")
            #expect(unconfigured.headers.first(name: "Retry-After") != nil)
            let failed = try await app.send(.POST, "/assessments/generate", as: setting.scenario.recruiter, json: body)
            #expect(failed.status == .badGateway && failed.code == "upstream_error")
            #expect(chat.requests.count == 3)  // a provider failure is not retried here (the client retries)
            let runs = try await Self.runs(app)
            // No call was made while unconfigured: two runs for three requests.
            #expect(runs.map(\.outcome) == [.timeout, .providerError])
            #expect(runs[0].durationMs == 30_000 && runs[0].inputTokens == 0 && runs.allSatisfy { $0.subjectID == nil })
            #expect(try await Self.assessmentCount(app) == 1)
            let status = try await app.send(.GET, "/subscription-status", as: setting.scenario.recruiter)
            #expect((status.json["usage"] as? [String: [String: Any]])?["ai_generations"]?["used"] as? Int == 0)
        }
    }

    @Test func withoutAProviderItIs503() async throws {
        try await withHirebase(on: .sqlite) { app in
            let setting = try await Self.setting(app)
            let response = try await app.send(.POST, "/assessments/generate", as: setting.scenario.recruiter,
                                              json: JSON(["companyId": setting.scenario.companyID, "description": "A job"]))
            #expect(response.status == .serviceUnavailable && response.code == "ai_not_configured")
            #expect(try await Self.runs(app).isEmpty)  // no call, no run
        }
    }

    @Test(arguments: TestDatabase.all)
    func theFreePlanAllowsFiveDrafts(database: TestDatabase) async throws {
        let one = DraftAnswers.text(DraftAnswers.valid(count: 1, kinds: ["text"]))
        let chat = ScriptedChatClient(Array(repeating: ScriptedChatClient.Step.content(one), count: 5))
        try await withHirebase(on: database, environment: ["PLANS_FILE": ""], overrides: ServiceOverrides(chat: chat)) { app in
            let setting = try await Self.setting(app)
            let body = JSON(["companyId": setting.scenario.companyID, "description": "A job", "questionCount": 1, "kinds": ["text"]])
            for _ in 0..<5 {
                let response = try await app.send(.POST, "/assessments/generate", as: setting.scenario.recruiter, json: body)
                #expect(response.status == .created)
            }
            let refused = try await app.send(.POST, "/assessments/generate", as: setting.scenario.recruiter, json: body)
            #expect(refused.status == .paymentRequired && refused.code == "plan_limit_reached")
            #expect(refused["feature"] == "ai_generations" && refused.json["limit"] as? Int == 5)
            #expect(chat.requests.count == 5)  // refused before the provider was called
            #expect(try await Self.runs(app).count == 5)
        }
    }

    @Test(arguments: TestDatabase.all)
    func aDraftRefusedAtTheLimitMeanwhileLeavesOnlyItsRun(database: TestDatabase) async throws {
        let user = TestUser("owner")
        let holder = NIOLockedValueBox<Application?>(nil)
        // While the provider "thinks", another request takes the user's last uses.
        let chat = MidCallChatClient(answer: DraftAnswers.text(DraftAnswers.valid())) {
            guard let app = holder.withLockedValue({ $0 }) else { return }
            _ = try await app.hirebase.billing.consume(.aiGenerations, quantity: 5, userID: user.id, idempotencyKey: nil, on: app.db)
        }
        try await withHirebase(on: database, environment: ["PLANS_FILE": ""], overrides: ServiceOverrides(chat: chat)) { app in
            holder.withLockedValue { $0 = app }
            let company = try await app.send(.POST, "/companies", as: user, json: JSON(["name": "Acme"]))
            let companyID = try #require(company["id"])
            let response = try await app.send(.POST, "/assessments/generate", as: user, json: JSON(["companyId": companyID, "description": "A job"]))
            #expect(response.status == .paymentRequired && response.code == "plan_limit_reached")
            #expect(try await Self.assessmentCount(app) == 0)
            let runs = try await Self.runs(app)
            #expect(runs.count == 1)
            #expect(runs.first?.outcome == .succeeded && runs.first?.subjectID == nil && runs.first?.inputTokens == 7)
            holder.withLockedValue { $0 = nil }
        }
    }

    @Test func aPlanThatDoesNotNameTheFeatureMayNotUseIt() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("plans-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("plans.json")
        try Data(#"{"plans": [{"name": "free", "priceId": null, "amount": 0, "currency": "usd", "interval": "month", "limits": {"ai_assessments": null, "candidate_matching": null, "job_scraping": null}}]}"#.utf8).write(to: file)
        let chat = ScriptedChatClient()
        try await withHirebase(on: .sqlite, environment: ["PLANS_FILE": file.path], overrides: ServiceOverrides(chat: chat)) { app in
            let setting = try await Self.setting(app)
            let response = try await app.send(.POST, "/assessments/generate", as: setting.scenario.recruiter,
                                              json: JSON(["companyId": setting.scenario.companyID, "description": "A job"]))
            #expect(response.status == .paymentRequired && response.json["limit"] as? Int == 0)
            #expect(chat.requests.isEmpty)
            let status = try await app.send(.GET, "/subscription-status", as: setting.scenario.recruiter)
            #expect((status.json["usage"] as? [String: [String: Any]])?["ai_generations"]?["limit"] as? Int == 0)
        }
    }

    @Test func rolesAndCompaniesAreChecked() async throws {
        let chat = ScriptedChatClient()
        try await withHirebase(on: .sqlite, overrides: ServiceOverrides(chat: chat)) { app in
            let setting = try await Self.setting(app)
            let viewer = try await setting.scenario.addMember(app, role: "viewer", name: "viewer")
            let body = JSON(["companyId": setting.scenario.companyID, "jobId": setting.jobID])
            let byViewer = try await app.send(.POST, "/assessments/generate", as: viewer, json: body)
            #expect(byViewer.status == .forbidden)
            let byStranger = try await app.send(.POST, "/assessments/generate", as: TestUser("stranger"), json: body)
            #expect(byStranger.status == .notFound)
            // A job of another company is not found in this one.
            let other = try await Self.setting(app)
            let foreign = try await app.send(.POST, "/assessments/generate", as: setting.scenario.recruiter,
                                             json: JSON(["companyId": setting.scenario.companyID, "jobId": other.jobID]))
            #expect(foreign.status == .notFound && foreign["detail"] == "Job not found")
            #expect(chat.requests.isEmpty)
        }
    }

    @Test(arguments: [
        (#"{"questionCount": 0}"#, "questionCount"),
        (#"{"questionCount": 31}"#, "questionCount"),
        (#"{"description": "Also this"}"#, "description"),
        (#"{"kinds": ["essay"]}"#, "kinds[0]"),
        (#"{"kinds": []}"#, "kinds"),
        (#"{"jobId": null, "companyId": null}"#, "companyId"),
        (#"{"title": "\#(String(repeating: "t", count: 201))"}"#, "title"),
    ])
    func badBodiesAre400(change: String, field: String) async throws {
        let chat = ScriptedChatClient()
        try await withHirebase(on: .sqlite, overrides: ServiceOverrides(chat: chat)) { app in
            let setting = try await Self.setting(app)
            var body: [String: Any] = ["companyId": setting.scenario.companyID, "jobId": setting.jobID]
            let changes = try #require(try JSONSerialization.jsonObject(with: Data(change.utf8)) as? [String: Any])
            body.merge(changes) { $1 }
            let response = try await app.send(.POST, "/assessments/generate", as: setting.scenario.recruiter, json: JSON(body))
            #expect(response.status == .badRequest)
            let errors = response.json["errors"] as? [[String: String]] ?? []
            #expect(errors.contains { $0["field"] == field }, "\(field): \(errors)")
            #expect(chat.requests.isEmpty)
        }
    }

    @Test func aLongPastedDescriptionIs400() async throws {
        try await withHirebase(on: .sqlite) { app in
            let setting = try await Self.setting(app)
            let response = try await app.send(.POST, "/assessments/generate", as: setting.scenario.recruiter, json: JSON([
                "companyId": setting.scenario.companyID, "description": String(repeating: "d", count: 20_001),
            ]))
            #expect(response.status == .badRequest)
            #expect((response.json["errors"] as? [[String: String]])?.first?["field"] == "description")
        }
    }

    // MARK: Drafts: edit, publish, send

    /// Generates a draft and returns its id.
    static func draft(_ app: Application, _ setting: Setting) async throws -> String {
        let response = try await app.send(.POST, "/assessments/generate", as: setting.scenario.recruiter,
                                          json: JSON(["companyId": setting.scenario.companyID, "jobId": setting.jobID]))
        try #require(response.status == .created)
        return try #require(response["id"])
    }

    /// The draft rule comes before the plan: a recruiter whose invitations are used up still
    /// learns that the assessment is a draft (409), not that the plan is spent (402).
    @Test func aDraftIsRefusedAs409EvenWithTheInvitationsUsedUp() async throws {
        let chat = ScriptedChatClient([.content(DraftAnswers.text(DraftAnswers.valid()))])
        try await withHirebase(on: .sqlite, environment: ["PLANS_FILE": ""], overrides: ServiceOverrides(chat: chat)) { app in
            let setting = try await Self.setting(app)
            let recruiter = setting.scenario.recruiter
            for n in 1...3 {  // the free plan's 3 ai_assessments
                let sent = try await app.send(.POST, "/assessments/invitations/create", as: recruiter,
                                              json: JSON(["assessmentId": setting.scenario.assessmentID, "candidateEmail": "c\(n)@example.com"]))
                try #require(sent.status == .created)
            }
            let spent = try await app.send(.POST, "/assessments/invitations/create", as: recruiter,
                                           json: JSON(["assessmentId": setting.scenario.assessmentID, "candidateEmail": "c4@example.com"]))
            #expect(spent.status == .paymentRequired)
            let id = try await Self.draft(app, setting)
            let draft = try await app.send(.POST, "/assessments/invitations/create", as: recruiter,
                                           json: JSON(["assessmentId": id, "candidateEmail": "c5@example.com"]))
            #expect(draft.status == .conflict && draft.code == "assessment_draft", "\(String(buffer: draft.body))")
        }
    }

    @Test(arguments: TestDatabase.all)
    func aDraftIsEditedPublishedAndThenSent(database: TestDatabase) async throws {
        let chat = ScriptedChatClient([.content(DraftAnswers.text(DraftAnswers.valid()))])
        try await withHirebase(on: database, overrides: ServiceOverrides(chat: chat)) { app in
            let setting = try await Self.setting(app)
            let recruiter = setting.scenario.recruiter
            let id = try await Self.draft(app, setting)

            let invite = JSON(["assessmentId": id, "candidateEmail": "candidate@example.com"])
            let early = try await app.send(.POST, "/assessments/invitations/create", as: recruiter, json: invite)
            #expect(early.status == .conflict && early.code == "assessment_draft")

            let questions: [[String: Any]] = [
                ["id": "a", "prompt": "Explain actors", "kind": "text", "rubric": "Isolation, reentrancy", "points": 3],
                ["id": "b", "prompt": "2+2?", "kind": "single_choice", "choices": ["3", "4"], "correct": ["4"]],
            ]
            let edited = try await app.send(.PATCH, "/assessments/\(id)", as: recruiter, json: JSON([
                "title": " Edited ", "passingScore": 60, "timeLimitMinutes": 30, "questions": questions,
            ]))
            #expect(edited.status == .ok)
            #expect(edited["title"] == "Edited" && edited.json["passingScore"] as? Int == 60 && edited.json["timeLimitMinutes"] as? Int == 30)
            #expect((edited.json["questions"] as? [[String: Any]])?.first?["rubric"] as? String == "Isolation, reentrancy")
            #expect(edited["status"] == "draft")
            let read = try await app.send(.GET, "/assessments/\(id)", as: recruiter)
            #expect((read.json["questions"] as? [Any])?.count == 2 && read["title"] == "Edited")

            let published = try await app.send(.POST, "/assessments/\(id)/publish", as: recruiter)
            #expect(published.status == .ok && published["status"] == "published")
            #expect(published["aiRunId"] != nil)
            let again = try await app.send(.POST, "/assessments/\(id)/publish", as: recruiter)
            #expect(again.status == .ok && again["status"] == "published")

            let late = try await app.send(.PATCH, "/assessments/\(id)", as: recruiter, json: JSON(["title": "Too late"]))
            #expect(late.status == .conflict && late.code == "assessment_published")
            let typed = try await app.send(.PATCH, "/assessments/\(setting.scenario.assessmentID)", as: recruiter, json: JSON(["title": "X"]))
            #expect(typed.status == .conflict && typed.code == "assessment_published")

            let sent = try await app.send(.POST, "/assessments/invitations/create", as: recruiter, json: invite)
            #expect(sent.status == .created)

            // The candidate never sees the rubric.
            let token = try await setting.scenario.latestToken(app, invitationID: try #require(sent["id"]))
            let opened = try await app.send(.GET, "/assessments/invitations/\(try #require(sent["id"]))?token=\(token)")
            let shown = try #require((opened.json["assessment"] as? [String: Any])?["questions"] as? [[String: Any]])
            #expect(shown.count == 2 && shown.allSatisfy { $0["rubric"] == nil && $0["correct"] == nil })
        }
    }

    @Test func editsFollowTheCreateRules() async throws {
        let chat = ScriptedChatClient([.content(DraftAnswers.text(DraftAnswers.valid()))])
        try await withHirebase(on: .sqlite, overrides: ServiceOverrides(chat: chat)) { app in
            let setting = try await Self.setting(app)
            let id = try await Self.draft(app, setting)
            for (body, field) in [
                (["title": "  "] as [String: Any], "title"),
                (["passingScore": 101], "passingScore"),
                (["questions": [] as [Any]], "questions"),
                (["questions": [["id": "a", "prompt": "p", "kind": "single_choice", "choices": ["x", "y"], "correct": ["x"], "rubric": "no"]]], "questions[0].rubric"),
                (["questions": [["id": "a", "prompt": "p", "kind": "text", "rubric": String(repeating: "r", count: 4001)]]], "questions[0].rubric"),
            ] {
                let response = try await app.send(.PATCH, "/assessments/\(id)", as: setting.scenario.recruiter, json: JSON(body))
                #expect(response.status == .badRequest)
                let errors = response.json["errors"] as? [[String: String]] ?? []
                #expect(errors.contains { $0["field"] == field }, "\(field): \(errors)")
            }
            let viewer = try await setting.scenario.addMember(app, role: "viewer", name: "viewer")
            let byViewer = try await app.send(.PATCH, "/assessments/\(id)", as: viewer, json: JSON(["title": "V"]))
            #expect(byViewer.status == .forbidden)
            let publishByViewer = try await app.send(.POST, "/assessments/\(id)/publish", as: viewer)
            #expect(publishByViewer.status == .forbidden)
            let byStranger = try await app.send(.POST, "/assessments/\(id)/publish", as: TestUser("stranger"))
            #expect(byStranger.status == .notFound)
            let list = try await app.send(.GET, "/assessments?companyId=\(setting.scenario.companyID)", as: viewer)
            let statuses = (list.json["items"] as? [[String: Any]])?.compactMap { $0["status"] as? String }
            #expect(statuses == ["draft", "published"])
        }
    }

    @Test func typedAssessmentsAcceptRubricsOnTextOnly() async throws {
        try await withHirebase(on: .sqlite) { app in
            let scenario = try await Scenario.make(app)
            let created = try await app.send(.POST, "/assessments", as: scenario.recruiter, json: JSON([
                "companyId": scenario.companyID, "title": "T",
                "questions": [["id": "a", "prompt": "Why?", "kind": "text", "rubric": " Because "]],
            ]))
            #expect(created.status == .created)
            #expect(created["status"] == "published" && created["aiRunId"] == nil)
            #expect((created.json["questions"] as? [[String: Any]])?.first?["rubric"] as? String == "Because")
            let refused = try await app.send(.POST, "/assessments", as: scenario.recruiter, json: JSON([
                "companyId": scenario.companyID, "title": "T",
                "questions": [["id": "a", "prompt": "2+2?", "kind": "single_choice", "choices": ["3", "4"], "correct": ["4"], "rubric": "r"]],
            ]))
            #expect(refused.status == .badRequest)
            #expect((refused.json["errors"] as? [[String: String]])?.first?["field"] == "questions[0].rubric")
        }
    }
}
