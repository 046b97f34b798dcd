import Foundation
import JSONTree
import Testing

/// The response validator of the test helpers (`Helpers/OpenAPIValidator.swift`): it must refuse
/// what the document does not describe, or the checks of every `send` prove nothing.
@Suite("OpenAPI response validator")
struct OpenAPIValidatorTests {
    /// A small document: one operation, a `Thing` body and an error response with codes.
    static let document = #"""
    {"openapi": "3.1.0", "paths": {
      "/things/{thingId}": {"get": {"responses": {
        "200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}},
        "404": {"$ref": "#/components/responses/NotFound"}}}},
      "/things/special": {"get": {"responses": {"204": {"description": "none"}}}}},
     "components": {
      "responses": {"NotFound": {"description": "nf", "x-error-codes": ["not_found"], "x-error-required": ["requestId"],
        "headers": {"X-Request-Id": {"required": true, "schema": {"type": "string", "minLength": 1}}},
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}},
      "schemas": {
        "Thing": {"type": "object", "required": ["id", "name", "tags"], "additionalProperties": false, "properties": {
          "id": {"type": "string", "format": "uuid"},
          "name": {"type": "string", "minLength": 2, "maxLength": 3},
          "size": {"type": ["integer", "null"], "minimum": 1, "exclusiveMaximum": 10},
          "createdAt": {"type": "string", "format": "date-time"},
          "kind": {"enum": ["a", "b"]},
          "tags": {"type": "array", "items": {"type": "string"}, "uniqueItems": true, "maxItems": 2}}},
        "Error": {"type": "object", "required": ["code"], "properties": {"code": {"type": "string"}, "requestId": {"type": "string"}}},
        "Odd": {"type": "string", "contentEncoding": "base64"}}}}
    """#

    /// A thing's id (any UUID).
    static let id = "5f0c6a4e-8d1b-4c3a-9e2f-0a1b2c3d4e5f"

    /// A validator over ``document``.
    func validator() throws -> OpenAPIValidator {
        OpenAPIValidator(document: try JSONValue(parsing: Data(Self.document.utf8)))
    }

    /// Checks a `GET` response (by default a 200 JSON response of `/things/{id}`).
    func check(_ validator: OpenAPIValidator, path: String = "/things/\(Self.id)", status: Int = 200, headers: [(name: String, value: String)] = [("Content-Type", "application/json; charset=utf-8")],
               _ body: String) -> OpenAPIValidator.Outcome {
        validator.check(method: "GET", target: path, status: status, headers: headers, body: Data(body.utf8))
    }

    /// The problems of an invalid outcome, one a line; empty for any other outcome.
    func problems(_ outcome: OpenAPIValidator.Outcome) -> String {
        if case .invalid(let problems) = outcome { return problems.joined(separator: "\n") }
        return ""
    }

    @Test func aDocumentedBodyIsValid() throws {
        let validator = try validator()
        let body = #"{"id": "\#(Self.id)", "name": "héé", "size": 9, "createdAt": "2026-12-05T01:02:03.456Z", "kind": "a", "tags": ["x", "y"]}"#
        #expect(check(validator, path: "/things/\(Self.id)?limit=2", body) == .valid("GET /things/{thingId} 200"))
        #expect(check(validator, #"{"id": "\#(Self.id)", "name": "ab", "size": null, "tags": []}"#) == .valid("GET /things/{thingId} 200"))
    }

    @Test func aWrongTypeFailsWithBothPaths() throws {
        let validator = try validator()
        let message = problems(check(validator, #"{"id": "\#(Self.id)", "name": "ab", "size": 2.5, "tags": [true]}"#))
        #expect(message.contains("$.size: number where the type is integer or null (schema #/components/schemas/Thing/properties/size/type)"), "\(message)")
        #expect(message.contains("$.tags[0]: boolean where the type is string (schema #/components/schemas/Thing/properties/tags/items/type)"), "\(message)")
        // A boolean is not a number, nor 1 a boolean.
        #expect(problems(check(validator, #"{"id": "\#(Self.id)", "name": "ab", "size": true, "tags": []}"#)).contains("$.size: boolean"))
    }

    @Test func aMissingRequiredMemberFails() throws {
        let message = problems(check(try validator(), #"{"id": "\#(Self.id)", "tags": []}"#))
        #expect(message == #"$: required member "name" is missing (schema #/components/schemas/Thing/required)"#)
    }

    @Test func anExtraMemberFailsUnderAdditionalPropertiesFalse() throws {
        let message = problems(check(try validator(), #"{"id": "\#(Self.id)", "name": "ab", "tags": [], "secret": 1}"#))
        #expect(message == #"$: member "secret" is not a documented property (schema #/components/schemas/Thing/additionalProperties)"#)
    }

    /// `Error` lists properties without `additionalProperties`: closed for response checks,
    /// open as JSON Schema reads it.
    @Test func listedPropertiesCloseAnObjectUnlessTurnedOff() throws {
        var validator = try validator()
        let headers: [(name: String, value: String)] = [("Content-Type", "application/json"), ("X-Request-Id", "r1")]
        let body = #"{"code": "not_found", "requestId": "r1", "hint": "x"}"#
        #expect(problems(check(validator, status: 404, headers: headers, body))
            == #"$: member "hint" is not a documented property (schema #/components/schemas/Error/properties, read as closed)"#)
        validator.closedObjects = false
        #expect(check(validator, status: 404, headers: headers, body) == .valid("GET /things/{thingId} 404"))
    }

    @Test func boundsFormatsEnumsAndUniquenessAreChecked() throws {
        let validator = try validator()
        let message = problems(check(validator, #"{"id": "nope", "name": "abcd", "size": 10, "createdAt": "2026-12-05 01:02:03", "kind": "c", "tags": ["x", "x", "y"]}"#))
        for expected in ["$.id: \"nope\" is not a valid uuid", "$.name: a string of 4 code points where maxLength is 3",
                         "$.size: 10 where exclusiveMaximum is 10", "$.createdAt: \"2026-12-05 01:02:03\" is not a valid date-time",
                         "$.kind: \"c\" is not one of [\"a\", \"b\"]", "$.tags: items are not unique", "$.tags: 3 items where maxItems is 2"] {
            #expect(message.contains(expected), "\(expected) in \(message)")
        }
        // Code points, not UTF-16 units nor grapheme clusters: "é" as e + U+0301 is two.
        #expect(problems(check(validator, #"{"id": "\#(Self.id)", "name": "e\u0301", "tags": []}"#)) == "")
        #expect(problems(check(validator, #"{"id": "\#(Self.id)", "name": "😀", "tags": []}"#)).contains("a string of 1 code points where minLength is 2"))
    }

    @Test func aCodeNotInXErrorCodesFails() throws {
        let validator = try validator()
        let headers: [(name: String, value: String)] = [("Content-Type", "application/json"), ("X-Request-Id", "r1")]
        #expect(check(validator, status: 404, headers: headers, #"{"code": "not_found", "requestId": "r1"}"#) == .valid("GET /things/{thingId} 404"))
        #expect(problems(check(validator, status: 404, headers: headers, #"{"code": "gone", "requestId": "r1"}"#))
            == #"$.code: "gone" is not in x-error-codes ["not_found"] (#/components/responses/NotFound/x-error-codes)"#)
        #expect(problems(check(validator, status: 404, headers: headers, #"{"code": "not_found"}"#)).contains(#"member "requestId" of x-error-required is missing"#))
        #expect(problems(check(validator, status: 404, headers: [("Content-Type", "application/json")], #"{"code": "not_found", "requestId": "r1"}"#))
            == "required header X-Request-Id is missing (#/components/responses/NotFound/headers/X-Request-Id)")
    }

    @Test func anUndocumentedStatusOrContentTypeFails() throws {
        let validator = try validator()
        #expect(problems(check(validator, status: 409, #"{"code": "conflict"}"#)) == "status 409 is not documented for GET /things/{thingId} (documented: 200, 404)")
        #expect(problems(check(validator, headers: [("Content-Type", "text/html")], "<p>")).hasPrefix("Content-Type text/html is not documented"))
        #expect(problems(check(validator, headers: [], "{}")).hasPrefix("no Content-Type"))
        #expect(problems(check(validator, "{")).hasPrefix("the body is not JSON"))
    }

    @Test func literalPathsWinAndUnknownPathsAreUndocumented() throws {
        let validator = try validator()
        #expect(check(validator, path: "/things/special", status: 204, headers: [], "") == .valid("GET /things/special 204"))
        #expect(problems(check(validator, path: "/things/special", status: 204, headers: [], "x")).hasPrefix("a 1-byte body where the response documents no content"))
        #expect(check(validator, path: "/nothing", status: 404, "{}") == .undocumented("no path of the document matches /nothing"))
        #expect(validator.check(method: "DELETE", target: "/things/1", status: 405, headers: [], body: Data()) == .undocumented("/things/{thingId} has no DELETE operation"))
    }

    @Test func anUnknownKeywordFailsLoudly() throws {
        let validator = try validator()
        var problems: [String] = []
        validator.validate(.string("aGk="), against: .object(["$ref": .string("#/components/schemas/Odd")]), schemaPath: "#", instancePath: "$", problems: &problems)
        #expect(problems == ["$: unsupported keyword contentEncoding (schema #/components/schemas/Odd/contentEncoding)"])
        problems = []
        validator.validate(.string("x"), against: .object(["format": .string("ipv4")]), schemaPath: "#", instancePath: "$", problems: &problems)
        #expect(problems == [#"$: unsupported keyword format "ipv4" (schema #/format)"#])
    }

    /// The shipped document parses, and every schema keyword in it is one the validator knows.
    @Test func theShippedDocumentUsesOnlyCoveredKeywords() throws {
        let validator = try #require(OpenAPIValidator.shared.validator, "\(OpenAPIValidator.shared.problem ?? "")")
        var unknown: Set<String> = []
        func walk(_ schema: JSONValue) {
            guard let keywords = schema.objectValue else { return }
            for (keyword, value) in keywords {
                switch keyword {
                case "properties": value.objectValue?.values.forEach(walk)
                case "items", "additionalProperties", "not", "if", "then", "else": walk(value)
                case "allOf", "anyOf", "oneOf": value.arrayValue?.forEach(walk)
                case "format":
                    if let format = value.stringValue, OpenAPIValidator.formats[format] == nil { unknown.insert("format \(format)") }
                case "$ref", "type", "required", "enum", "const", "minLength", "maxLength", "pattern", "minimum", "maximum",
                     "exclusiveMinimum", "exclusiveMaximum", "minItems", "maxItems", "uniqueItems":
                    break
                default:
                    if !OpenAPIValidator.annotations.contains(keyword), !keyword.hasPrefix("x-") { unknown.insert(keyword) }
                }
            }
        }
        func schemas(in value: JSONValue) {
            switch value {
            case .object(let members):
                for (key, member) in members { key == "schema" ? walk(member) : schemas(in: member) }
            case .array(let elements): elements.forEach(schemas)
            default: break
            }
        }
        validator.document["components"]?["schemas"]?.objectValue?.values.forEach(walk)
        schemas(in: validator.document["paths"] ?? .null)
        schemas(in: validator.document["components"] ?? .null)
        #expect(unknown.sorted() == [])
        // Every error response names the codes it can carry, so that each `code` sent is checked.
        var withoutCodes: [String] = []
        for (path, item) in validator.document["paths"]?.objectValue ?? [:] {
            for (method, operation) in item.objectValue ?? [:] {
                for (status, documented) in operation["responses"]?.objectValue ?? [:] {
                    let response = documented["$ref"]?.stringValue.flatMap(validator.lookUp) ?? documented
                    if response["content"]?["application/json"]?["schema"]?["$ref"] == .string("#/components/schemas/ErrorBody"), response["x-error-codes"] == nil {
                        withoutCodes.append("\(method.uppercased()) \(path) \(status)")
                    }
                }
            }
        }
        #expect(withoutCodes == [])
        // The shipped document through the same checks: what it describes passes, drift fails.
        let json: [(name: String, value: String)] = [("Content-Type", "application/json; charset=utf-8"), ("X-Request-Id", "r1")]
        func company(_ status: Int, _ body: String) -> OpenAPIValidator.Outcome {
            validator.check(method: "GET", target: "/companies/\(Self.id)", status: status, headers: json, body: Data(body.utf8))
        }
        #expect(company(200, #"{"id": "\#(Self.id)", "name": "Acme", "createdAt": "2026-12-05T01:02:03Z", "role": "owner"}"#) == .valid("GET /companies/{companyId} 200"))
        #expect(problems(company(200, #"{"id": "\#(Self.id)", "name": "Acme", "plan": "pro"}"#)).contains(#"member "plan" is not a documented property"#))
        #expect(company(404, #"{"detail": "Company not found", "code": "not_found", "requestId": "r1"}"#) == .valid("GET /companies/{companyId} 404"))
        #expect(problems(company(404, #"{"detail": "Gone", "code": "gone", "requestId": "r1"}"#)).contains("is not in x-error-codes"))
        #expect(problems(company(409, #"{"detail": "x", "code": "conflict", "requestId": "r1"}"#)).hasPrefix("status 409 is not documented for GET /companies/{companyId}"))
        #expect(validator.matchPath("/assessments/invitations/create")?.0 == "/assessments/invitations/create")
        #expect(validator.matchPath("/assessments/\(Self.id)")?.0 == "/assessments/{assessmentId}")
    }
}
