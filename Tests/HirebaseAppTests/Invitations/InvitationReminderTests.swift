import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting
@testable import HirebaseApp

/// Invitation reminders (`INVITATION_REMINDER_HOURS`): one e-mail before expiry, with a fresh
/// link, to candidates who have not finished; never after completion or cancellation, never twice.
@Suite("Invitation reminders")
struct InvitationReminderTests {
    /// The app with reminders 24 h before expiry, e-mail to a fake provider, on `clock`.
    func withReminders(on database: TestDatabase, clock: ManualClock, _ body: (Application, FakeEmailAPI) async throws -> Void) async throws {
        let api = try await FakeEmailAPI.start()
        var environment = api.environment
        environment["INVITATION_REMINDER_HOURS"] = "24"
        try await withHirebase(on: database, environment: environment, overrides: ServiceOverrides(clock: clock.wall)) { app in
            try await body(app, api)
        }
        try await api.server.stop()
    }

    /// Runs the reminder sweep as the periodic job does, then every due delivery.
    @discardableResult
    func sweep(_ app: Application) async throws -> Int {
        let queue = app.hirebase.backgroundJobs
        try await queue.enqueue("invitations.remind", on: app.db)
        return await queue.runDue(on: app.db)
    }

    /// An invitation expiring in 10 h, its first e-mail sent, and a minute later its reminder
    /// queued (not yet delivered).
    func inviteAndQueueItsReminder(_ app: Application, clock: ManualClock) async throws -> (Scenario, (id: String, token: String)) {
        let scenario = try await Scenario.make(app)
        let invitation = try await scenario.invite(app, extra: ["expiresInHours": 10])
        await app.hirebase.backgroundJobs.runDue(on: app.db)
        clock.advance(by: .seconds(60))
        #expect(try await app.hirebase.invitations.queueDueReminders(lead: 24 * 3600, on: app.db, logger: app.logger) == 1)
        return (scenario, invitation)
    }

