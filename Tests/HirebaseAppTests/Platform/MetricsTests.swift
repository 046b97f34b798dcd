import Foundation
import Testing
import Vapor
import VaporTesting
@testable import HirebaseApp

@Suite("Metrics")
struct MetricsTests {
    @Test func requestsAreCountedByRoutePattern() async throws {
        try await withHirebase(on: .sqlite) { app in
            _ = try await app.send(.GET, "/health")
            _ = try await app.send(.GET, "/companies/\(UUID())", as: TestUser())
            let response = try await app.send(.GET, "/metrics")
            #expect(response.status == .ok)
            let text = String(buffer: response.body)
            #expect(text.contains(#"hirebase_http_requests_total{method="GET",route="/health",status="200"} 1"#))
            #expect(text.contains(#"route="/companies/:companyID""#))
            #expect(text.contains("hirebase_http_request_duration_seconds"))
        }
    }

    @Test func metricsTokenIsRequiredWhenSet() async throws {
        try await withHirebase(on: .sqlite, environment: ["METRICS_TOKEN": "scrape-me"]) { app in
            let missing = try await app.send(.GET, "/metrics")
            #expect(missing.status == .unauthorized)
            let wrong = try await app.send(.GET, "/metrics", headers: HTTPHeaders([("Authorization", "Bearer wrong")]))
            #expect(wrong.status == .unauthorized)
            let right = try await app.send(.GET, "/metrics", headers: HTTPHeaders([("Authorization", "Bearer scrape-me")]))
            #expect(right.status == .ok)
        }
    }
}
