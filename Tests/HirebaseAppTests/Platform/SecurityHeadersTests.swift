import Foundation
import Logging
import NIOConcurrencyHelpers
import Testing
import Vapor
import VaporTesting
@testable import HirebaseApp

/// OWASP API8:2023 (Security Misconfiguration): the headers every response carries, and 405 for
/// a method a known path does not serve.
@Suite("Security headers and 405")
struct SecurityHeadersTests {
    /// Expects the headers of `SecurityHeadersMiddleware` on `response`.
    func expectSecurityHeaders(_ response: TestingHTTPResponse, _ what: String, hsts: String? = nil) {
        #expect(response.headers[.xContentTypeOptions] == ["nosniff"], "\(what)")
        #expect(response.headers["Referrer-Policy"] == ["no-referrer"], "\(what)")
        #expect(response.headers[.cacheControl] == ["no-store"], "\(what)")
        #expect(response.headers.first(name: .strictTransportSecurity) == hsts, "\(what)")
    }

    @Test func everyResponseCarriesTheSecurityHeadersErrorsIncluded() async throws {
        try await withHirebase(on: .sqlite, environment: ["RATE_LIMITS": "read=1/h,write=off,costly=off,anonymous=off"], setUp: { app in
            app.get("test-failure") { _ -> String in throw CancellationError() }
        }) { app in
            let user = TestUser()
            let checks: [(HTTPMethod, String, TestUser?, HTTPStatus)] = [
                (.GET, "/health", nil, .ok),
                (.GET, "/openapi.json", nil, .ok),
                (.GET, "/companies", nil, .unauthorized),
                (.GET, "/companies", user, .ok),
                (.GET, "/companies", user, .tooManyRequests),
                (.GET, "/csrf-token", user, .ok),
                (.GET, "/no-such-path", nil, .notFound),
                (.DELETE, "/companies", nil, .methodNotAllowed),
                (.GET, "/test-failure", nil, .internalServerError),
            ]
            for (method, path, caller, status) in checks {
                let response = try await app.send(method, path, as: caller)
                #expect(response.status == status, "\(method) \(path)")
                expectSecurityHeaders(response, "\(method) \(path) \(status.code)")
            }
            let unsupported = try await app.send(.POST, "/companies", as: user, headers: ["Content-Type": "text/plain"], raw: "x")
            #expect(unsupported.status == .unsupportedMediaType)
            expectSecurityHeaders(unsupported, "415")
            let tooLarge = try await app.send(.POST, "/companies", as: user, raw: #"{"name":""# + String(repeating: "a", count: 1_100_000) + #""}"#, overNetwork: true)
            #expect(tooLarge.status == .payloadTooLarge)
            expectSecurityHeaders(tooLarge, "413")
        }
    }

    @Test func strictTransportSecurityOnlyWhenConfigured() async throws {
        try await withHirebase(on: .sqlite, environment: ["HSTS_MAX_AGE_SECONDS": "31536000"]) { app in
            let ok = try await app.send(.GET, "/health")
            expectSecurityHeaders(ok, "200", hsts: "max-age=31536000")
            let missing = try await app.send(.GET, "/no-such-path")
            expectSecurityHeaders(missing, "404", hsts: "max-age=31536000")
            #expect(app.hirebase.config.report.text.contains("Strict-Transport-Security max-age=31536000"))
        }
        try await withHirebase(on: .sqlite, environment: ["HSTS_MAX_AGE_SECONDS": "0"]) { app in
            expectSecurityHeaders(try await app.send(.GET, "/health"), "HSTS 0 is off")
        }
    }

    @Test func hstsSettingMustBeAWholeNumberOfSecondsInRange() throws {
        for bad in ["-1", "1.5", "1e6", "forever", "63072001"] {
            let problems: [String]
            do {
                _ = try AppConfig.load(from: ["HIREBASE_ENV": "testing", "SUPABASE_JWT_SECRET": testJWTSecret, "HSTS_MAX_AGE_SECONDS": bad]) { _ in "" }
                problems = []
            } catch let error as ConfigurationError {
                problems = error.problems
            }
            #expect(problems == ["HSTS_MAX_AGE_SECONDS must be a whole number in 0...63072000"], "\(bad)")
        }
        let config = try AppConfig.load(from: ["HIREBASE_ENV": "testing", "SUPABASE_JWT_SECRET": testJWTSecret, "HSTS_MAX_AGE_SECONDS": "63072000"]) { _ in "" }
        #expect(config.hstsMaxAgeSeconds == 63_072_000)
        let unset = try AppConfig.load(from: ["HIREBASE_ENV": "testing", "SUPABASE_JWT_SECRET": testJWTSecret]) { _ in "" }
        #expect(unset.hstsMaxAgeSeconds == 0)
    }

    @Test func aHeaderTheRouteSetIsKept() async throws {
        try await withHirebase(on: .sqlite, setUp: { app in
            app.get("test-own-headers") { _ in
                Response(status: .ok, headers: ["Cache-Control": "public, max-age=60", "Content-Security-Policy": "default-src 'none'",
                                                "Referrer-Policy": "same-origin"])
            }
        }) { app in
            let response = try await app.send(.GET, "/test-own-headers")
            #expect(response.headers[.cacheControl] == ["public, max-age=60"])
            #expect(response.headers["Referrer-Policy"] == ["same-origin"])
            #expect(response.headers["Content-Security-Policy"] == ["default-src 'none'"])
            #expect(response.headers[.xContentTypeOptions] == ["nosniff"])
        }
    }

    // MARK: 405

    @Test(arguments: [
        (HTTPMethod.DELETE, "/companies", "GET, HEAD, POST"),
        (.PUT, "/health", "GET, HEAD"),
        (.POST, "/health/ready", "GET, HEAD"),
        (.DELETE, "/jobs/abc", "GET, HEAD, PATCH"),
        (.PUT, "/jobs/6f1c5b0e-6e57-4c1b-9d55-3a2f3c1e9b10", "GET, HEAD, PATCH"),
        (.GET, "/webhooks/stripe", "POST"),
        // A concrete path is not also its templated neighbour (`/assessments/invitations/:id`
        // serves GET): OpenAPI 3.1 § 4.8.8, the document lists POST only (schemathesis'
        // allow_header_conformance, seed 3).
        (.OPTIONS, "/assessments/invitations/create", "POST"),
        (.DELETE, "/assessments/invitations/create", "POST"),
        (.DELETE, "/assessments/invitations/abc", "GET, HEAD"),
        // ... and GET is refused there, though the router would hand it to the templated route
        // (schemathesis' unsupported_method, seed 7: it answered 404 "Invitation not found").
        (.GET, "/assessments/invitations/create", "POST"),
    ])
    func aMethodAKnownPathDoesNotServeIs405WithAllow(method: HTTPMethod, path: String, allow: String) async throws {
        try await withHirebase(on: .sqlite) { app in
            let response = try await app.send(method, path, as: TestUser())
            #expect(response.status == .methodNotAllowed)
            #expect(response.headers[.allow] == [allow])
            #expect(response.code == "method_not_allowed")
            #expect(response["requestId"] == response.headers.first(name: "X-Request-Id"))
            #expect(response["detail"] == "\(method.rawValue) is not allowed here; allowed: \(allow)")
            #expect(Set(response.json.keys) == ["detail", "code", "requestId"])
        }
    }

    @Test func unknownPathsStay404AndServedMethodsAreUnchanged() async throws {
        try await withHirebase(on: .sqlite) { app in
            for path in ["/no-such-path", "/companies/x/y/z", "/jobs/abc/nothing", "/"] {
                let response = try await app.send(.DELETE, path)
                #expect(response.status == .notFound, "\(path)")
                #expect(response.code == "not_found", "\(path)")
                #expect(!response.headers.contains(name: .allow), "\(path)")
            }
            // A 404 a route answers itself (no such job) is not turned into a 405.
            let noJob = try await app.send(.PATCH, "/jobs/abc", as: TestUser(), json: JSON([:]))
            #expect(noJob.status == .notFound)
            #expect(try await app.send(.HEAD, "/health").status == .ok)
            // HEAD of a shadowed concrete path is refused as its GET is; its templated
            // neighbour still serves GET (a token that does not verify: 404, no such invitation).
            let head = try await app.send(.HEAD, "/assessments/invitations/create")
            #expect(head.status == .methodNotAllowed)
            #expect(head.headers[.allow] == ["POST"])
            let neighbour = try await app.send(.GET, "/assessments/invitations/\(UUID())?token=t")
            #expect(neighbour.status == .notFound)
            let refused = ShadowedRouteMiddleware(routes: app.routes).refused.mapValues { Set($0) }
            #expect(refused == ["GET": [["assessments", "invitations", "create"], ["assessments", "generate"]],
                                "HEAD": [["assessments", "invitations", "create"], ["assessments", "generate"]],
                                "PATCH": [["assessments", "generate"], ["assessments", "invitations"]]])
            let generate = try await app.send(.GET, "/assessments/generate", as: TestUser())
            #expect(generate.status == .methodNotAllowed && generate.headers[.allow] == ["POST"])
            let invitations = try await app.send(.PATCH, "/assessments/invitations", as: TestUser(), json: JSON([:]))
            #expect(invitations.status == .methodNotAllowed)
        }
    }

    @Test func corsPreflightIsStillAnswered() async throws {
        try await withHirebase(on: .sqlite, environment: ["CORS_ALLOWED_ORIGINS": "https://app.example.com"]) { app in
            let preflight = try await app.send(.OPTIONS, "/jobs/abc", headers: [
                "Origin": "https://app.example.com", "Access-Control-Request-Method": "DELETE",
            ])
            #expect(preflight.status == .ok)
            #expect(preflight.headers.first(name: "Access-Control-Allow-Origin") == "https://app.example.com")
            expectSecurityHeaders(preflight, "preflight")
            let wrong = try await app.send(.DELETE, "/jobs/abc", headers: ["Origin": "https://app.example.com"])
            #expect(wrong.status == .methodNotAllowed)
            #expect(wrong.headers.first(name: "Access-Control-Allow-Origin") == "https://app.example.com")
        }
    }

    @Test func allowedMethodsMatchLikeVaporsRouter() {
        let parts: (String) -> [Substring] = { $0.split(separator: "/") }
        #expect(AllowedMethods.matches(["jobs", ":id"], parts("/jobs/abc"), caseInsensitive: false))
        #expect(AllowedMethods.matches(["jobs", ":id"], parts("//jobs//abc/"), caseInsensitive: false))
        #expect(!AllowedMethods.matches(["jobs", ":id"], parts("/jobs"), caseInsensitive: false))
        #expect(!AllowedMethods.matches(["jobs", ":id"], parts("/jobs/a/b"), caseInsensitive: false))
        #expect(!AllowedMethods.matches(["jobs"], parts("/Jobs"), caseInsensitive: false))
        #expect(AllowedMethods.matches(["jobs"], parts("/Jobs"), caseInsensitive: true))
        #expect(AllowedMethods.matches(["files", "**"], parts("/files/a/b"), caseInsensitive: false))
        #expect(!AllowedMethods.matches(["files", "**"], parts("/files"), caseInsensitive: false))
        #expect(AllowedMethods.matches(["a", "*", "c"], parts("/a/b/c"), caseInsensitive: false))
        #expect(AllowedMethods.specificity(["a", "create"]).lexicographicallyPrecedes(AllowedMethods.specificity(["a", ":id"])) == false)
        #expect(AllowedMethods.specificity([":id", "x"]).lexicographicallyPrecedes(AllowedMethods.specificity(["a", ":id"])))
        #expect(AllowedMethods.specificity(["a", "**"]).lexicographicallyPrecedes(AllowedMethods.specificity(["a", ":id"])))
    }
}

