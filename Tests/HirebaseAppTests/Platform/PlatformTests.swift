import Foundation
import Testing
import Vapor
import VaporTesting
@testable import HirebaseApp

@Suite("Health, request ids and error bodies")
struct PlatformTests {
    @Test(arguments: TestDatabase.all)
    func healthIsOkAndReadinessIsDegradedWithoutStripe(database: TestDatabase) async throws {
        try await withHirebase(on: database) { app in
            let live = try await app.send(.GET, "/health")
            #expect(live.status == .ok)
            #expect(live["status"] == "ok")
            let ready = try await app.send(.GET, "/health/ready")
            #expect(ready.status == .ok)
            #expect(ready["status"] == "degraded")
            let checks = try #require(ready.json["checks"] as? [String: [String: Any]])
            #expect(checks["database"]?["status"] as? String == "ok")
            #expect(checks["stripe"]?["status"] as? String == "not_configured")
        }
    }

    @Test func requestIDIsEchoedOrMinted() async throws {
        try await withHirebase(on: .sqlite) { app in
            let echoed = try await app.send(.GET, "/health", headers: ["X-Request-Id": "abc-123"])
            #expect(echoed.headers.first(name: "X-Request-Id") == "abc-123")
            let minted = try await app.send(.GET, "/health")
            let id = try #require(minted.headers.first(name: "X-Request-Id"))
            #expect(UUID(uuidString: id) != nil)
            let unsafe = try await app.send(.GET, "/health", headers: ["X-Request-Id": "has space"])
            #expect(unsafe.headers.first(name: "X-Request-Id") != "has space")
        }
    }

    @Test func unknownRouteIsJSON404WithRequestID() async throws {
        try await withHirebase(on: .sqlite) { app in
            let response = try await app.send(.GET, "/nope", headers: ["X-Request-Id": "r-1"])
            #expect(response.status == .notFound)
            #expect(response.code == "not_found")
            #expect(response["requestId"] == "r-1")
            #expect(response["detail"] != nil)
        }
    }

    @Test func nonJSONBodyIs415() async throws {
        try await withHirebase(on: .sqlite) { app in
            let user = TestUser()
            let response = try await app.send(.POST, "/companies", as: user, headers: ["Content-Type": "text/plain"], raw: "name=x")
            #expect(response.status == .unsupportedMediaType)
            #expect(response.code == "unsupported_media_type")
        }
    }

    @Test func malformedJSONIs400WithReadableDetail() async throws {
        try await withHirebase(on: .sqlite) { app in
            let response = try await app.send(.POST, "/companies", as: TestUser(), raw: #"{"name": "#)
            #expect(response.status == .badRequest)
            #expect(response.code == "invalid_input")
            #expect(response["detail"] == "Request body is not valid JSON")
        }
    }

    @Test func emptyJSONBodyIs400() async throws {
        try await withHirebase(on: .sqlite) { app in
            let response = try await app.send(.POST, "/companies", as: TestUser(), headers: ["Content-Type": "application/json"])
            #expect(response.status == .badRequest)
            #expect(response.code == "invalid_input")
        }
    }

    @Test func wrongTypeNamesTheField() async throws {
        try await withHirebase(on: .sqlite) { app in
            let response = try await app.send(.POST, "/companies", as: TestUser(), json: JSON(["name": 5]))
            #expect(response.status == .badRequest)
            let errors = try #require(response.json["errors"] as? [[String: String]])
            #expect(errors.first?["field"] == "name")
        }
    }

    @Test func oversizedBodyIs413() async throws {
        try await withHirebase(on: .sqlite, environment: ["MAX_BODY_BYTES": "2048"]) { app in
            let big = String(repeating: "x", count: 5000)
            let response = try await app.send(.POST, "/companies", as: TestUser(), json: JSON(["name": "Acme", "padding": big]), overNetwork: true)
            #expect(response.status == .payloadTooLarge)
            #expect(response.code == "payload_too_large")
        }
    }

    @Test func unexpectedErrorIsGeneric500() async throws {
        struct Secret: Error { let text = "db password is hunter2" }
        try await withHirebase(on: .sqlite, setUp: { app in
            app.get("boom") { _ -> String in throw Secret() }
        }) { app in
            let response = try await app.send(.GET, "/boom")
            #expect(response.status == .internalServerError)
            #expect(response.code == "internal_error")
            #expect(response["detail"] == "Internal server error")
            #expect(!String(buffer: response.body).contains("hunter2"))
        }
    }
}
