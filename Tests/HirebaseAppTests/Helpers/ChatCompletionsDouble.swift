import Foundation
import JSONTree
import NIOConcurrencyHelpers
import Vapor

/// A test double of an OpenAI-compatible Chat Completions API on 127.0.0.1 (a `LoopbackServer`):
/// `POST /v1/chat/completions` answers from a script, in order, then with `fallback`; every
/// request is recorded (headers and raw body), so a test can check what was sent.
///
/// Point the live client at `baseURL` (`http://127.0.0.1:<port>/v1`): directly
/// (`LiveChatCompletionsClient(httpClient:apiBase: double.baseURL, ...)`), or through the app
/// with `withHirebase(on:environment: double.environment(), ...)`.
///
///     let double = try await ChatCompletionsDouble.start([.status(429, retryAfter: "1"), .content(#"{"ok":true}"#)])
///     try await withHirebase(on: database, environment: double.environment()) { app in
///         ...
///         #expect(double.requests.count == 2)
///         #expect(!double.bodiesContain("jane@example.com"))
///     }
///     try await double.stop()
final class ChatCompletionsDouble: Sendable {
    /// One scripted answer.
    enum Answer: Sendable {
        /// 200 with a proper Chat Completions answer whose `choices[0].message.content` is `text`
        /// (`finish_reason` `stop`, `usage` `promptTokens` / `completionTokens`, `model` the one asked for).
        case content(String, promptTokens: Int = 120, completionTokens: Int = 80)
        /// 200 `text/html` with an HTML page (a proxy's error page, a wrong base URL).
        case nonJSON
        /// This status with an OpenAI error object, and `Retry-After` when given (`"2"` or an HTTP date).
        case status(Int, retryAfter: String? = nil)
        /// Never answers until the double stops (or 5 minutes pass).
        case hang
        /// This status with `body` as `application/json`, verbatim (see `completionJSON` for odd answers).
        case raw(status: Int, body: String)
        /// 200 with a JSON body of about `bytes` bytes (a body-cap test).
        case oversized(bytes: Int)
    }

    /// A request as the double received it.
    struct Request: Sendable {
        /// The path (`/v1/chat/completions`).
        var path: String
        /// Header names lowercased; a repeated header's values joined with `, `.
        var headers: [String: String]
        /// The raw body.
        var body: String

        /// The `Authorization` header, if any.
        var authorization: String? { headers["authorization"] }
        /// The body parsed, `nil` when not JSON.
        var json: JSONValue? { try? JSONValue(parsing: Data(body.utf8)) }
    }

    let server: LoopbackServer
    private let state: NIOLockedValueBox<(script: [Answer], requests: [Request], stopped: Bool)>
    /// What the double answers once the script is used up.
    let fallback: Answer

    /// `http://127.0.0.1:<port>/v1`: the `AI_API_BASE` to use.
    var baseURL: URL { server.baseURL.appendingPathComponent("v1") }

    private init(server: LoopbackServer, state: NIOLockedValueBox<(script: [Answer], requests: [Request], stopped: Bool)>, fallback: Answer) {
        self.server = server
        self.state = state
        self.fallback = fallback
    }

    /// Starts a double that answers `script` in order, then `fallback` (by default a 500, so a
    /// test that forgets to script an answer fails loudly).
    static func start(_ script: [Answer] = [], fallback: Answer = .status(500)) async throws -> ChatCompletionsDouble {
        let state = NIOLockedValueBox<(script: [Answer], requests: [Request], stopped: Bool)>((script, [], false))
        let server = try await LoopbackServer.start { app in
            app.on(.POST, "v1", "chat", "completions", body: .collect(maxSize: "16mb")) { request async throws -> Response in
                let received = Request(
                    path: request.url.path,
                    headers: Dictionary(request.headers.map { ($0.name.lowercased(), $0.value) }, uniquingKeysWith: { "\($0), \($1)" }),
                    body: request.body.string ?? "")
                let answer = state.withLockedValue { state -> Answer in
                    state.requests.append(received)
                    return state.script.isEmpty ? fallback : state.script.removeFirst()
                }
                return try await Self.respond(answer, to: received, stopped: { state.withLockedValue { $0.stopped } })
            }
        }
        return ChatCompletionsDouble(server: server, state: state, fallback: fallback)
    }

    /// Appends answers to the script.
    func enqueue(_ answers: Answer...) {
        state.withLockedValue { $0.script.append(contentsOf: answers) }
    }

    /// Every request received, oldest first.
    var requests: [Request] { state.withLockedValue { $0.requests } }

