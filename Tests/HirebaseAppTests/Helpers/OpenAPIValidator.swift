import Foundation
import JSONTree

/// Checks HTTP responses against an OpenAPI 3.1 document (`Resources/openapi.json`): the
/// operation is found from the method and the concrete path, the response object from the status,
/// then the `Content-Type`, the body (JSON Schema 2020-12, the subset the document uses), the
/// `code` of an error body (the response's `x-error-codes`), the members an error body always
/// adds (`x-error-required`) and the documented headers.
///
/// Test-only code: `TestApp.swift`'s `send` runs every response through ``shared``.
///
/// Schema keywords covered (exactly those the document uses, listed by
/// `python3 -c` over the JSON on 2026-12-05): `$ref` (local `#/...` only), `type` (a name or a
/// list, `null` included), `properties`, `required`, `additionalProperties` (boolean or schema),
/// `items`, `enum`, `const`, `allOf`, `anyOf`, `oneOf`, `not`, `if`/`then`/`else`, `minLength`,
/// `maxLength` (Unicode code points, as JSON Schema counts), `pattern` (`NSRegularExpression`,
/// unanchored as ECMA-262's `search`), `format` (`date-time` per RFC 3339 section 5.6, `uuid`,
/// loose `email` and `uri`), `minimum`, `maximum`, `exclusiveMinimum`, `exclusiveMaximum`,
/// `minItems`, `maxItems`, `uniqueItems`; the annotations `description`, `title`, `examples`,
/// `default`, `deprecated`, `readOnly`, `writeOnly`, `$comment` and `x-` extensions are ignored.
/// Any other keyword (or `format`) is reported as `unsupported keyword X`, never skipped.
/// Objects are read as closed unless the schema says otherwise (``closedObjects``).
struct OpenAPIValidator: Sendable {
    /// The whole OpenAPI document.
    let document: JSONValue

    /// Whether an object schema that lists `properties` and says nothing of
    /// `additionalProperties` (nor composes others: `allOf`, `anyOf`, `oneOf`, `if`, `$ref`) is
    /// read as closed: a member it does not list is then a failure (`member "x" is not a
    /// documented property`). JSON Schema itself allows such members; the response checks do
    /// not, so that a field the server adds cannot go undocumented. `true` unless set.
    var closedObjects = true

    /// What checking one response found.
    enum Outcome: Equatable, Sendable {
        /// The response matches the operation's documented response (named `GET /jobs/{jobId} 200`).
        case valid(String)
        /// No operation of the document matches the method and path (an unknown path, a method
        /// the path does not have): nothing can be checked; the text says which.
        case undocumented(String)
        /// The response is not one the document describes: one message per problem.
        case invalid([String])
    }

    /// The document in `Sources/HirebaseApp/Resources/openapi.json`, read and parsed once per
    /// process; `nil` with the reason when it cannot be read.
    static let shared: (validator: OpenAPIValidator?, problem: String?) = {
        let url = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/HirebaseApp/Resources/openapi.json")
        do {
            return (OpenAPIValidator(document: try JSONValue(parsing: try Data(contentsOf: url))), nil)
        } catch {
            return (nil, "cannot read \(url.path): \(error)")
        }
    }()

    // MARK: Responses

