import Foundation
import Testing
@testable import HirebaseApp

@Suite("OpenAPI page (/docs)")
struct OpenAPIPageTests {
    /// A document with a hostile string in every place the page shows one.
    static let hostile = #"<script>alert("x")</script>&'"#

    static func document(_ text: String) throws -> Data {
        let json: [String: Any] = [
            "openapi": "3.1.0",
            "info": ["title": text, "version": "1", "description": "See `\(text)` and **\(text)**"],
            "tags": [["name": "Things", "description": text]],
            "paths": [
                "/things/{thingId}": [
                    "get": [
                        "operationId": "getThing", "tags": ["Things"], "summary": text, "description": text,
                        "parameters": [["name": "thingId", "in": "path", "required": true, "description": text,
                                        "schema": ["type": "string", "format": "uuid", "pattern": text]]],
                        "responses": ["200": ["description": text, "content": ["application/json": ["schema": ["$ref": "#/components/schemas/Thing"]]]],
                                      "404": ["$ref": "#/components/responses/NotFound"]],
                    ],
                    "patch": [
                        "operationId": "updateThing", "tags": ["Things"],
                        "requestBody": ["required": true, "content": ["application/json": ["schema": ["$ref": "#/components/schemas/Thing"]]]],
                        "responses": ["200": ["description": "ok"]],
                    ],
                ],
                "/health": ["get": ["operationId": "getHealth", "responses": ["200": ["description": "up"]]]],
            ],
            "components": [
                "schemas": ["Thing": ["type": "object", "required": ["name"], "description": text,
                                      "properties": ["name": ["type": "string", "minLength": 1, "maxLength": 200, "description": text],
                                                     "kind": ["type": "string", "enum": ["a", text]],
                                                     "nested": ["type": "object", "properties": ["deep": ["type": ["integer", "null"], "minimum": 0]]]]]],
                "responses": ["NotFound": ["description": "No such thing"]],
            ],
        ]
        return try JSONSerialization.data(withJSONObject: json)
    }

    @Test func everyOperationHasAnElementAndAHeading() throws {
        let page = try OpenAPIPage(document: try Self.document("plain"))
        for (id, heading) in [("getThing", "GET</span> /things/{thingId}"), ("updateThing", "PATCH</span> /things/{thingId}"),
                              ("getHealth", "GET</span> /health")] {
            #expect(page.html.contains("id=\"op-\(id)\""))
            #expect(page.html.contains(heading))
        }
        // Grouped by tag: the untagged operation comes in an "Other" section after "Things".
        let things = try #require(page.html.range(of: "id=\"tag-Things\""))
        let other = try #require(page.html.range(of: "id=\"tag-Other\""))
        #expect(things.lowerBound < other.lowerBound)
        // $ref resolved: the shared response's description, the schema's properties and its anchor.
        #expect(page.html.contains("No such thing"))
        #expect(page.html.contains("id=\"schema-Thing\""))
        #expect(page.html.contains("<a href=\"#schema-Thing\">Thing</a>"))
        #expect(page.html.contains("1 ≤ length ≤ 200"))
        #expect(page.html.contains("<code>deep</code>"), "an inline nested object's properties are listed")
        #expect(page.html.contains("integer | null"))
    }

    @Test func everyDocumentStringIsEscaped() throws {
        let page = try OpenAPIPage(document: try Self.document(Self.hostile))
        #expect(!page.html.contains("<script"))
        #expect(!page.html.contains(Self.hostile))
        #expect(page.html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;"))
        // Markdown code spans and bold are rendered around the escaped text.
        #expect(page.html.contains("<code>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;</code>"))
        #expect(page.html.contains("<strong>&lt;script&gt;"))
    }

    @Test func hostileNamesBecomeSafeIDs() {
        #expect(OpenAPIPage.anchor("op", "a\" onmouseover=\"x") == "op-a--onmouseover--x")
        #expect(OpenAPIPage.anchor("schema", "Thing.v2_x-y") == "schema-Thing.v2_x-y")
    }

    @Test func policyAllowsExactlyTheInlineStyle() throws {
        let page = try OpenAPIPage(document: try Self.document("plain"))
        #expect(page.html.contains("<style>\(page.style)</style>"))
        #expect(page.contentSecurityPolicy.contains("style-src '\(OpenAPIPage.hashSource(of: page.style))'"))
        #expect(page.contentSecurityPolicy.hasPrefix("default-src 'none';"))
        // The hash of a known text (`printf 'a' | openssl dgst -sha256 -binary | base64`).
        #expect(OpenAPIPage.hashSource(of: "a") == "sha256-ypeBEsobvcr6wjGzmiPcTaeG7/gUfE5yuYB3ha/uSLs=")
    }

    @Test func notJSONIsRefused() {
        #expect(throws: (any Error).self) { try OpenAPIPage(document: Data("[]".utf8)) }
        #expect(throws: (any Error).self) { try OpenAPIPage(document: Data("<html>".utf8)) }
    }
}
