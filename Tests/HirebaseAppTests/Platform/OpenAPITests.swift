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

    @Test func docsPageRendersTheDocument() async throws {
        try await withHirebase(on: .sqlite) { app in
            let response = try await app.send(.GET, "/docs")
            #expect(response.status == .ok)
            #expect(String(buffer: response.body).contains("/openapi.json"))
        }
    }
}