    func token(in text: String) throws -> String {
        String(try #require(text.firstMatch(of: /token=([A-Za-z0-9_\-]+)/)).1)
    }

    @Test(arguments: TestDatabase.all)
    func oneReminderWithAFreshLinkThatOpensTheInvitation(database: TestDatabase) async throws {
        let clock = ManualClock()
        try await withReminders(on: database, clock: clock) { app, api in
            let scenario = try await Scenario.make(app)
            let invitation = try await scenario.invite(app, extra: ["expiresInHours": 72])
            try await sweep(app)
            #expect(api.received.values.map(\.subject) == ["Your assessment: Basics"])

            // 47 h before expiry: not yet; 23 h before: the reminder.
            clock.advance(by: .seconds(25 * 3600))
            try await sweep(app)
            #expect(api.received.values.count == 1)
            clock.advance(by: .seconds(24 * 3600))
            try await sweep(app)
            let messages = api.received.values
            try #require(messages.count == 2)
            #expect(messages[1].subject == "Reminder: Basics")
            #expect(messages[1].to == ["Candidate@example.com"])
            let fresh = try token(in: messages[1].text)
            #expect(fresh != invitation.token)
            #expect(messages[1].text.contains("/assessments/invitations/\(invitation.id)?token="))

            // Both links open it: the candidate may be half-way through with the first.
            let byReminder = try await app.send(.GET, "/assessments/invitations/\(invitation.id)?token=\(fresh)")
            #expect(byReminder.status == .ok)
            #expect(byReminder["status"] == "opened")
            #expect(try await app.send(.GET, "/assessments/invitations/\(invitation.id)?token=\(invitation.token)").status == .ok)

            // Never twice, however many sweeps.
            for _ in 0..<3 {
                clock.advance(by: .seconds(3600))
                try await sweep(app)
            }
            #expect(api.received.values.count == 2)
            let stored = try #require(try await Invitation.find(UUID(uuidString: invitation.id), on: app.db))
            #expect(stored.reminderSentAt != nil)
        }
    }

    @Test(arguments: TestDatabase.all)
    func noReminderForACompletedOrCancelledInvitation(database: TestDatabase) async throws {
        let clock = ManualClock()
        try await withReminders(on: database, clock: clock) { app, api in
            let scenario = try await Scenario.make(app)
            let completed = try await scenario.invite(app, email: "done@example.com", extra: ["expiresInHours": 30])
            let cancelled = try await scenario.invite(app, email: "gone@example.com", extra: ["expiresInHours": 30])
            let open = try await scenario.invite(app, email: "open@example.com", extra: ["expiresInHours": 30])
            let submitted = try await app.send(.POST, "/assessments/invitations/\(completed.id)/submit",
                                               json: JSON(["token": completed.token, "answers": [["questionId": "q1", "answer": "4"]]]))
            #expect(submitted.status == .ok)
            let csrf = try await scenario.csrf(app)
            #expect(try await app.send(.POST, "/assessments/invitations/\(cancelled.id)/cancel", as: scenario.recruiter,
                                       headers: ["X-CSRF-Token": csrf]).status == .ok)
            clock.advance(by: .seconds(7 * 3600))
            try await sweep(app)
            let reminders = api.received.values.filter { $0.subject.hasPrefix("Reminder:") }
            #expect(reminders.map(\.to) == [["open@example.com"]])
            _ = open
        }
    }

    /// Completed after its reminder was queued but before it went out: the reminder is
    /// withdrawn, visibly, instead of sent.
    @Test(arguments: TestDatabase.all)
    func aReminderQueuedBeforeCompletionIsWithdrawn(database: TestDatabase) async throws {
        let clock = ManualClock()
        try await withReminders(on: database, clock: clock) { app, api in
            let (scenario, invitation) = try await inviteAndQueueItsReminder(app, clock: clock)
            let submitted = try await app.send(.POST, "/assessments/invitations/\(invitation.id)/submit",
                                               json: JSON(["token": invitation.token, "answers": [["questionId": "q1", "answer": "4"]]]))
            #expect(submitted.status == .ok)
            await app.hirebase.backgroundJobs.runDue(on: app.db)
            #expect(api.received.values.map(\.subject) == ["Your assessment: Basics"])
            let read = try await app.send(.GET, "/assessments/invitations/\(invitation.id)", as: scenario.recruiter)
            let delivery = try #require(read.json["delivery"] as? [String: Any])
            #expect(delivery["status"] as? String == "failed")
            #expect(delivery["lastError"] as? String == "invitation completed before sending")
            #expect(try await BackgroundJobStore().counts(on: app.db).dead == 0)
        }
    }

    /// Past its expiry before the delivery runs (retries, a backlog) but not yet marked
    /// `expired` by the sweep: the reminder, whose link no longer works, is withdrawn, not sent.
    @Test(arguments: TestDatabase.all)
    func aReminderDueAfterTheExpiryIsWithdrawnEvenBeforeTheSweep(database: TestDatabase) async throws {
        let clock = ManualClock()
        try await withReminders(on: database, clock: clock) { app, api in
            let (scenario, invitation) = try await inviteAndQueueItsReminder(app, clock: clock)
            clock.advance(by: .seconds(11 * 3600))
            // Only the delivery runs (no expiry sweep queued): the invitation is still `sent`.
            await app.hirebase.backgroundJobs.runDue(on: app.db)
            #expect(api.received.values.map(\.subject) == ["Your assessment: Basics"])
            let reminder = try #require(try await OutboxEmail.query(on: app.db).filter(\.$subject == "Reminder: Basics").first())
            #expect(reminder.status == .failed)
            #expect(reminder.lastError == "invitation expired before sending")
            #expect(reminder.textBody == nil)
            _ = (scenario, invitation)
        }
    }

    /// Two instances sweep at the same moment: one reminder.
    @Test(arguments: TestDatabase.all)
    func twoSweepsAtOnceQueueOneReminder(database: TestDatabase) async throws {
        let clock = ManualClock()
        try await withReminders(on: database, clock: clock) { app, _ in
            let scenario = try await Scenario.make(app)
            for index in 0..<5 { _ = try await scenario.invite(app, email: "c\(index)@example.com", extra: ["expiresInHours": 5]) }
            let invitations = app.hirebase.invitations
            async let first = invitations.queueDueReminders(lead: 24 * 3600, on: app.db, logger: app.logger)
            async let second = invitations.queueDueReminders(lead: 24 * 3600, on: app.db, logger: app.logger)
            #expect(try await first + second == 5)
            let reminders = try await OutboxEmail.query(on: app.db).filter(\.$subject == "Reminder: Basics").count()
            #expect(reminders == 5)
        }
    }

    /// A resend rotates the link: the reminder's link stops working too.
    @Test func aResendRetiresTheReminderLink() async throws {
        let clock = ManualClock()
        try await withReminders(on: .sqlite, clock: clock) { app, api in
            let scenario = try await Scenario.make(app)
            let invitation = try await scenario.invite(app, extra: ["expiresInHours": 10])
            try await sweep(app)
            let reminderToken = try token(in: try #require(api.received.values.last?.text))
            #expect(try await app.send(.GET, "/assessments/invitations/\(invitation.id)?token=\(reminderToken)").status == .ok)
            #expect(try await app.send(.POST, "/assessments/invitations/\(invitation.id)/resend", as: scenario.recruiter).status == .ok)
            #expect(try await app.send(.GET, "/assessments/invitations/\(invitation.id)?token=\(reminderToken)").status == .forbidden)
        }
    }

    @Test func remindersOffSendNone() async throws {
        let clock = ManualClock()
        try await withHirebase(on: .sqlite, environment: ["INVITATION_REMINDER_HOURS": "0"], overrides: ServiceOverrides(clock: clock.wall)) { app in
            let scenario = try await Scenario.make(app)
            _ = try await scenario.invite(app, extra: ["expiresInHours": 2])
            #expect(try await app.hirebase.invitations.queueDueReminders(lead: app.hirebase.config.invitationReminderHours * 3600,
                                                                           on: app.db, logger: app.logger) == 0)
        }
    }
}
