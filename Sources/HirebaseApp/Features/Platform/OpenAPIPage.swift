import Crypto
import Foundation
import JSONTree

/// The `GET /docs` page: the OpenAPI document rendered as one self-contained HTML page (no
/// script, no external resource, one inline `<style>`), so that it reads offline and under a
/// `Content-Security-Policy` of `default-src 'none'`.
///
/// Pure: document JSON in, HTML out. Shows the info title, summary and description, then per tag
/// (in the document's `tags` order; operations without a tag last) one section per operation with
/// its method and path, summary, description, parameters, request body (component schemas one
/// `$ref` deep, inline objects two levels deep) and responses, then every component schema in a
/// "Schemas" section. Every string of the document is HTML-escaped; descriptions are shown as
/// text with their Markdown `code` spans, `**bold**` and `- ` lists rendered.
///
/// Element ids: `op-{operationId}` for an operation (`op-{method}-{path}` when it has none),
/// `tag-{name}` for a tag, `schema-{name}` for a component schema (characters other than ASCII
/// letters, digits, `-`, `_` and `.` replaced by `-`).
struct OpenAPIPage: Sendable {
    /// The whole page, UTF-8.
    let html: String
    /// The content of the page's one `<style>` element, exactly as hashed.
    let style: String
    /// `Content-Security-Policy` for the page: nothing may load, the one inline style is allowed by
    /// its SHA-256 hash (CSP Level 3, "hash-source"), no framing, no forms, no `<base>`.
    let contentSecurityPolicy: String

    /// The HTTP methods OpenAPI 3.1 names as operations of a path item, in the order shown.
    static let methods = ["get", "post", "put", "patch", "delete", "head", "options", "trace"]

    /// Renders `document` (an OpenAPI 3.x document as JSON).
    /// - Throws: when `document` is not JSON or not an object.
    init(document: Data) throws {
        let root = try JSONValue(parsing: document)
        guard root.objectValue != nil else { throw AppError(.internalServerError, detail: "openapi.json is not a JSON object") }
        let renderer = Renderer(root: root)
        style = Self.css
        html = renderer.page(style: style)
        contentSecurityPolicy = "default-src 'none'; style-src '\(Self.hashSource(of: style))'; img-src 'none'; "
            + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    }

    /// `sha256-{base64 of SHA-256(text as UTF-8)}`, a CSP hash-source (CSP Level 3, § 2.3.1).
    static func hashSource(of text: String) -> String {
        "sha256-" + Data(SHA256.hash(data: Data(text.utf8))).base64EncodedString()
    }

