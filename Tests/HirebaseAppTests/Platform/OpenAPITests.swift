import Foundation
import Testing
import Vapor
import VaporTesting
@testable import HirebaseApp

@Suite("OpenAPI document")
struct OpenAPITests {
    /// Every route the app serves is in the document, and the document names no route that does
    /// not exist: the document cannot silently drift from the code.
    @Test func documentListsExactlyTheServedRoutes() async throws {
        try await withHirebase(on: .sqlite) { app in
            let response = try await app.send(.GET, "/openapi.json")
            #expect(response.status == .ok)
            let document = response.json
            #expect((document["openapi"] as? String)?.hasPrefix("3.1") == true)
            let paths = try #require(document["paths"] as? [String: [String: Any]])
            func shape(_ path: String) -> String {
                path.split(separator: "/").map { $0.hasPrefix("{") || $0.hasPrefix(":") ? "{}" : String($0) }.joined(separator: "/")
            }
            var documented = Set<String>()
            for (path, operations) in paths {
                for method in operations.keys where ["get", "post", "put", "patch", "delete"].contains(method) {
                    documented.insert("\(method.uppercased()) \(shape(path))")
                }
            }
            let served = Set(app.routes.all.map { route in
                "\(route.method.rawValue) \(shape(route.path.map(\.description).joined(separator: "/")))"
            })
            #expect(served.subtracting(documented).sorted() == [], "served but not documented")
            #expect(documented.subtracting(served).sorted() == [], "documented but not served")
        }
    }

    /// Each operation's `x-rate-class` is the class the server charges (`RouteRateClass`).
    @Test func documentedRateClassesAreTheChargedOnes() async throws {
        try await withHirebase(on: .sqlite) { app in
            let document = try await app.send(.GET, "/openapi.json").json
            let paths = try #require(document["paths"] as? [String: [String: Any]])
            func shape(_ path: String) -> String {
                path.split(separator: "/").map { $0.hasPrefix("{") || $0.hasPrefix(":") ? "{}" : String($0) }.joined(separator: "/")
            }
            var patterns: [String: String] = [:]
            for route in app.routes.all {
                let pattern = "/" + route.path.map(\.description).joined(separator: "/")
                patterns["\(route.method.rawValue) \(shape(pattern))"] = pattern
            }
            // The routes mounted outside the rate-limited groups (`routes.swift`); every other
            // operation must name its class, so that a new one cannot skip this check.
            let unlimited: Set<String> = ["GET /health", "GET /health/ready", "GET /openapi.json", "GET /docs", "GET /metrics", "POST /webhooks/stripe"]
            var checked = 0
            for (path, operations) in paths {
                for (method, value) in operations {
                    guard let operation = value as? [String: Any] else { continue }
                    guard let documented = operation["x-rate-class"] as? String else {
                        #expect(unlimited.contains("\(method.uppercased()) \(path)"), "\(method.uppercased()) \(path) has no x-rate-class")
                        continue
                    }
                    let pattern = try #require(patterns["\(method.uppercased()) \(shape(path))"])
                    #expect(RouteRateClass.of(method: HTTPMethod(rawValue: method.uppercased()), pattern: pattern).rawValue == documented,
                            "\(method.uppercased()) \(path)")
                    checked += 1
                }
            }
            #expect(checked >= 30)
        }
    }

    /// `/docs` is rendered by the server: every operation of the served document has its
    /// element, nothing is loaded from elsewhere, and the CSP allows exactly the inline style.
    @Test func docsPageRendersTheDocument() async throws {
        try await withHirebase(on: .sqlite) { app in
            let response = try await app.send(.GET, "/docs")
            #expect(response.status == .ok)
            #expect(response.headers.first(name: .contentType) == "text/html; charset=utf-8")
            let html = String(buffer: response.body)
            let document = try await app.send(.GET, "/openapi.json").json
            let paths = try #require(document["paths"] as? [String: [String: Any]])
            var operations = 0
            for (path, item) in paths {
                for (method, value) in item {
                    guard let operation = value as? [String: Any], let id = operation["operationId"] as? String else { continue }
                    operations += 1
                    #expect(html.contains("id=\"op-\(id)\""), "no element for \(id)")
                    #expect(html.contains("\(method.uppercased())</span> \(path)</h3>"), "no heading for \(method) \(path)")
                }
            }
            #expect(operations > 30)
            #expect(!html.contains("<script"))
            #expect(!html.contains(" src=") && !html.contains("<link") && !html.contains("@import"), "the page loads nothing")
            let csp = try #require(response.headers.first(name: "Content-Security-Policy"))
            #expect(csp.hasPrefix("default-src 'none'; style-src 'sha256-"))
            #expect(csp.contains("frame-ancestors 'none'"))
            let style = try #require(html.firstRange(of: "<style>").flatMap { open in
                html[open.upperBound...].firstRange(of: "</style>").map { String(html[open.upperBound..<$0.lowerBound]) }
            })
            let hash = "sha256-" + Data(SHA256.hash(data: Data(style.utf8))).base64EncodedString()
            #expect(csp.contains("style-src '\(hash)'"))
            #expect(html.components(separatedBy: "<style").count == 2, "exactly one style element")
            #expect(!html.contains("style=\""), "no inline style attributes (the hash does not allow them)")
        }
    }
}