/// Fixes from the issue 11 walk-through: each pins what an operator saw.
@Suite("Operator walk-through")
struct OperatorWalkThroughTests {
    @Test func missingAndDegradedSettingsAreLoggedAsWarnings() throws {
        // No Stripe key, no webhook secret, no PUBLIC_APP_URL: missing lines and a degraded one.
        let config = try AppConfig.load(from: ["HIREBASE_ENV": "testing", "SUPABASE_JWT_SECRET": testJWTSecret]) { _ in "" }
        let lines = config.report.text.split(separator: "\n").map(String.init)
        let flagged = lines.filter { $0.hasPrefix("missing:") || $0.hasPrefix("degraded:") }
        #expect(flagged.contains("missing: STRIPE_SECRET_KEY"))
        #expect(flagged.contains { $0.hasPrefix("degraded: billing") })
        for line in flagged {
            #expect(ConfigReport.level(of: line) == .warning, "\(line)")
            #expect(HirebaseLogHandler.marker(for: ConfigReport.level(of: line)) == "⚠️", "\(line)")
        }
        for line in lines where line.hasPrefix("configured:") {
            #expect(ConfigReport.level(of: line) == .info, "\(line)")
        }
    }

    @Test func aTerminationSignalLeavesOneInfoLine() throws {
        let capture = LogCapture()
        TerminationSignals.announce("SIGTERM", on: capture.logger)
        #expect(capture.records.count == 1)
        let record = try #require(capture.records.first)
        #expect(record.level == .info)
        #expect(record.message == "shutdown: SIGTERM received")
        #expect(record.metadata["signal"] == .string("SIGTERM"))
    }

