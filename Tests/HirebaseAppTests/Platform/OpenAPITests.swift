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

    /// Every error response is the one shared `ErrorBody` (a generated client gets one error type,
    /// not one class per response) and names the codes it carries in `x-error-codes`
    /// (openapi-python-client made 339 classes of 26 inline shapes before).
    @Test func everyErrorResponseIsTheSharedErrorBodyWithItsCodes() async throws {
        try await withHirebase(on: .sqlite) { app in
            let document = try await app.send(.GET, "/openapi.json").json
            let components = try #require(document["components"] as? [String: Any])
            let shared = try #require(components["responses"] as? [String: [String: Any]])
            let paths = try #require(document["paths"] as? [String: [String: Any]])
            var checked = 0
            for (path, operations) in paths {
                for (method, value) in operations {
                    guard let operation = value as? [String: Any], let responses = operation["responses"] as? [String: [String: Any]] else { continue }
                    for (status, declared) in responses where status.hasPrefix("4") || status.hasPrefix("5") {
                        var response = declared
                        if let ref = declared["$ref"] as? String {
                            response = try #require(shared[String(ref.split(separator: "/").last ?? "")], "\(ref)")
                        }
                        let schema = (response["content"] as? [String: [String: Any]])?["application/json"]?["schema"] as? [String: Any]
                        if path == "/health/ready" && status == "503" { continue }  // the readiness report itself
                        #expect(schema?["$ref"] as? String == "#/components/schemas/ErrorBody", "\(method.uppercased()) \(path) \(status)")
                        let codes = response["x-error-codes"] as? [String] ?? []
                        #expect(!codes.isEmpty, "\(method.uppercased()) \(path) \(status) lists no x-error-codes")
                        checked += 1
                    }
                }
            }
            #expect(checked > 200)
        }
    }

    /// Every route refuses the NUL character in the query with 400 `invalid_input`, so every
    /// operation documents a 400 (schemathesis found `GET /assessments/invitations/{id}?token=%00`
    /// answering an undocumented 400).
    @Test func nulInTheQueryIsADocumented400Everywhere() async throws {
        try await withHirebase(on: .sqlite) { app in
            let document = try await app.send(.GET, "/openapi.json").json
            let paths = try #require(document["paths"] as? [String: [String: Any]])
            for (path, operations) in paths {
                for (method, value) in operations {
                    guard let operation = value as? [String: Any], let responses = operation["responses"] as? [String: Any] else { continue }
                    #expect(responses["400"] != nil, "\(method.uppercased()) \(path) documents no 400")
                }
            }
            let response = try await app.send(.GET, "/assessments/invitations/\(UUID())?token=%00")
            #expect(response.status == .badRequest)
            #expect(response.json["code"] as? String == "invalid_input")
        }
    }

    /// Each OpenAPI link names an operation that exists and only parameters that operation has,
    /// so schemathesis' stateful phase and generated clients can follow it.
    @Test func linksPointAtRealOperationsAndParameters() async throws {
        try await withHirebase(on: .sqlite) { app in
            let document = try await app.send(.GET, "/openapi.json").json
            let paths = try #require(document["paths"] as? [String: [String: Any]])
            let sharedParameters = ((document["components"] as? [String: Any])?["parameters"] as? [String: [String: Any]]) ?? [:]
            var parametersByOperation: [String: Set<String>] = [:]
            for (_, operations) in paths {
                for (_, value) in operations {
                    guard let operation = value as? [String: Any], let id = operation["operationId"] as? String else { continue }
                    var names = Set<String>()
                    for parameter in operation["parameters"] as? [[String: Any]] ?? [] {
                        let resolved = (parameter["$ref"] as? String).flatMap { sharedParameters[String($0.split(separator: "/").last ?? "")] } ?? parameter
                        if let name = resolved["name"] as? String, let location = resolved["in"] as? String { names.insert("\(location).\(name)") }
                    }
                    parametersByOperation[id] = names
                }
            }
            var links = 0
            for (path, operations) in paths {
                for (_, value) in operations {
                    for (status, response) in ((value as? [String: Any])?["responses"] as? [String: [String: Any]]) ?? [:] {
                        for (name, link) in response["links"] as? [String: [String: Any]] ?? [:] {
                            let target = try #require(link["operationId"] as? String)
                            let known = try #require(parametersByOperation[target], "\(path) \(status) link \(name): no operation \(target)")
                            for parameter in (link["parameters"] as? [String: String] ?? [:]).keys {
                                #expect(known.contains(parameter), "\(path) \(status) link \(name): \(target) has no \(parameter)")
                            }
                            links += 1
                        }
                    }
                }
            }
            #expect(links >= 15)
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