    /// `text` with `&`, `<`, `>`, `"` and `'` replaced by character references (safe in element
    /// content and in quoted attribute values; OWASP XSS Prevention Cheat Sheet, rule 1 and 2).
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text.unicodeScalars {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(character)
            }
        }
        return out
    }

    /// An element id made of `prefix` and `name`, with every character other than ASCII letters,
    /// digits, `-`, `_` and `.` replaced by `-`.
    static func anchor(_ prefix: String, _ name: String) -> String {
        prefix + "-" + String(name.unicodeScalars.map { scalar -> Character in
            switch scalar {
            case "a"..."z", "A"..."Z", "0"..."9", "-", "_", ".": Character(scalar)
            default: "-"
            }
        })
    }

    /// Inline Markdown of one line, escaped: `` `code` `` -> `<code>`, `**bold**` -> `<strong>`.
    static func inline(_ text: String) -> String {
        var out = ""
        var rest = Substring(text)
        while let tick = rest.firstIndex(of: "`") {
            out += bold(escape(String(rest[..<tick])))
            let afterTick = rest.index(after: tick)
            guard let close = rest[afterTick...].firstIndex(of: "`") else {
                rest = rest[tick...]
                break
            }
            out += "<code>" + escape(String(rest[afterTick..<close])) + "</code>"
            rest = rest[rest.index(after: close)...]
        }
        return out + bold(escape(String(rest)))
    }

    /// `**x**` -> `<strong>x</strong>` in already escaped text (the markers survive escaping).
    private static func bold(_ escaped: String) -> String {
        let parts = escaped.components(separatedBy: "**")
        guard parts.count >= 3 else { return escaped }
        var out = ""
        for (index, part) in parts.enumerated() {
            if index == 0 { out += part; continue }
            // An odd marker opens, an even one closes; an unmatched last marker stays as text.
            if index % 2 == 1 && index == parts.count - 1 { out += "**" + part; continue }
            out += (index % 2 == 1 ? "<strong>" : "</strong>") + part
        }
        return out
    }

    /// A Markdown description as blocks: paragraphs (blank-line separated) and `- ` lists.
    static func blocks(_ text: String) -> String {
        var out = ""
        var paragraph: [String] = []
        var items: [String] = []
        func flushParagraph() {
            if !paragraph.isEmpty { out += "<p>" + inline(paragraph.joined(separator: " ")) + "</p>" }
            paragraph = []
        }
        func flushList() {
            if !items.isEmpty { out += "<ul>" + items.map { "<li>" + inline($0) + "</li>" }.joined() + "</ul>" }
            items = []
        }
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty {
                flushParagraph(); flushList()
            } else if line.hasPrefix("- ") || line.hasPrefix("* ") {
                flushParagraph()
                items.append(String(line.dropFirst(2)))
            } else if !items.isEmpty && raw.hasPrefix(" ") {
                items[items.count - 1] += " " + line
            } else {
                flushList()
                paragraph.append(line)
            }
        }
        flushParagraph(); flushList()
        return out
    }

    /// The page's style sheet (system fonts only: nothing is loaded).
    static let css = """
        body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2330;margin:0;display:flex}
        nav{width:20rem;flex:none;height:100vh;overflow-y:auto;position:sticky;top:0;background:#f4f5f7;padding:1rem;box-sizing:border-box;font-size:13px}
        nav ul{list-style:none;padding-left:.8rem;margin:.2rem 0}nav li li{white-space:nowrap;overflow:hidden;text-overflow:ellipsis}nav a{color:#1d2330;text-decoration:none}nav a:hover{text-decoration:underline}
        main{flex:1;min-width:0;padding:1rem 2rem;max-width:70rem}
        h1{margin-top:0}h2{border-bottom:2px solid #dde1e7;padding-bottom:.2rem;margin-top:2.5rem}
        .op{border:1px solid #dde1e7;border-radius:6px;padding:0 1rem 1rem;margin:1.2rem 0}
        .op h3{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:15px}
        .method{display:inline-block;min-width:4.2em;text-align:center;color:#fff;border-radius:4px;padding:0 .4em;margin-right:.5em;background:#6b7280}
        .get{background:#2563eb}.post{background:#059669}.patch{background:#d97706}.put{background:#7c3aed}.delete{background:#dc2626}
        code{font-family:ui-monospace,Menlo,Consolas,monospace;background:#f1f3f5;padding:0 .2em;border-radius:3px;font-size:13px}
        table{border-collapse:collapse;width:100%;margin:.4rem 0;font-size:14px}
        th,td{border:1px solid #dde1e7;padding:.25rem .5rem;text-align:left;vertical-align:top}th{background:#f4f5f7}
        .req{color:#b91c1c;font-size:12px}.muted{color:#6b7280;font-size:13px}
        """

    /// Walks the document; `root` is its top-level object.
    private struct Renderer {
        let root: JSONValue

        /// One operation of the document.
        struct Operation {
            var method: String
            var path: String
            var value: JSONValue
            var pathParameters: [JSONValue]

            /// The element id: `op-{operationId}`, else `op-{method}-{path}` made safe.
            var id: String {
                if let operationID = value["operationId"]?.stringValue { return OpenAPIPage.anchor("op", operationID) }
                return OpenAPIPage.anchor("op", method + "-" + path)
            }
        }

        /// The whole page, with `style` as its one inline style sheet.
        func page(style: String) -> String {
            let info = root["info"]
            let title = info?["title"]?.stringValue ?? "API"
            let operations = allOperations()
            let tagOrder = (root["tags"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
            var groups: [(name: String, operations: [Operation])] = tagOrder.map { ($0, []) }
            for operation in operations {
                let tag = operation.value["tags"]?[0]?.stringValue ?? "Other"
                if let index = groups.firstIndex(where: { $0.name == tag }) {
                    groups[index].operations.append(operation)
                } else {
                    groups.append((tag, [operation]))
                }
            }
            groups.removeAll { $0.operations.isEmpty }
            let schemas = (root["components"]?["schemas"]?.objectValue ?? [:]).sorted { $0.key < $1.key }

            var out = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            out += "<title>\(escape(title))</title><style>\(style)</style></head>\n<body>\n<nav><strong>\(escape(title))</strong><ul>"
            for group in groups {
                out += "<li><a href=\"#\(anchor("tag", group.name))\">\(escape(group.name))</a><ul>"
                for operation in group.operations {
                    out += "<li><a href=\"#\(operation.id)\">\(escape(operation.method.uppercased())) \(escape(operation.path))</a></li>"
                }
                out += "</ul></li>"
            }
            if !schemas.isEmpty { out += "<li><a href=\"#schemas\">Schemas</a></li>" }
            out += "</ul></nav>\n<main>\n<header><h1>\(escape(title))"
            if let version = info?["version"]?.stringValue { out += " <span class=\"muted\">\(escape(version))</span>" }
            out += "</h1>"
            if let summary = info?["summary"]?.stringValue { out += "<p><strong>\(OpenAPIPage.inline(summary))</strong></p>" }
            if let description = info?["description"]?.stringValue { out += OpenAPIPage.blocks(description) }
            out += "<p class=\"muted\">The machine-readable document: <a href=\"/openapi.json\">/openapi.json</a>.</p></header>\n"
            for group in groups {
                out += "<section id=\"\(anchor("tag", group.name))\"><h2>\(escape(group.name))</h2>"
                if let tag = (root["tags"]?.arrayValue ?? []).first(where: { $0["name"]?.stringValue == group.name }),
                   let description = tag["description"]?.stringValue {
                    out += OpenAPIPage.blocks(description)
                }
                for operation in group.operations { out += render(operation) }
                out += "</section>\n"
            }
            if !schemas.isEmpty {
                out += "<section id=\"schemas\"><h2>Schemas</h2>"
                for (name, schema) in schemas {
                    out += "<article class=\"op\" id=\"\(anchor("schema", name))\"><h3>\(escape(name))</h3>"
                    out += schemaDetail(schema, depth: 0)
                    out += "</article>"
                }
                out += "</section>\n"
            }
            return out + "</main>\n</body></html>\n"
        }

        /// Every operation, paths sorted, methods in ``OpenAPIPage/methods`` order.
        func allOperations() -> [Operation] {
            let paths = (root["paths"]?.objectValue ?? [:]).sorted { $0.key < $1.key }
            var operations: [Operation] = []
            for (path, item) in paths {
                let shared = item["parameters"]?.arrayValue ?? []
                for method in OpenAPIPage.methods {
                    if let value = item[method], value.objectValue != nil {
                        operations.append(Operation(method: method, path: path, value: value, pathParameters: shared))
                    }
                }
            }
            return operations
        }

        /// One operation's `<article>`: heading, texts, parameters, request body, responses.
        func render(_ operation: Operation) -> String {
            let value = operation.value
            var out = "<article class=\"op\" id=\"\(operation.id)\"><h3><span class=\"method \(escape(operation.method))\">"
            out += "\(escape(operation.method.uppercased()))</span> \(escape(operation.path))</h3>"
            if let summary = value["summary"]?.stringValue { out += "<p><strong>\(OpenAPIPage.inline(summary))</strong></p>" }
            if let operationID = value["operationId"]?.stringValue { out += "<p class=\"muted\">operationId <code>\(escape(operationID))</code></p>" }
            if value["deprecated"]?.boolValue == true { out += "<p class=\"req\">Deprecated.</p>" }
            if let description = value["description"]?.stringValue { out += OpenAPIPage.blocks(description) }

            let parameters = (operation.pathParameters + (value["parameters"]?.arrayValue ?? [])).map { resolve($0) }
            if !parameters.isEmpty {
                out += "<h4>Parameters</h4><table><tr><th>Name</th><th>In</th><th>Required</th><th>Schema</th><th>Description</th></tr>"
                for parameter in parameters {
                    let required = parameter["required"]?.boolValue == true || parameter["in"]?.stringValue == "path"
                    out += "<tr><td><code>\(escape(parameter["name"]?.stringValue ?? "?"))</code></td>"
                    out += "<td>\(escape(parameter["in"]?.stringValue ?? ""))</td><td>\(required ? "<span class=\"req\">required</span>" : "optional")</td>"
                    out += "<td>\(parameter["schema"].map { schemaSummary($0) } ?? "")</td>"
                    out += "<td>\(parameter["description"]?.stringValue.map(OpenAPIPage.blocks) ?? "")</td></tr>"
                }
                out += "</table>"
            }

            if let body = value["requestBody"].map({ resolve($0) }) {
                out += "<h4>Request body\(body["required"]?.boolValue == true ? " <span class=\"req\">required</span>" : "")</h4>"
                if let description = body["description"]?.stringValue { out += OpenAPIPage.blocks(description) }
                for (mediaType, media) in (body["content"]?.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
                    out += "<p class=\"muted\"><code>\(escape(mediaType))</code></p>"
                    if let schema = media["schema"] {
                        if let name = referenceName(schema) {
                            out += "<p>Schema \(schemaLink(name))</p>"
                            out += schemaDetail(resolve(schema), depth: 1)
                        } else {
                            out += schemaDetail(schema, depth: 1)
                        }
                    }
                }
            }

            let responses = (value["responses"]?.objectValue ?? [:]).sorted { $0.key < $1.key }
            if !responses.isEmpty {
                out += "<h4>Responses</h4><table><tr><th>Status</th><th>Description</th><th>Body</th></tr>"
                for (status, raw) in responses {
                    let response = resolve(raw)
                    out += "<tr><td><code>\(escape(status))</code></td><td>\(response["description"]?.stringValue.map(OpenAPIPage.blocks) ?? "")"
                    if let codes = response["x-error-codes"]?.arrayValue?.compactMap(\.stringValue), !codes.isEmpty {
                        out += "<p class=\"muted\">code: " + codes.map { "<code>\(escape($0))</code>" }.joined(separator: ", ") + "</p>"
                    }
                    out += "</td><td>"
                    for (mediaType, media) in (response["content"]?.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
                        out += "<code>\(escape(mediaType))</code> \(media["schema"].map { schemaSummary($0) } ?? "")<br>"
                    }
                    out += "</td></tr>"
                }
                out += "</table>"
            }
            return out + "</article>\n"
        }

        /// A component schema or an inline one: description, type line, and for an object its
        /// properties (nested inline objects down to `depth` 2).
        func schemaDetail(_ schema: JSONValue, depth: Int) -> String {
            var out = ""
            if let description = schema["description"]?.stringValue { out += OpenAPIPage.blocks(description) }
            let properties = schema["properties"]?.objectValue ?? [:]
            if properties.isEmpty {
                out += "<p>\(schemaSummary(schema))</p>"
                return out
            }
            let required = Set((schema["required"]?.arrayValue ?? []).compactMap(\.stringValue))
            out += "<table><tr><th>Property</th><th>Schema</th><th>Required</th><th>Description</th></tr>"
            for (name, property) in properties.sorted(by: { $0.key < $1.key }) {
                out += "<tr><td><code>\(escape(name))</code></td><td>\(schemaSummary(property))</td>"
                out += "<td>\(required.contains(name) ? "<span class=\"req\">required</span>" : "optional")</td><td>"
                if let description = property["description"]?.stringValue { out += OpenAPIPage.blocks(description) }
                let inner = property["items"] ?? property
                if depth < 2, referenceName(inner) == nil, inner["properties"]?.objectValue?.isEmpty == false {
                    out += schemaDetail(inner.removingDescription, depth: depth + 1)
                }
                out += "</td></tr>"
            }
            out += "</table>"
            if let additional = schema["additionalProperties"], additional.objectValue != nil {
                out += "<p class=\"muted\">Other members: \(schemaSummary(additional))</p>"
            }
            return out
        }

        /// One line for a schema: a link for a `$ref`, else its type (and `format`), `enum`/`const`
        /// values, variants (`oneOf`/`anyOf`/`allOf`), item type of an array, and its constraints.
        func schemaSummary(_ schema: JSONValue) -> String {
            if let name = referenceName(schema) { return schemaLink(name) }
            var parts: [String] = []
            for key in ["oneOf", "anyOf", "allOf"] {
                if let variants = schema[key]?.arrayValue {
                    let joiner = key == "allOf" ? " &amp; " : " | "
                    parts.append(variants.map { schemaSummary($0) }.joined(separator: joiner))
                }
            }
            var types: [String] = []
            if let type = schema["type"]?.stringValue { types = [type] }
            if let list = schema["type"]?.arrayValue { types = list.compactMap(\.stringValue) }
            if !types.isEmpty {
                var text = types.map { type -> String in
                    if type == "array", let items = schema["items"] { return "array of " + schemaSummary(items) }
                    return escape(type)
                }.joined(separator: " | ")
                if let format = schema["format"]?.stringValue { text += " (\(escape(format)))" }
                parts.append(text)
            }
            if let values = schema["enum"]?.arrayValue {
                parts.append("one of " + values.map { "<code>\(escape(literal($0)))</code>" }.joined(separator: ", "))
            }
            if let value = schema["const"] { parts.append("exactly <code>\(escape(literal(value)))</code>") }
            let constraints = constraintList(schema)
            if !constraints.isEmpty { parts.append("<span class=\"muted\">\(constraints.joined(separator: ", "))</span>") }
            return parts.isEmpty ? "any" : parts.joined(separator: "; ")
        }

        /// The validation keywords of `schema`, escaped, e.g. `1 ≤ length ≤ 200`, `pattern ^a`.
        func constraintList(_ schema: JSONValue) -> [String] {
            var out: [String] = []
            func number(_ key: String) -> String? { schema[key].map { escape(literal($0)) } }
            func range(_ name: String, _ low: String?, _ high: String?) {
                switch (low, high) {
                case let (low?, high?): out.append("\(low) ≤ \(name) ≤ \(high)")
                case let (low?, nil): out.append("\(name) ≥ \(low)")
                case let (nil, high?): out.append("\(name) ≤ \(high)")
                case (nil, nil): break
                }
            }
            range("value", number("minimum"), number("maximum"))
            if let low = number("exclusiveMinimum") { out.append("value &gt; \(low)") }
            if let high = number("exclusiveMaximum") { out.append("value &lt; \(high)") }
            range("length", number("minLength"), number("maxLength"))
            range("items", number("minItems"), number("maxItems"))
            range("members", number("minProperties"), number("maxProperties"))
            if schema["uniqueItems"]?.boolValue == true { out.append("unique items") }
            if let pattern = schema["pattern"]?.stringValue { out.append("pattern <code>\(escape(pattern))</code>") }
            if let value = schema["default"] { out.append("default <code>\(escape(literal(value)))</code>") }
            if let value = schema["example"] { out.append("example <code>\(escape(literal(value)))</code>") }
            return out
        }

        /// A JSON value as JSON text (strings quoted), for enum values, defaults and examples.
        func literal(_ value: JSONValue) -> String {
            switch value {
            case .null: "null"
            case .bool(let flag): flag ? "true" : "false"
            case .number(let number): number.description
            case .string(let text): "\"" + text + "\""
            case .array(let elements): "[" + elements.map(literal).joined(separator: ", ") + "]"
            case .object(let members): "{" + members.sorted { $0.key < $1.key }.map { "\"\($0.key)\": " + literal($0.value) }.joined(separator: ", ") + "}"
            }
        }

        /// The component name of a local `$ref` (`#/components/{kind}/{name}`), else `nil`.
        func referenceName(_ value: JSONValue) -> String? {
            guard let reference = value["$ref"]?.stringValue, reference.hasPrefix("#/components/") else { return nil }
            return reference.split(separator: "/").last.map(String.init)
        }

        /// A link to component schema `name` in the "Schemas" section.
        func schemaLink(_ name: String) -> String {
            "<a href=\"#\(anchor("schema", name))\">\(escape(name))</a>"
        }

        /// `value` with its local `$ref` followed (at most four hops, so a cycle ends); `value`
        /// itself when it has none or the target is missing.
        func resolve(_ value: JSONValue) -> JSONValue {
            var current = value
            for _ in 0..<4 {
                guard let reference = current["$ref"]?.stringValue, reference.hasPrefix("#/") else { return current }
                var target: JSONValue? = root
                for key in reference.dropFirst(2).split(separator: "/") {
                    let unescaped = key.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
                    target = target?[unescaped]
                }
                guard let target else { return current }
                current = target
            }
            return current
        }

        private func escape(_ text: String) -> String { OpenAPIPage.escape(text) }
        private func anchor(_ prefix: String, _ name: String) -> String { OpenAPIPage.anchor(prefix, name) }
    }
}

private extension JSONValue {
    /// The object without its `description` (shown already beside the property).
    var removingDescription: JSONValue {
        guard case .object(var members) = self else { return self }
        members["description"] = nil
        return .object(members)
    }
}