    @Test func tokenRefusesInProductionWithOnePlainSentence() throws {
        let production = try AppConfig.load(from: [
            "HIREBASE_ENV": "production", "DATABASE_URL": "sqlite:///tmp/unused.sqlite", "SUPABASE_JWT_SECRET": testJWTSecret,
            "PUBLIC_APP_URL": "https://app.example.com",
        ]) { _ in "" }
        var refusal: CommandUsageError?
        do { _ = try TokenCommand.signingSecret(production) } catch { refusal = error }
        let text = try #require(refusal?.description)
        #expect(text.contains("HIREBASE_ENV=production"))
        #expect(!text.contains("\n") && !text.contains("AppError"))
        // Vapor reports a command's error to the log before Bootstrap prints it: not at a level
        // production allows.
        #expect(refusal?.logLevel == .debug)
        let testing = try AppConfig.load(from: ["HIREBASE_ENV": "testing", "SUPABASE_JWT_SECRET": testJWTSecret]) { _ in "" }
        #expect(try TokenCommand.signingSecret(testing) == testJWTSecret)
    }

    @Test func anUnreachablePageLogsItsCauseAtWarningWithTheRequestID() async throws {
        let closed = try await LoopbackServer.start { _ in }
        let port = closed.port
        try await closed.stop()
        let capture = LogCapture()
        try await withHirebase(on: .sqlite, environment: ["SCRAPE_ALLOW_PRIVATE_HOSTS": "127.0.0.1:\(port)"], setUp: { app in
            app.logger = capture.logger
        }) { app in
            let scenario = try await Scenario.make(app)
            let response = try await app.send(.POST, "/scrape", as: scenario.recruiter, headers: ["X-Request-Id": "scrape-cause-1"],
                                              json: JSON(["url": "http://127.0.0.1:\(port)/job?token=secret-value", "companyId": scenario.companyID]),
                                              overNetwork: true)
            #expect(response.status == .badGateway)
            #expect(response["detail"] == "The page could not be reached")
            let failure = try #require(capture.records.first { $0.message == "job page fetch failed" })
            #expect(failure.level == .warning)
            #expect(failure.metadata["request-id"] == .string("scrape-cause-1"))
            #expect(failure.metadata["status"].map { "\($0)" } == "502")
            let cause = "\(failure.metadata["cause"] ?? "")"
            #expect(cause.lowercased().contains("refused"), "\(cause)")
            #expect(!cause.contains("secret-value"))
        }
    }

