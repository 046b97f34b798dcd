import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting
@testable import HirebaseApp

/// A Resend-style e-mail API on loopback that answers with scripted statuses.
struct FakeEmailAPI {
    struct Received: Sendable {
        var authorization: String?
        var to: [String]
        var subject: String
        var text: String
        var idempotencyKey: String?
    }

    let server: LoopbackServer
    let received: Recorder<Received>
    let calls: Counter

    /// - Parameter statuses: the status of the n-th call (1-based); 200 once they run out.
    static func start(statuses: [UInt] = []) async throws -> FakeEmailAPI {
        let received = Recorder<Received>()
        let calls = Counter()
        let server = try await LoopbackServer.start { app in
            app.post("emails") { req -> Response in
                let call = calls.next()
                struct Body: Content { var from: String; var to: [String]; var subject: String; var text: String }
                let body = try req.content.decode(Body.self)
                received.append(Received(authorization: req.headers.first(name: .authorization), to: body.to, subject: body.subject, text: body.text,
                                         idempotencyKey: req.headers.first(name: "Idempotency-Key")))
                let status = call <= statuses.count ? statuses[call - 1] : 200
                if status == 200 {
                    return Response(status: .ok, headers: ["Content-Type": "application/json"], body: .init(string: #"{"id":"msg_\#(call)"}"#))
                }
                return Response(status: .init(statusCode: Int(status)), body: .init(string: #"{"message":"scripted failure"}"#))
            }
        }
        return FakeEmailAPI(server: server, received: received, calls: calls)
    }

    var environment: [String: String] {
        ["EMAIL_PROVIDER": "resend", "EMAIL_API_BASE": server.baseURL.absoluteString, "EMAIL_API_KEY": "re_test_key", "EMAIL_MAX_ATTEMPTS": "3",
         "EMAIL_RETRY_BASE_SECONDS": "5"]
    }
}

@Suite("E-mail outbox")
struct OutboxDeliveryTests {
    /// Runs the due jobs (the e-mail deliveries) as a worker named `worker` would; the first
    /// retry waits 2.5 to 5 s (`EMAIL_RETRY_BASE_SECONDS=5` with jitter).
    @discardableResult
    func deliverDue(_ app: Application, worker: String = "test") async -> Int {
        await app.hirebase.backgroundJobs.runDue(worker: worker, on: app.db)
    }

    @Test(arguments: TestDatabase.all)
    func failedSendIsRetriedWithBackoffThenSent(database: TestDatabase) async throws {
        let api = try await FakeEmailAPI.start(statuses: [500])
        let clock = ManualClock()
        try await withHirebase(on: database, environment: api.environment, overrides: ServiceOverrides(clock: clock.wall)) { app in
            let scenario = try await Scenario.make(app)
            let invitation = try await scenario.invite(app)
            #expect(await deliverDue(app) == 1)

            let afterFailure = try await app.send(.GET, "/assessments/invitations/\(invitation.id)", as: scenario.recruiter)
            let delivery = try #require(afterFailure.json["delivery"] as? [String: Any])
            #expect(delivery["status"] as? String == "queued")
            #expect(delivery["attempts"] as? Int == 1)
            #expect((delivery["lastError"] as? String)?.contains("500") == true)
            #expect(afterFailure["status"] == "pending")

            // Not due before the backoff has passed.
            clock.advance(by: .seconds(2))
            #expect(await deliverDue(app) == 0)
            clock.advance(by: .seconds(4))
            #expect(await deliverDue(app) == 1)

            let afterRetry = try await app.send(.GET, "/assessments/invitations/\(invitation.id)", as: scenario.recruiter)
            #expect(afterRetry["status"] == "sent")
            let sent = try #require(afterRetry.json["delivery"] as? [String: Any])
            #expect(sent["status"] as? String == "sent")
            #expect(sent["attempts"] as? Int == 2)

            let messages = api.received.values
            #expect(messages.count == 2)
            #expect(messages.last?.authorization == "Bearer re_test_key")
            #expect(messages.last?.to == ["Candidate@example.com"])
            #expect(messages.last?.text.contains("token=\(invitation.token)") == true)
            // Both tries carried the message's one idempotency key: the provider delivers it once.
            let outboxID = try #require(try await OutboxEmail.query(on: app.db).first()?.id)
            #expect(messages.map(\.idempotencyKey) == [outboxID.lowercased, outboxID.lowercased])
            // The secret link does not stay in the database once sent.
            #expect(try await OutboxEmail.query(on: app.db).first()?.textBody == nil)
        }
        try await api.server.stop()
    }

    @Test func refusedMessageFailsAtOnceAndVisibly() async throws {
        let api = try await FakeEmailAPI.start(statuses: [422])
        try await withHirebase(on: .sqlite, environment: api.environment) { app in
            let scenario = try await Scenario.make(app)
            let invitation = try await scenario.invite(app)
            await deliverDue(app)
            let response = try await app.send(.GET, "/assessments/invitations/\(invitation.id)", as: scenario.recruiter)
            let delivery = try #require(response.json["delivery"] as? [String: Any])
            #expect(delivery["status"] as? String == "failed")
            #expect((delivery["lastError"] as? String)?.contains("422") == true)
        }
        try await api.server.stop()
    }

    @Test func givesUpAfterMaxAttempts() async throws {
        let api = try await FakeEmailAPI.start(statuses: [503, 503, 503, 503])
        let clock = ManualClock()
        try await withHirebase(on: .sqlite, environment: api.environment, overrides: ServiceOverrides(clock: clock.wall)) { app in
            let scenario = try await Scenario.make(app)
            _ = try await scenario.invite(app)
            for _ in 0..<5 {
                await deliverDue(app)
                clock.advance(by: .seconds(3600))
            }
            #expect(api.calls.value == 3)
            let email = try #require(try await OutboxEmail.query(on: app.db).first())
            #expect(email.status == .failed)
            #expect(email.attempts == 3)
            // The job is kept as dead with its last error, never deleted.
            let job = try #require(try await BackgroundJobStore().list(limit: 10, on: app.db).first)
            #expect(job.status == .dead)
            #expect(job.attempts == 3)
            #expect(job.lastError?.contains("503") == true)
            // `hirebase jobs retry ID` cannot bring it back (its text was dropped): it says so
            // instead of reporting "requeued" for a run that would end done without sending.
            await #expect(throws: CommandUsageError.self) {
                _ = try await JobsCommand.retry(job.id.uuidString, now: clock.date, on: app.db)
            }
            #expect(try await BackgroundJobStore().list(limit: 10, on: app.db).first?.status == .dead)
            await #expect(throws: CommandUsageError.self) {
                _ = try await JobsCommand.retry("not-a-uuid", now: clock.date, on: app.db)
            }
        }
        try await api.server.stop()
    }

    @Test func unreachableProviderIsRetryable() async throws {
        let api = try await FakeEmailAPI.start()
        let environment = api.environment
        try await api.server.stop()
        try await withHirebase(on: .sqlite, environment: environment) { app in
            let scenario = try await Scenario.make(app)
            _ = try await scenario.invite(app)
            await deliverDue(app)
            let email = try #require(try await OutboxEmail.query(on: app.db).first())
            #expect(email.status == .queued)
            #expect(email.lastError?.contains("unreachable") == true)
        }
    }

    @Test func aClaimedMessageIsNotSentTwice() async throws {
        let api = try await FakeEmailAPI.start()
        try await withHirebase(on: .sqlite, environment: api.environment) { app in
            let scenario = try await Scenario.make(app)
            for index in 0..<6 { _ = try await scenario.invite(app, email: "c\(index)@example.com") }
            // Two "instances" deliver at the same moment.
            async let first = deliverDue(app, worker: "a")
            async let second = deliverDue(app, worker: "b")
            let total = await first + second
            #expect(total == 6)
            #expect(api.calls.value == 6)
            #expect(Set(api.received.values.flatMap(\.to)).count == 6)
        }
        try await api.server.stop()
    }

    /// Resend answers 409 `concurrent_idempotent_requests` while an earlier request with the same
    /// Idempotency-Key is still in progress (one that timed out here, or the run of a worker whose
    /// lease was taken over or released at shutdown): "try again later". It must be retried, not
    /// make the message `failed` with its body dropped (the e-mail would be lost).
    @Test func aConcurrentIdempotentRequestAnswerIsRetried() async throws {
        let calls = Counter()
        let keys = Recorder<String>()
        let server = try await LoopbackServer.start { app in
            app.post("emails") { req -> Response in
                keys.append(req.headers.first(name: "Idempotency-Key") ?? "")
                if calls.next() == 1 {
                    return Response(status: .conflict, headers: ["Content-Type": "application/json"], body: .init(string: """
                        {"statusCode":409,"name":"concurrent_idempotent_requests","message":"Same idempotency key used while original request is still in progress."}
                        """))
                }
                return Response(status: .ok, headers: ["Content-Type": "application/json"], body: .init(string: #"{"id":"msg_1"}"#))
            }
        }
        let clock = ManualClock()
        let environment = ["EMAIL_PROVIDER": "resend", "EMAIL_API_BASE": server.baseURL.absoluteString, "EMAIL_API_KEY": "re_test_key",
                           "EMAIL_MAX_ATTEMPTS": "3", "EMAIL_RETRY_BASE_SECONDS": "5"]
        try await withHirebase(on: .sqlite, environment: environment, overrides: ServiceOverrides(clock: clock.wall)) { app in
            let scenario = try await Scenario.make(app)
            _ = try await scenario.invite(app)
            await deliverDue(app)
            var email = try #require(try await OutboxEmail.query(on: app.db).first())
            #expect(email.status == .queued)
            #expect(email.textBody != nil)
            clock.advance(by: .seconds(60))
            await deliverDue(app)
            email = try #require(try await OutboxEmail.query(on: app.db).first())
            #expect(email.status == .sent)
            #expect(calls.value == 2)
            #expect(Set(keys.values).count == 1)
        }
        try await server.stop()
    }

    /// A 409 for a key reused with another payload stays final (retrying cannot help).
    @Test func anInvalidIdempotentRequestAnswerIsFinal() async throws {
        let server = try await LoopbackServer.start { app in
            app.post("emails") { _ -> Response in
                Response(status: .conflict, body: .init(string: #"{"statusCode":409,"name":"invalid_idempotent_request"}"#))
            }
        }
        try await withHirebase(on: .sqlite) { app in
            let sender = ResendEmailSender(client: app.client, baseURL: server.baseURL, apiKey: "re_test_key")
            do {
                _ = try await sender.send(EmailMessage(from: "a@example.com", to: "b@example.com", subject: "s", text: "t", html: nil, idempotencyKey: "k"))
                Issue.record("expected a failure")
            } catch let error as EmailDeliveryError {
                #expect(error.retryable == false)
            }
        }
        try await server.stop()
    }

    /// A provider call cancelled by a shutdown (on the job's last attempt) leaves the message
    /// queued with its text, not `failed` with its body dropped.
    @Test func aSendCancelledByShutdownLeavesTheMessageQueued() async throws {
        struct HangingSender: EmailSending {
            let started: Counter
            func send(_ message: EmailMessage) async throws(EmailDeliveryError) -> String? {
                _ = started.next()
                do { try await Task.sleep(for: .seconds(60)) } catch {
                    throw EmailDeliveryError(message: "e-mail API unreachable: \(error)", retryable: true)
                }
                return "msg"
            }
        }
        let started = Counter()
        try await withHirebase(on: .sqlite, environment: ["EMAIL_MAX_ATTEMPTS": "1"],
                               overrides: ServiceOverrides(emailSender: HangingSender(started: started))) { app in
            let scenario = try await Scenario.make(app)
            _ = try await scenario.invite(app)
            let run = Task { await app.hirebase.backgroundJobs.runNext(worker: "stopping", on: app.db) }
            for _ in 0..<400 where started.value == 0 { try await Task.sleep(for: .milliseconds(25)) }
            #expect(started.value == 1)
            run.cancel()
            _ = await run.value
            let email = try #require(try await OutboxEmail.query(on: app.db).first())
            #expect(email.status == .queued)
            #expect(email.textBody != nil)
            #expect(try await BackgroundJobStore().counts(on: app.db).dead == 0)
        }
    }
}