    /// Whether any request's raw body contains `needle` (case-sensitive), e.g. a candidate's e-mail.
    func bodiesContain(_ needle: String) -> Bool {
        requests.contains { $0.body.contains(needle) }
    }

    /// The `AI_*` settings that point the app at this double.
    func environment(model: String = "double-model", apiKey: String? = nil, timeoutSeconds: Int = 10) -> [String: String] {
        var settings = ["AI_API_BASE": baseURL.absoluteString, "AI_MODEL": model, "AI_TIMEOUT_SECONDS": "\(timeoutSeconds)"]
        if let apiKey { settings["AI_API_KEY"] = apiKey }
        return settings
    }

    /// Releases hanging requests and stops the server.
    func stop() async throws {
        state.withLockedValue { $0.stopped = true }
        try await server.stop()
    }

    /// A Chat Completions answer's JSON (OpenAI API reference, "The chat completion object"),
    /// for `.raw`: `content` `nil` writes `"content": null`; `refusal` a refusal message.
    static func completionJSON(
        content: String?, model: String = "double-model", finishReason: String = "stop", refusal: String? = nil,
        promptTokens: Int? = 120, completionTokens: Int? = 80
    ) -> String {
        var message: [String: JSONValue] = ["role": .string("assistant"), "content": content.map(JSONValue.string) ?? .null]
        if let refusal { message["refusal"] = .string(refusal) }
        var usage: [String: JSONValue] = [:]
        if let promptTokens { usage["prompt_tokens"] = .number(Decimal(promptTokens)) }
        if let completionTokens { usage["completion_tokens"] = .number(Decimal(completionTokens)) }
        if let promptTokens, let completionTokens { usage["total_tokens"] = .number(Decimal(promptTokens + completionTokens)) }
        let answer: JSONValue = .object([
            "id": .string("chatcmpl-double"),
            "object": .string("chat.completion"),
            "created": .number(1_767_225_600),
            "model": .string(model),
            "choices": .array([.object(["index": .number(0), "message": .object(message), "finish_reason": .string(finishReason)])]),
            "usage": .object(usage),
        ])
        return String(decoding: (try? JSONEncoder().encode(answer)) ?? Data(), as: UTF8.self)
    }

    /// The answer to `request`. An error's `message` repeats the bearer key received, as OpenAI's
    /// 401 does ("Incorrect API key provided: sk-..."), so that a test can show the client never
    /// passes a provider's message on.
    private static func respond(_ answer: Answer, to request: Request, stopped: @Sendable () -> Bool) async throws -> Response {
        let model = request.json?["model"]?.stringValue ?? "double-model"
        switch answer {
        case .content(let text, let promptTokens, let completionTokens):
            return json(.ok, completionJSON(content: text, model: model, promptTokens: promptTokens, completionTokens: completionTokens))
        case .nonJSON:
            var headers = HTTPHeaders()
            headers.contentType = .html
            return Response(status: .ok, headers: headers, body: .init(string: "<!doctype html><html><body><h1>Welcome to nginx!</h1></body></html>"))
        case .status(let code, let retryAfter):
            let type = code == 429 ? "rate_limit_exceeded" : code == 401 ? "invalid_request_error" : "server_error"
            let key = request.authorization.map { String($0.dropFirst("Bearer ".count)) } ?? "none"
            let error: JSONValue = .object(["error": .object([
                "message": .string("scripted failure \(code). Incorrect API key provided: \(key)"),
                "type": .string(type), "code": code == 401 ? .string("invalid_api_key") : .null, "param": .null,
            ])])
            let response = json(HTTPResponseStatus(statusCode: code), String(decoding: try JSONEncoder().encode(error), as: UTF8.self))
            if let retryAfter { response.headers.replaceOrAdd(name: "Retry-After", value: retryAfter) }
            return response
        case .hang:
            let until = ContinuousClock.now.advanced(by: .seconds(300))
            while !stopped(), ContinuousClock.now < until {
                try await Task.sleep(for: .milliseconds(20))
            }
            return json(.serviceUnavailable, #"{"error":{"message":"the double stopped","type":"server_error"}}"#)
        case .raw(let status, let body):
            return json(HTTPResponseStatus(statusCode: status), body)
        case .oversized(let bytes):
            return json(.ok, completionJSON(content: String(repeating: "x", count: max(0, bytes)), model: model))
        }
    }

    private static func json(_ status: HTTPResponseStatus, _ body: String) -> Response {
        var headers = HTTPHeaders()
        headers.contentType = .json
        return Response(status: status, headers: headers, body: .init(string: body))
    }
}