    /// Checks one response.
    ///
    /// - Parameters:
    ///   - method: the request's method (`GET`).
    ///   - target: the request target as sent, query included (`/jobs/5f0c.../applications?limit=2`).
    ///   - status: the response status code.
    ///   - headers: the response headers (names in any case).
    ///   - body: the response body bytes.
    func check(method: String, target: String, status: Int, headers: [(name: String, value: String)], body: Data) -> Outcome {
        guard let (template, pathItem) = matchPath(target) else {
            return .undocumented("no path of the document matches \(target)")
        }
        guard let operation = pathItem[method.lowercased()], operation.objectValue != nil else {
            return .undocumented("\(template) has no \(method.uppercased()) operation")
        }
        let name = "\(method.uppercased()) \(template)"
        guard let responses = operation["responses"]?.objectValue else { return .invalid(["\(name) documents no responses"]) }
        let family = "\(status / 100)XX"
        guard let (key, documented) = [String(status), family, "default"].lazy
            .compactMap({ key in responses[key].map { (key, $0) } }).first else {
            return .invalid(["status \(status) is not documented for \(name) (documented: \(responses.keys.sorted().joined(separator: ", ")))"])
        }
        var problems: [String] = []
        var responsePointer = "#/paths/\(escape(template))/\(method.lowercased())/responses/\(key)"
        guard let (response, pointer) = resolve(documented, at: responsePointer, problems: &problems) else { return .invalid(problems) }
        responsePointer = pointer

        checkHeaders(response, at: responsePointer, headers: headers, problems: &problems)
        let contentType = headers.first { $0.name.lowercased() == "content-type" }?.value
        let content = response["content"]?.objectValue ?? [:]
        if content.isEmpty {
            if !body.isEmpty { problems.append("a \(body.count)-byte body where the response documents no content (\(responsePointer))") }
            return problems.isEmpty ? .valid("\(name) \(key)") : .invalid(problems)
        }
        guard let contentType else {
            problems.append("no Content-Type; documented: \(content.keys.sorted().joined(separator: ", "))")
            return .invalid(problems)
        }
        let mediaType = contentType.split(separator: ";")[0].trimmingCharacters(in: .whitespaces).lowercased()
        guard let (mediaKey, media) = content.first(where: { Self.mediaType(mediaType, matches: $0.key) }) else {
            problems.append("Content-Type \(contentType) is not documented (documented: \(content.keys.sorted().joined(separator: ", ")))")
            return .invalid(problems)
        }
        if mediaType == "application/json" || mediaType.hasSuffix("+json") {
            let instance: JSONValue
            do {
                instance = try JSONValue(parsing: body)
            } catch {
                problems.append("the body is not JSON: \(JSONValue.parseErrorMessage(error))")
                return .invalid(problems)
            }
            if let schema = media["schema"] {
                validate(instance, against: schema, schemaPath: "\(responsePointer)/content/\(escape(mediaKey))/schema", instancePath: "$", problems: &problems)
            }
            if let codes = response["x-error-codes"]?.arrayValue?.compactMap(\.stringValue) {
                if let code = instance["code"]?.stringValue, !codes.contains(code) {
                    problems.append("$.code: \"\(code)\" is not in x-error-codes \(codes) (\(responsePointer)/x-error-codes)")
                }
            }
            for member in response["x-error-required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where instance[member] == nil {
                problems.append("$: member \"\(member)\" of x-error-required is missing (\(responsePointer)/x-error-required)")
            }
        }
        return problems.isEmpty ? .valid("\(name) \(key)") : .invalid(problems)
    }

