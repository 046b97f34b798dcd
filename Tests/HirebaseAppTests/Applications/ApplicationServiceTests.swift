import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting
@testable import HirebaseApp

@Suite("Pipeline service: version-checked moves, clock-stamped history")
struct ApplicationServiceTests {
    @Test(arguments: TestDatabase.all)
    func aMoveFromAStaleReadIsConflictAndTheWinnersHistoryStays(database: TestDatabase) async throws {
        let clock = ManualClock()
        try await withHirebase(on: database, overrides: ServiceOverrides(clock: clock.wall)) { app in
            let scenario = try await Scenario.make(app)
            let jobID = try #require(UUID(uuidString: try await scenario.job(app)))
            let service = app.hirebase.applications
            // Two screens read the draft job (version 0).
            let first = try #require(try await Job.find(jobID, on: app.db))
            let stale = try #require(try await Job.find(jobID, on: app.db))
            let actor = scenario.recruiter.id

            clock.advance(by: .seconds(90))
            let publish = JobActionInput(jobID: jobID, action: .publish, subject: .job)
            let won = try await service.act(publish, on: first, by: actor, on: app.db)
            let archive = JobActionInput(jobID: jobID, action: .archive, subject: .job)
            let refused = try await appError { _ = try await service.act(archive, on: stale, by: actor, on: app.db) }
            #expect(refused?.status == .conflict)
            #expect(refused?.code == "invalid_state_transition")
            #expect(refused?.detail == "The job changed meanwhile; it is open")

            #expect((won.from, won.to) == ("draft", "open"))
            let stored = try #require(try await Job.find(jobID, on: app.db))
            #expect(stored.status == .open)
            #expect(stored.version == 1)
            #expect(stored.history.items.map(\.to) == ["draft", "open"])
            // Every stamp is the injected clock's, to the second.
            #expect(stored.history.items.last?.at == clock.date)
            #expect(stored.history.items.first?.at == clock.startDate)
        }
    }

    @Test(arguments: TestDatabase.all)
    func anApplicationMoveFromAStaleReadIsConflict(database: TestDatabase) async throws {
        let clock = ManualClock()
        try await withHirebase(on: database, overrides: ServiceOverrides(clock: clock.wall)) { app in
            let scenario = try await Scenario.make(app)
            let jobID = try #require(UUID(uuidString: try await scenario.job(app)))
            let candidateID = try #require(UUID(uuidString: try await scenario.candidate(app, email: "stale@example.com")))
            let applied = try await app.send(.POST, "/jobs/\(jobID)/applications", as: scenario.recruiter, json: JSON(["candidateId": candidateID.uuidString]))
            #expect(applied.status == .created)
            let job = try #require(try await Job.find(jobID, on: app.db))
            let service = app.hirebase.applications
            let screen = JobActionInput(jobID: jobID, action: .screen, subject: .application(candidateID: candidateID))

            // A move between this call's read and its write: the same row, one version later.
            let application = try #require(try await JobApplication.query(on: app.db).filter(\.$jobID == jobID).first())
            clock.advance(by: .seconds(5))
            _ = try await service.act(screen, on: job, by: scenario.recruiter.id, on: app.db)
            let reject = JobActionInput(jobID: jobID, action: .reject, subject: .application(candidateID: candidateID), reason: "late")
            let moved = try await ApplicationStore().move(application, to: .rejected, rejectedFrom: .applied, history: application.history,
                                                          at: clock.date, on: app.db)
            #expect(!moved)
            let rejected = try await service.act(reject, on: job, by: scenario.recruiter.id, on: app.db)

            guard case .application(let fresh) = rejected.moved else { Issue.record("expected an application"); return }
            #expect(fresh.stage == .rejected)
            #expect(fresh.rejectedFrom == .screening)
            #expect(fresh.version == 2)
            #expect(fresh.history.items.map(\.to) == ["applied", "screening", "rejected"])
            #expect(fresh.history.items.last?.reason == "late")
            #expect(fresh.history.items.map(\.at) == [clock.startDate, clock.date, clock.date])
        }
    }

    @Test func jobActionBodiesBecomeTypedInputs() async throws {
        let jobID = UUID()
        let candidateID = UUID()
        let job = try JobActionRequest(jobId: jobID, action: "publish", note: "  ", fromStage: "draft").validated()
        #expect(job == JobActionInput(jobID: jobID, action: .publish, subject: .job, reason: nil, note: nil, expectedStage: "draft"))
        let reject = try JobActionRequest(jobId: jobID, action: "reject", candidateId: candidateID, reason: " salary ").validated()
        #expect(reject.subject == .application(candidateID: candidateID))
        #expect(reject.reason == "salary")

        for (body, field) in [
            (JobActionRequest(jobId: jobID, action: "reject", candidateId: candidateID), "reason"),
            (JobActionRequest(jobId: jobID, action: "promote"), "action"),
            (JobActionRequest(jobId: jobID, action: "screen"), "candidateId"),
            (JobActionRequest(jobId: jobID, action: "close", candidateId: candidateID), "candidateId"),
            (JobActionRequest(action: "close"), "jobId"),
        ] {
            let error = try await appError { _ = try body.validated() }
            #expect(error?.status == .badRequest)
            #expect(error?.fieldErrors.map(\.field) == [field])
        }
    }
}

extension JobActionInput {
    init(jobID: UUID, action: JobAction, subject: Subject, reason: String? = nil) {
        self.init(jobID: jobID, action: action, subject: subject, reason: reason, note: nil, expectedStage: nil)
    }
}

/// The `AppError` that `body` throws; `nil` (and a recorded issue) when it throws none.
func appError(_ body: () async throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) async throws -> AppError? {
    do {
        try await body()
    } catch let error as AppError {
        return error
    }
    Issue.record("expected an AppError", sourceLocation: sourceLocation)
    return nil
}
