import Foundation
import Testing
import Vapor
import VaporTesting
@testable import HirebaseApp

/// The global middleware chain as plain future-based `Middleware` (configure.swift): what the
/// caller gets when something further in fails as a future rather than by throwing, the headers
/// and request id on every kind of answer, the drain's `Connection: close` on errors too, and the
/// routes `ShadowedRouteMiddleware` looks behind.
@Suite("Global middleware chain")
struct MiddlewareChainTests {
    /// Refuses every request it guards with a failed future (never a thrown error).
    struct FailingMiddleware: Middleware {
        /// What the future fails with.
        let error: any Error & Sendable

        func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
            request.eventLoop.makeFailedFuture(error)
        }
    }

    /// An error whose text must never reach the caller.
    struct Secret: Error { let text = "db password is hunter2" }

    /// Routes (and a guarded group) that fail as futures, for the error bodies.
    static func addFailingRoutes(_ app: Application) {
        app.get("future-conflict") { request -> EventLoopFuture<String> in
            request.eventLoop.makeFailedFuture(AppError(.conflict, code: "test_conflict", detail: "Taken"))
        }
        app.get("future-database-timeout") { request -> EventLoopFuture<String> in
            request.eventLoop.makeFailedFuture(DatabaseTimeoutError(seconds: 1))
        }
        app.get("future-secret") { request -> EventLoopFuture<String> in
            request.eventLoop.makeFailedFuture(Secret())
        }
        app.grouped(FailingMiddleware(error: DatabaseTimeoutError(seconds: 1))).get("guarded") { _ in "never" }
    }

    /// Expects the headers every answer carries: the security headers and the request id.
    func expectCommonHeaders(_ response: TestingHTTPResponse, requestID: String, _ what: String) {
        #expect(response.headers[.xContentTypeOptions] == ["nosniff"], "\(what)")
        #expect(response.headers["Referrer-Policy"] == ["no-referrer"], "\(what)")
        #expect(response.headers[.cacheControl] == ["no-store"], "\(what)")
        #expect(response.headers["X-Request-Id"] == [requestID], "\(what)")
    }

    @Test(arguments: TestDatabase.all)
    func aFailedFutureIsTheContractsErrorBody(database: TestDatabase) async throws {
        try await withHirebase(on: database, setUp: { app in Self.addFailingRoutes(app) }) { app in
            let conflict = try await app.send(.GET, "/future-conflict", headers: ["X-Request-Id": "chain-1"])
            #expect(conflict.status == .conflict)
            #expect(conflict.code == "test_conflict")
            #expect(conflict["detail"] == "Taken")
            #expect(conflict["requestId"] == "chain-1")
            #expect(conflict.headers.first(name: .contentType) == "application/json; charset=utf-8")
            expectCommonHeaders(conflict, requestID: "chain-1", "409")

            // The database-unavailable mapping holds for a failed future too, from a route or
            // from a middleware further in.
            for path in ["/future-database-timeout", "/guarded"] {
                let unavailable = try await app.send(.GET, path, headers: ["X-Request-Id": "chain-2"])
                #expect(unavailable.status == .serviceUnavailable, "\(path)")
                #expect(unavailable.headers.first(name: "Retry-After") == "5", "\(path)")
                #expect(unavailable["detail"] == "The database is unavailable; try again shortly", "\(path)")
                #expect(unavailable["requestId"] == "chain-2", "\(path)")
                expectCommonHeaders(unavailable, requestID: "chain-2", "503 \(path)")
            }

            let secret = try await app.send(.GET, "/future-secret", headers: ["X-Request-Id": "chain-3"])
            #expect(secret.status == .internalServerError)
            #expect(secret.code == "internal_error")
            #expect(secret["detail"] == "Internal server error")
            #expect(!String(buffer: secret.body).contains("hunter2"))
            expectCommonHeaders(secret, requestID: "chain-3", "500")
        }
    }

    @Test func aMintedRequestIDIsANewLowercaseUUIDEchoedInTheErrorBody() async throws {
        try await withHirebase(on: .sqlite) { app in
            var seen: Set<String> = []
            for _ in 0..<3 {
                let response = try await app.send(.GET, "/health")
                let id = try #require(response.headers.first(name: "X-Request-Id"))
                #expect(UUID(uuidString: id) != nil)
                #expect(id == id.lowercased())
                seen.insert(id)
            }
            #expect(seen.count == 3)
            // A refused caller id is replaced by a minted one, in the header and the body alike.
            let refused = try await app.send(.GET, "/nope", headers: ["X-Request-Id": String(repeating: "a", count: 129)])
            #expect(refused.status == .notFound)
            let id = try #require(refused.headers.first(name: "X-Request-Id"))
            #expect(UUID(uuidString: id) != nil)
            #expect(id == id.lowercased())
            #expect(refused["requestId"] == id)
            expectCommonHeaders(refused, requestID: id, "404")
        }
    }

    @Test(arguments: TestDatabase.all)
    func whileDrainingErrorsAndTheReadiness503AskToClose(database: TestDatabase) async throws {
        try await withHirebase(on: database) { app in
            let before = try await app.send(.GET, "/nope")
            #expect(!before.headers[.connection].contains("close"))

            app.shutdownState.beginDraining(drain: .seconds(30), grace: .seconds(5))

            let ready = try await app.send(.GET, "/health/ready", headers: ["X-Request-Id": "drain-1"])
            #expect(ready.status == .serviceUnavailable)
            #expect(ready["status"] == "draining")
            #expect(ready.headers[.connection].contains("close"))
            expectCommonHeaders(ready, requestID: "drain-1", "ready")
            let missing = try await app.send(.GET, "/nope", headers: ["X-Request-Id": "drain-2"])
            #expect(missing.status == .notFound)
            #expect(missing.code == "not_found")
            #expect(missing.headers[.connection].contains("close"))
            expectCommonHeaders(missing, requestID: "drain-2", "404")
            let refused = try await app.send(.GET, "/companies")
            #expect(refused.status == .unauthorized)
            #expect(refused.headers[.connection].contains("close"))
        }
    }

    @Test func shadowedRoutesAreLookedForBehindTheTemplatedRouteOnly() async throws {
        try await withHirebase(on: .sqlite) { app in
            let middleware = ShadowedRouteMiddleware(routes: app.routes)
            let templated = try #require(app.routes.all.first { $0.method == .GET && $0.path.map(\.description) == ["assessments", "invitations", ":invitationID"] })
            // `/assessments/generate` (POST only) and `/assessments/invitations` (GET only) are
            // behind the templated assessment routes (GET and PATCH `/assessments/:assessmentID`).
            let assessment = try #require(app.routes.all.first { $0.method == .GET && $0.path.map(\.description) == ["assessments", ":assessmentID"] })
            let edit = try #require(app.routes.all.first { $0.method == .PATCH && $0.path.map(\.description) == ["assessments", ":assessmentID"] })
            #expect(middleware.shadowing == ["GET": [ObjectIdentifier(templated), ObjectIdentifier(assessment)],
                                             "HEAD": [ObjectIdentifier(templated), ObjectIdentifier(assessment)],
                                             "PATCH": [ObjectIdentifier(edit)]])
            // The router drops empty parts, and so does the comparison behind that route.
            for path in ["/assessments/invitations/create/", "/assessments//invitations/create"] {
                let response = try await app.send(.GET, path, as: TestUser())
                #expect(response.status == .methodNotAllowed, "\(path)")
                #expect(response.headers[.allow] == ["POST"], "\(path)")
            }
        }
    }

    @Test func theRouteLabelIsThePatternOrUnmatched() async throws {
        try await withHirebase(on: .sqlite) { app in
            let labels = RouteLabels()
            #expect(labels.label(of: nil) == "unmatched")
            let route = try #require(app.routes.all.first { $0.method == .PATCH && $0.path.count == 2 && $0.path.first?.description == "jobs" })
            #expect(labels.label(of: route) == "/jobs/:jobID")
            #expect(labels.label(of: route) == RouteLabels.pattern(of: route))
        }
    }

    // MARK: the access line's way through the log handler

    @Test func theTriggerSearchFindsWhatStringContainsFinds() {
        let triggers = ["@", "eyJ", "oken", "earer", "EARER", "_test_", "_live_", "whsec_", "ignature", "IGNATURE", "uthorization", "UTHORIZATION",
                        "ByteBuffer", "readable bytes"]
        var texts = ["", "GET", "/health", "200", "0.3", "unmatched", "GET /jobs/:jobID 200", UUID().uuidString.lowercased(),
                     "toke", "okenn", "tok\r\nen", "\r\noken", "oken\r\n", "e@", "Authorizatio", "readable byte", "zoë@exämple.com",
                     "naïve text", "用户", "e\u{301}yJ", "@\u{301}"]
        for trigger in triggers {
            texts += [trigger, "x\(trigger)y", String(trigger.dropLast()), "\(trigger.dropFirst())", "é\(trigger)", trigger.uppercased(),
                      "é\(trigger.uppercased())"]
        }
        for text in texts {
            // Case is ignored (the patterns the triggers lead to ignore it too).
            #expect(Redaction.mayHoldTrigger(text) == triggers.contains(where: { text.lowercased().contains($0.lowercased()) }),
                    "\(text.debugDescription)")
        }
    }

    @Test func oneLineEscapesLineBreaksAndLeavesOtherTextAsIs() {
        #expect(HirebaseLogHandler.oneLine("GET /health 200") == "GET /health 200")
        #expect(HirebaseLogHandler.oneLine("a\rb\nc") == "a\\rb\\nc")
        #expect(HirebaseLogHandler.oneLine("zoë\n") == "zoë\\n")
    }
}