    /// The path template (and its path item) that `target` is an instance of. Where several
    /// match, the one with a literal segment where the other has a template wins (OpenAPI:
    /// "concrete paths are matched before their templated counterparts").
    func matchPath(_ target: String) -> (String, JSONValue)? {
        let path = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0]
            .split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0]
        let segments = path.split(separator: "/").map { $0.removingPercentEncoding ?? String($0) }
        var best: (template: String, item: JSONValue, literals: [Bool])?
        for (template, item) in document["paths"]?.objectValue ?? [:] {
            let parts = template.split(separator: "/")
            guard parts.count == segments.count else { continue }
            var literals: [Bool] = []
            var matches = true
            for (part, segment) in zip(parts, segments) {
                if part.hasPrefix("{") && part.hasSuffix("}") {
                    literals.append(false)
                } else if part == segment {
                    literals.append(true)
                } else {
                    matches = false
                    break
                }
            }
            guard matches else { continue }
            if let current = best, !literals.lexicographicallyPrecedes(current.literals, by: { $0 && !$1 }) { continue }
            best = (template, item, literals)
        }
        return best.map { ($0.template, $0.item) }
    }

    /// Required headers must be present; present documented headers must match their schema
    /// (an `integer` header value is read as a number first).
    private func checkHeaders(_ response: JSONValue, at pointer: String, headers: [(name: String, value: String)], problems: inout [String]) {
        for (name, documented) in response["headers"]?.objectValue ?? [:] {
            guard let (header, headerPointer) = resolve(documented, at: "\(pointer)/headers/\(escape(name))", problems: &problems) else { continue }
            let values = headers.filter { $0.name.lowercased() == name.lowercased() }.map(\.value)
            if values.isEmpty {
                if header["required"]?.boolValue == true { problems.append("required header \(name) is missing (\(headerPointer))") }
                continue
            }
            guard let schema = header["schema"] else { continue }
            for value in values {
                var instance = JSONValue.string(value)
                if let type = resolved(schema)["type"]?.stringValue, type == "integer" || type == "number", let number = Decimal(string: value), value.allSatisfy({ "0123456789.-".contains($0) }) {
                    instance = .number(number)
                }
                validate(instance, against: schema, schemaPath: "\(headerPointer)/schema", instancePath: "header \(name)", problems: &problems)
            }
        }
    }

    /// Whether a `Content-Type` (base type, lowercased) is covered by a content key (`text/*`, `*/*`).
    static func mediaType(_ mediaType: String, matches key: String) -> Bool {
        let key = key.lowercased()
        if key == mediaType || key == "*/*" { return true }
        if key.hasSuffix("/*") { return mediaType.hasPrefix(String(key.dropLast())) }
        return false
    }

    // MARK: References

    /// Follows `$ref`s of response, header or parameter objects to the object itself, with its pointer.
    private func resolve(_ value: JSONValue, at pointer: String, problems: inout [String]) -> (JSONValue, String)? {
        var value = value
        var pointer = pointer
        var hops = 0
        while let reference = value["$ref"]?.stringValue {
            hops += 1
            guard hops < 32, let target = lookUp(reference) else {
                problems.append("unresolvable $ref \(reference) (\(pointer))")
                return nil
            }
            value = target
            pointer = reference
        }
        return (value, pointer)
    }

    /// `value` with its `$ref` chain followed (for peeking at a header schema's type).
    private func resolved(_ value: JSONValue) -> JSONValue {
        var ignored: [String] = []
        return resolve(value, at: "", problems: &ignored)?.0 ?? value
    }

    /// The value at a local reference (`#/components/schemas/Job`), or `nil`.
    func lookUp(_ reference: String) -> JSONValue? {
        guard reference.hasPrefix("#") else { return nil }
        var value = document
        for token in reference.dropFirst().split(separator: "/") {
            let key = token.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            if case .array = value, let index = Int(key) {
                guard let element = value[index] else { return nil }
                value = element
            } else {
                guard let member = value[key] else { return nil }
                value = member
            }
        }
        return value
    }

    /// A key escaped as a JSON Pointer token (RFC 6901).
    private func escape(_ key: String) -> String {
        key.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
    }

    // MARK: Schemas

    /// Keywords that only annotate: no effect on validity.
    static let annotations: Set<String> = ["description", "title", "examples", "default", "deprecated", "readOnly", "writeOnly", "$comment", "example"]

    /// Keywords handled by a neighbouring keyword (`if` handles `then` and `else`).
    static let handledElsewhere: Set<String> = ["then", "else"]

    /// Appends one message per way `instance` fails `schema`; each names the instance's JSON path
    /// (`$.items[0].stage`) and the failing keyword's schema location (a JSON Pointer into the document).
    func validate(_ instance: JSONValue, against schema: JSONValue, schemaPath: String, instancePath: String, problems: inout [String]) {
        func fail(_ keyword: String, _ message: String) {
            problems.append("\(instancePath): \(message) (schema \(schemaPath)/\(keyword))")
        }
        if case .bool(let allowed) = schema {
            if !allowed { problems.append("\(instancePath): not allowed (schema \(schemaPath) is false)") }
            return
        }
        guard let keywords = schema.objectValue else {
            problems.append("\(instancePath): the schema at \(schemaPath) is a \(schema.kindName), not an object or a boolean")
            return
        }
        for (keyword, value) in keywords.sorted(by: { $0.key < $1.key }) {
            if Self.annotations.contains(keyword) || Self.handledElsewhere.contains(keyword) || keyword.hasPrefix("x-") { continue }
            switch keyword {
            case "$ref":
                guard let reference = value.stringValue, let target = lookUp(reference) else {
                    fail(keyword, "unresolvable $ref \(value)")
                    continue
                }
                validate(instance, against: target, schemaPath: reference, instancePath: instancePath, problems: &problems)
            case "type":
                let names = value.arrayValue?.compactMap(\.stringValue) ?? value.stringValue.map { [$0] } ?? []
                if !names.contains(where: { Self.instance(instance, hasType: $0) }) {
                    fail(keyword, "\(instance.kindName) where the type is \(names.joined(separator: " or "))")
                }
            case "enum":
                if !(value.arrayValue ?? []).contains(instance) { fail(keyword, "\(Self.short(instance)) is not one of \(Self.short(value))") }
            case "const":
                if instance != value { fail(keyword, "\(Self.short(instance)) is not \(Self.short(value))") }
            case "properties":
                guard let members = instance.objectValue else { continue }
                for (name, subschema) in value.objectValue ?? [:] {
                    if let member = members[name] {
                        validate(member, against: subschema, schemaPath: "\(schemaPath)/properties/\(escape(name))", instancePath: Self.child(instancePath, name), problems: &problems)
                    }
                }
            case "required":
                guard let members = instance.objectValue else { continue }
                for name in value.arrayValue?.compactMap(\.stringValue) ?? [] where members[name] == nil {
                    fail(keyword, "required member \"\(name)\" is missing")
                }
            case "additionalProperties":
                guard let members = instance.objectValue else { continue }
                let declared = Set(keywords["properties"]?.objectValue?.keys.map { $0 } ?? [])
                for (name, member) in members.sorted(by: { $0.key < $1.key }) where !declared.contains(name) {
                    if value == .bool(false) {
                        fail(keyword, "member \"\(name)\" is not a documented property")
                    } else {
                        validate(member, against: value, schemaPath: "\(schemaPath)/additionalProperties", instancePath: Self.child(instancePath, name), problems: &problems)
                    }
                }
            case "items":
                guard let elements = instance.arrayValue else { continue }
                for (index, element) in elements.enumerated() {
                    validate(element, against: value, schemaPath: "\(schemaPath)/items", instancePath: "\(instancePath)[\(index)]", problems: &problems)
                }
            case "minItems", "maxItems":
                guard let elements = instance.arrayValue, let bound = value.intValue else { continue }
                if keyword == "minItems" ? elements.count < bound : elements.count > bound {
                    fail(keyword, "\(elements.count) items where \(keyword) is \(bound)")
                }
            case "uniqueItems":
                guard let elements = instance.arrayValue, value == .bool(true) else { continue }
                if Set(elements).count != elements.count { fail(keyword, "items are not unique") }
            case "minLength", "maxLength":
                guard let string = instance.stringValue, let bound = value.intValue else { continue }
                let length = string.unicodeScalars.count
                if keyword == "minLength" ? length < bound : length > bound {
                    fail(keyword, "a string of \(length) code points where \(keyword) is \(bound)")
                }
            case "pattern":
                guard let string = instance.stringValue, let pattern = value.stringValue else { continue }
                guard let regex = try? NSRegularExpression(pattern: pattern) else {
                    fail(keyword, "the pattern \(pattern) does not compile")
                    continue
                }
                if regex.firstMatch(in: string, range: NSRange(string.startIndex..., in: string)) == nil {
                    fail(keyword, "\(Self.short(instance)) does not match \(pattern)")
                }
            case "format":
                guard let string = instance.stringValue, let format = value.stringValue else { continue }
                guard let check = Self.formats[format] else {
                    fail(keyword, "unsupported keyword format \"\(format)\"")
                    continue
                }
                if !check(string) { fail(keyword, "\(Self.short(instance)) is not a valid \(format)") }
            case "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum":
                guard let number = instance.decimalValue, let bound = value.decimalValue else { continue }
                let broken = switch keyword {
                case "minimum": number < bound
                case "maximum": number > bound
                case "exclusiveMinimum": number <= bound
                default: number >= bound
                }
                if broken { fail(keyword, "\(number) where \(keyword) is \(bound)") }
            case "allOf", "anyOf", "oneOf":
                let branches = value.arrayValue ?? []
                var failures: [[String]] = []
                for (index, branch) in branches.enumerated() {
                    var branchProblems: [String] = []
                    validate(instance, against: branch, schemaPath: "\(schemaPath)/\(keyword)/\(index)", instancePath: instancePath, problems: &branchProblems)
                    failures.append(branchProblems)
                }
                let passed = failures.filter(\.isEmpty).count
                switch keyword {
                case "allOf":
                    problems.append(contentsOf: failures.flatMap { $0 })
                case "anyOf" where passed == 0:
                    fail(keyword, "matches no branch: " + failures.map { $0.first ?? "" }.joined(separator: "; "))
                case "oneOf" where passed != 1:
                    fail(keyword, passed == 0 ? "matches no branch: " + failures.map { $0.first ?? "" }.joined(separator: "; ") : "matches \(passed) branches, not exactly one")
                default:
                    break
                }
            case "not":
                var inner: [String] = []
                validate(instance, against: value, schemaPath: "\(schemaPath)/not", instancePath: instancePath, problems: &inner)
                if inner.isEmpty { fail(keyword, "matches the schema it must not match") }
            case "if":
                var condition: [String] = []
                validate(instance, against: value, schemaPath: "\(schemaPath)/if", instancePath: instancePath, problems: &condition)
                if condition.isEmpty, let then = keywords["then"] {
                    validate(instance, against: then, schemaPath: "\(schemaPath)/then", instancePath: instancePath, problems: &problems)
                } else if !condition.isEmpty, let otherwise = keywords["else"] {
                    validate(instance, against: otherwise, schemaPath: "\(schemaPath)/else", instancePath: instancePath, problems: &problems)
                }
            default:
                fail(keyword, "unsupported keyword \(keyword)")
            }
        }
        if closedObjects, let members = instance.objectValue, let declared = keywords["properties"]?.objectValue,
           keywords["additionalProperties"] == nil, !keywords.keys.contains(where: { ["allOf", "anyOf", "oneOf", "if", "$ref"].contains($0) }) {
            for name in members.keys.sorted() where declared[name] == nil {
                problems.append("\(instancePath): member \"\(name)\" is not a documented property (schema \(schemaPath)/properties, read as closed)")
            }
        }
    }

    /// Whether `instance` is of the JSON Schema type `name` (`integer`: a number without a fraction).
    static func instance(_ instance: JSONValue, hasType name: String) -> Bool {
        switch (name, instance) {
        case ("null", .null), ("boolean", .bool), ("string", .string), ("array", .array), ("object", .object), ("number", .number): true
        case ("integer", .number(let value)):
            value.isFinite && value == {
                var input = value
                var rounded = Decimal()
                NSDecimalRound(&rounded, &input, 0, .plain)
                return rounded
            }()
        default: false
        }
    }

    /// The checks of the `format` values the document uses.
    static let formats: [String: @Sendable (String) -> Bool] = [
        "date-time": isDateTime,
        "uuid": { $0.wholeMatch(of: /[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}/) != nil },
        // Loose on purpose: one `@` with something on each side, no spaces.
        "email": { $0.wholeMatch(of: /[^@\s]+@[^@\s]+/) != nil },
        // Loose on purpose: an RFC 3986 scheme, then no spaces.
        "uri": { $0.wholeMatch(of: /[A-Za-z][A-Za-z0-9+.\-]*:[^\s]*/) != nil },
    ]

    /// RFC 3339 section 5.6 `date-time` (`T`/`Z` in either case, fraction optional, offset required),
    /// with the field ranges of section 5.7 (a leap second `60` allowed; day 31 is not checked
    /// against the month).
    static func isDateTime(_ text: String) -> Bool {
        guard let match = text.wholeMatch(of: /(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+\-](\d{2}):(\d{2}))/) else { return false }
        let month = Int(match.2)!, day = Int(match.3)!, hour = Int(match.4)!, minute = Int(match.5)!, second = Int(match.6)!
        guard (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second <= 60 else { return false }
        if let offsetHour = match.9, let offsetMinute = match.10 {
            return Int(offsetHour)! < 24 && Int(offsetMinute)! < 60
        }
        return true
    }

    /// `path.name`, or `path["na me"]` for a name that is not an identifier.
    static func child(_ path: String, _ name: String) -> String {
        name.wholeMatch(of: /[A-Za-z_][A-Za-z0-9_]*/) != nil ? "\(path).\(name)" : "\(path)[\"\(name)\"]"
    }

    /// A value for a message, cut at 80 characters.
    static func short(_ value: JSONValue) -> String {
        let text: String = switch value {
        case .null: "null"
        case .bool(let bool): "\(bool)"
        case .number(let number): "\(number)"
        case .string(let string): "\"\(string)\""
        case .array(let elements): "[" + elements.map(short).joined(separator: ", ") + "]"
        case .object(let members): "{" + members.keys.sorted().joined(separator: ", ") + "}"
        }
        return text.count > 80 ? String(text.prefix(77)) + "..." : text
    }
}