    @Test func aNameThatDoesNotResolveLogsTheResolversMessage() {
        struct NoSuchName: Error, CustomStringConvertible { var description: String { "Name or service not known" } }
        #expect(SafeJobPageFetcher.describe(HostResolutionError(code: -2, message: "Name or service not known")) == "Name or service not known")
        #expect(JobPageFetchError.unreachable("could not resolve jobs.example: Name or service not known").cause
            == "could not resolve jobs.example: Name or service not known")
        #expect(SafeJobPageFetcher.describe(NoSuchName()) == "Name or service not known")
        #expect(SafeJobPageFetcher.describe(NoSuchName()).count <= 300)
    }
}

/// OWASP API3:2023 (Broken Object Property Level Authorization): members the server owns cannot
/// be set through a request body.
@Suite("Server-owned members")
struct ServerOwnedMembersTests {
    @Test func serverOwnedMembersInACreateBodyAreIgnored() async throws {
        try await withHirebase(on: .sqlite) { app in
            let user = TestUser()
            let chosenID = UUID().uuidString.lowercased()
            let company = try await app.send(.POST, "/companies", as: user, json: JSON([
                "name": "Acme", "id": chosenID, "role": "viewer", "createdAt": "2000-01-01T00:00:00Z",
            ]))
            #expect(company.status == .created)
            #expect(company["id"] != chosenID)
            #expect(company["role"] == "owner", "the creator is the owner whatever the body says")
            #expect(company["createdAt"] != "2000-01-01T00:00:00Z")

            let scenario = try await Scenario.make(app)
            let job = try await app.send(.POST, "/jobs", as: scenario.recruiter, json: JSON([
                "companyId": scenario.companyID, "title": "T", "description": "D", "id": chosenID, "status": "open",
                "sourceUrl": "https://example.com/forged", "history": [["at": "2000-01-01T00:00:00Z", "actorId": chosenID, "to": "closed"]],
            ]))
            #expect(job.status == .created)
            #expect(job["id"] != chosenID)
            #expect(job["status"] == "draft")
            #expect(job["sourceUrl"] == nil)
            let history = job.json["history"] as? [[String: Any]] ?? []
            #expect(history.count == 1)
            #expect(history.first?["actorId"] as? String == scenario.recruiter.id.uuidString.lowercased())
        }
    }
}
