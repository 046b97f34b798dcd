import Foundation
import NIOConcurrencyHelpers
import Testing
import Vapor
import VaporTesting
@testable import HirebaseApp

@Suite("hirebase probe")
struct ProbeTests {
    static let secret = "whsec_probe_test"

    /// Serves `app` on a free loopback port for `body`, then stops the server.
    func serving(_ app: Application, _ body: (String) async throws -> Void) async throws {
        try await app.server.start(address: .hostname("127.0.0.1", port: 0))
        do {
            let port = try #require(app.http.server.shared.localAddress?.port)
            try await body("http://127.0.0.1:\(port)")
        } catch {
            await app.server.shutdown()
            throw error
        }
        await app.server.shutdown()
    }

    /// `timeout` is generous: under the whole suite and a busy loop on 2 cores a step once took
    /// over 10 s to answer.
    func probe(_ base: String, token: String, secret: String? = ProbeTests.secret, timeout: Int = 60) async throws -> [Probe.StepResult] {
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))
        let options = Probe.Options(baseURL: base, token: token, webhookSecret: secret, timeoutSeconds: timeout)
        let results = await Probe(options: options, client: client).run()
        try await client.shutdown()
        return results
    }

    @Test func everyStepPassesAgainstAServedApp() async throws {
        try await withHirebase(on: .sqlite, environment: ["STRIPE_WEBHOOK_SECRET": Self.secret]) { app in
            try await serving(app) { base in
                let user = TestUser("probe")
                let token = try await user.token()
                let first = try await probe(base, token: token)
                #expect(first.filter(\.failed) == [], "\(first.map(\.line))")
                #expect(first.map(\.name) == Probe.stepNames)
                #expect(first.first { $0.name == "job-action" }?.line.contains("(publish)") == true)
                #expect(first.allSatisfy { if case .ok = $0.outcome { true } else { false } })

                // A second run reuses the company and the job, and moves the job on.
                let second = try await probe(base, token: token)
                #expect(second.filter(\.failed) == [], "\(second.map(\.line))")
                #expect(!second.map(\.name).contains("company") && !second.map(\.name).contains("job"))
                #expect(second.first { $0.name == "job-action" }?.line.contains("(close)") == true)
                let companies = try await app.send(.GET, "/companies", as: user)
                #expect((try JSONSerialization.jsonObject(with: Data(buffer: companies.body)) as? [Any])?.count == 1)
                // The line never shows the token.
                #expect(!(first + second).map(\.line).joined().contains(token))
            }
        }
    }

    @Test func aWrongWebhookSecretFailsTheWebhookStep() async throws {
        try await withHirebase(on: .sqlite, environment: ["STRIPE_WEBHOOK_SECRET": Self.secret]) { app in
            try await serving(app) { base in
                let results = try await probe(base, token: try await TestUser("probe").token(), secret: "whsec_wrong")
                #expect(results.filter(\.failed).map(\.name) == ["webhook"])
                let line = try #require(results.last?.line)
                #expect(line.hasPrefix("FAIL webhook: 401 invalid_webhook_signature"))
            }
        }
    }

    @Test func anInvalidTokenFailsTheAuthenticatedSteps() async throws {
        try await withHirebase(on: .sqlite, environment: ["STRIPE_WEBHOOK_SECRET": Self.secret]) { app in
            try await serving(app) { base in
                let results = try await probe(base, token: "not-a-token", secret: nil)
                #expect(results.first { $0.name == "health" }?.failed == false)
                #expect(results.first { $0.name == "companies" }?.line.hasPrefix("FAIL companies: 401 unauthorized") == true)
                #expect(results.first { $0.name == "jobs" }?.outcome == .skipped("needs the probe company"))
                #expect(results.last?.outcome == .skipped("STRIPE_WEBHOOK_SECRET is not set"))
            }
        }
    }

    @Test func aStoppedServerFailsTheHealthStepAndSkipsTheRest() async throws {
        // A port that was free a moment ago: nothing listens there.
        let port = try await {
            let app = try await Application.make(.testing)
            try await app.server.start(address: .hostname("127.0.0.1", port: 0))
            let port = app.http.server.shared.localAddress?.port ?? 1
            await app.server.shutdown()
            try await app.asyncShutdown()
            return port
        }()
        let results = try await probe("http://127.0.0.1:\(port)", token: "t", timeout: 2)
        #expect(results.first?.name == "health")
        #expect(results.first?.line.hasPrefix("FAIL health: ") == true)
        #expect(results.filter(\.failed).count == 1)
        #expect(results.dropFirst().map(\.outcome) == Array(repeating: .skipped("needs health"), count: Probe.stepNames.count - 1))
    }

    /// A server that answers `/health` at once and then sends every other route's head and a
    /// first byte of its body, and never the rest. Without a bound on the whole exchange the probe
    /// waited for ever (AsyncHTTPClient's deadline ends at the head); the test's time limit is a
    /// hang guard, not a speed check.
    @Test(.timeLimit(.minutes(2))) func aServerThatStallsMidBodyFailsTheStepWithinItsTimeout() async throws {
        let stopped = NIOLockedValueBox(false)
        let server = try await LoopbackServer.start { app in
            app.get("health") { _ in "{}" }
            app.get("**") { _ -> Response in
                Response(status: .ok, headers: ["Content-Type": "application/json"], body: .init(asyncStream: { writer in
                    try await writer.write(.buffer(ByteBuffer(string: "[")))
                    // Stalls until the test ends (so that the server can stop).
                    while !stopped.withLockedValue({ $0 }) { try? await Task.sleep(for: .milliseconds(50)) }
                    try await writer.write(.end)
                }))
            }
        }
        let results = try await probe(server.baseURL.absoluteString, token: "t", secret: nil, timeout: 1)
        stopped.withLockedValue { $0 = true }
        try await server.stop()
        #expect(results.first { $0.name == "health" }?.failed == false)
        #expect(results.first { $0.name == "ready" }?.line == "FAIL ready: no complete answer within 1 s")
        #expect(results.first { $0.name == "companies" }?.failed == true)
    }

    /// What a failure line quotes from a hostile or misconfigured server (an echo of the
    /// request's headers, terminal escape sequences) never shows the token nor reaches the terminal
    /// as control characters.
    @Test func failureLinesHideTheTokenAndControlCharacters() async throws {
        let token = "eyJ.probe-secret-token." + String(repeating: "x", count: 300)
        let server = try await LoopbackServer.start { app in
            app.get("health") { _ in "{}" }
            app.get("health", "ready") { req -> Response in
                // Not the contract's error JSON: the start of the body is quoted.
                Response(status: .badGateway, body: .init(string: "\u{1B}]0;pwned\u{07}\u{1B}[2Jproxy says: \(req.headers.first(name: .userAgent) ?? "")"))
            }
            app.get("companies") { req -> Response in
                let echoed = req.headers.first(name: .authorization) ?? ""
                let body = #"{"code":"x\u001b[31m","detail":"\#(echoed)","requestId":"r"}"#
                return Response(status: .internalServerError, headers: ["Content-Type": "application/json"], body: .init(string: body))
            }
            app.get("**") { req -> Response in
                Response(status: .internalServerError, body: .init(string: "headers: Authorization: \(req.headers.first(name: .authorization) ?? "")"))
            }
        }
        let results = try await probe(server.baseURL.absoluteString, token: token, secret: nil, timeout: 5)
        try await server.stop()
        let lines = results.map(\.line)
        #expect(lines.contains("FAIL ready: 502 ?]0;pwned??[2Jproxy says: hirebase-probe"), "\(lines)")
        #expect(lines.contains("FAIL companies: 500 x?[31m Bearer [token] (request r)"), "\(lines)")
        #expect(lines.contains("FAIL invitations: 500 headers: Authorization: Bearer [token]"), "\(lines)")
        // Not even a prefix of it (a cut after 120 or 200 characters).
        #expect(!lines.joined().contains("probe-secret"))
        #expect(!lines.joined().unicodeScalars.contains { $0.properties.generalCategory == .control })
    }

    @Test func optionsAreCheckedBeforeAnythingIsSent() throws {
        func options(_ arguments: [String], _ environment: [String: String] = [:]) throws -> Probe.Options {
            var input = CommandInput(arguments: ["probe"] + arguments)
            return try ProbeCommand.options(try ProbeCommand.Signature(from: &input), environment: environment)
        }
        #expect(throws: CommandUsageError.self) { try options(["--token", "t"]) }
        #expect(throws: CommandUsageError.self) { try options(["--base-url", "ftp://x", "--token", "t"]) }
        #expect(throws: CommandUsageError.self) { try options(["--base-url", "https://x/?a=1", "--token", "t"]) }
        // A URL with user information is refused without printing it (the password).
        for url in ["https://probe:s3cret-pw@api.example.com/v1", "http://:s3cret-pw@api.example.com", "https://u:s3cret pw@x"] {
            #expect(throws: CommandUsageError("--base-url must be an http or https URL without user, query or fragment (got \(url.hasPrefix("https") ? "https" : "http")://***@\(url.split(separator: "@").last!))")) {
                try options(["--base-url", url, "--token", "t"])
            }
        }
        #expect(throws: CommandUsageError.self) { try options(["--base-url", "https://x"]) }
        #expect(throws: CommandUsageError.self) { try options(["--base-url", "https://x", "--token", "t", "--timeout", "0"]) }
        let parsed = try options(["--base-url", "https://api.example.com/v1/"], ["HIREBASE_PROBE_TOKEN": "env-token", "STRIPE_WEBHOOK_SECRET": "whsec_a, whsec_b"])
        #expect(parsed.baseURL == "https://api.example.com/v1")
        #expect(parsed.token == "env-token")
        #expect(parsed.webhookSecret == "whsec_a")
        #expect(parsed.timeoutSeconds == 10)
    }
}
