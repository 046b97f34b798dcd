import Foundation
import Testing
import Vapor
import VaporTesting
@testable import HirebaseApp

/// What reaches the provider over HTTP, read from the bytes the Chat Completions double received
/// (the live client, not an in-process fake): never the candidate's name, e-mail or invitation id;
/// the answer texts, yes.
@Suite("AI privacy over HTTP")
struct AIPrivacyOverHTTPTests {
    @Test(arguments: TestDatabase.all)
    func theGradingRequestBodyHoldsTheAnswersAndNoCandidate(database: TestDatabase) async throws {
        let grades = #"{"grades": [{"questionId": "q2", "points": 3, "rationale": "Names the properties."}, "#
            + #"{"questionId": "q3", "points": 5, "rationale": "Cause, diagnosis and fix."}]}"#
        let double = try await ChatCompletionsDouble.start([.content(grades)])
        try await withHirebase(on: database, environment: double.environment()) { app in
            let scenario = try await GradingScenario.make(app)
            #expect(try await scenario.submit(app)["grading"] == "pending")
            _ = await app.hirebase.backgroundJobs.runDue(on: app.db)
            let read = try await scenario.read(app)
            #expect(read["grading"] == "done")
            #expect(read.json["score"] as? Int == 100)
            #expect(double.requests.count == 1)
            #expect(double.bodiesContain(GradingScenario.acidAnswer) && double.bodiesContain(GradingScenario.bugAnswer))
            for secret in [GradingScenario.candidateName, GradingScenario.candidateEmail, scenario.invitationID,
                           scenario.invitationID.uppercased(), "zelda.quokka"] {
                #expect(!double.bodiesContain(secret), "the provider received \(secret)")
            }
        }
        try await double.stop()
    }
}
