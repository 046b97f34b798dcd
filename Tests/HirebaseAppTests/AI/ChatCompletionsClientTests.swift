import AsyncHTTPClient
import Foundation
import JSONTree
import Logging
import Testing
import Vapor

@testable import HirebaseApp

private let apiKey = "sk-test-0123456789abcdefSECRET"

/// A Chat Completions double and a live client pointed at it; waits between attempts are
/// recorded and skipped.
private struct Harness {
    let double: ChatCompletionsDouble
    let client: LiveChatCompletionsClient
    let waits: Recorder<Duration>
    let logs: LogCapture
}

private func withHarness(
    _ script: [ChatCompletionsDouble.Answer] = [],
    fallback: ChatCompletionsDouble.Answer = .status(500),
    key: String? = apiKey,
    // Generous by default: the whole suite on 2 cores can be slow; the hang test passes its own.
    timeout: Duration = .seconds(30),
    breaker: CircuitBreaker = CircuitBreaker(),
    clock: WallClock = .system,
    _ body: (Harness) async throws -> Void
) async throws {
    let double = try await ChatCompletionsDouble.start(script, fallback: fallback)
    let httpClient = LiveChatCompletionsClient.makeHTTPClient(connectTimeout: .seconds(2))
    let waits = Recorder<Duration>()
    let logs = LogCapture()
    let client = LiveChatCompletionsClient(
        httpClient: httpClient, apiBase: double.baseURL, apiKey: key, model: "test-model", timeout: timeout,
        retryPolicy: .init(random: { 0.5 }), breaker: breaker, clock: clock, logger: logs.logger,
        sleep: { waits.append($0) })
    do {
        try await body(Harness(double: double, client: client, waits: waits, logs: logs))
    } catch {
        try? await httpClient.shutdown()
        try? await double.stop()
        throw error
    }
    try await httpClient.shutdown()
    try await double.stop()
}

/// A request as the drafting and grading services make one.
private let sampleRequest = ChatCompletionRequest(
    messages: [ChatMessage(role: "system", content: "You write assessments."), ChatMessage(role: "user", content: "Job: Swift developer")],
    schemaName: "assessment_draft",
    schema: .object([
        "type": .string("object"), "additionalProperties": .bool(false), "required": .array([.string("title")]),
        "properties": .object(["title": .object(["type": .string("string")])]),
    ]),
    maxOutputTokens: 2000)

/// The `AIProviderError` `body` threw (`nil` when it succeeded; another error is recorded as an issue).
private func providerError(_ body: () async throws -> ChatCompletion) async -> AIProviderError? {
    do {
        _ = try await body()
        return nil
    } catch let error as AIProviderError {
        return error
    } catch {
        Issue.record("not an AIProviderError: \(error)")
        return nil
    }
}

@Suite("LiveChatCompletionsClient against a Chat Completions double on loopback")
struct ChatCompletionsClientTests {
    @Test func aGoodAnswerGivesItsContentModelAndTokens() async throws {
        try await withHarness([.content(#"{"title":"Swift"}"#, promptTokens: 321, completionTokens: 54)]) { harness in
            let completion = try await harness.client.complete(sampleRequest)
            #expect(completion.content == #"{"title":"Swift"}"#)
            #expect(completion.model == "test-model")
            #expect(completion.inputTokens == 321)
            #expect(completion.outputTokens == 54)
            #expect(completion.durationMs >= 0)
            #expect(harness.double.requests.count == 1)
            #expect(harness.waits.values.isEmpty)
            #expect(harness.client.model == "test-model")
        }
    }

    @Test func theRequestAsksForTheSchemaWithTheModelAndTheBearerKey() async throws {
        try await withHarness([.content("{}")]) { harness in
            _ = try await harness.client.complete(sampleRequest)
            let request = try #require(harness.double.requests.first)
            #expect(request.path == "/v1/chat/completions")
            #expect(request.authorization == "Bearer \(apiKey)")
            #expect(request.headers["content-type"] == "application/json")
            let body = try #require(request.json)
            #expect(body["model"] == .string("test-model"))
            #expect(body["max_tokens"] == .number(2000))
            #expect(body["messages"] == .array([
                .object(["role": .string("system"), "content": .string("You write assessments.")]),
                .object(["role": .string("user"), "content": .string("Job: Swift developer")]),
            ]))
            #expect(body["response_format"] == .object([
                "type": .string("json_schema"),
                "json_schema": .object(["name": .string("assessment_draft"), "strict": .bool(true), "schema": sampleRequest.schema]),
            ]))
            #expect(body.objectValue?.keys.sorted() == ["max_tokens", "messages", "model", "response_format"])
        }
    }

    /// A local server (llama.cpp, Ollama) needs no key: no `Authorization` header is sent, and no
    /// `max_tokens` when the caller sets no bound.
    @Test func withoutAKeyNoAuthorizationIsSent() async throws {
        for key in [nil, ""] as [String?] {
            try await withHarness([.content("{}")], key: key) { harness in
                var request = sampleRequest
                request.maxOutputTokens = nil
                _ = try await harness.client.complete(request)
                let received = try #require(harness.double.requests.first)
                #expect(received.authorization == nil)
                #expect(received.json?["max_tokens"] == nil)
            }
        }
    }

    @Test func a429WithRetryAfterIsWaitedForThenRetried() async throws {
        try await withHarness([.status(429, retryAfter: "3"), .content(#"{"ok":true}"#)]) { harness in
            let completion = try await harness.client.complete(sampleRequest)
            #expect(completion.content == #"{"ok":true}"#)
            #expect(harness.double.requests.count == 2)
            // The back-off would be 0.75 s; the provider asked for 3.
            #expect(harness.waits.values == [.seconds(3)])
            #expect(harness.double.requests.allSatisfy { $0.body == harness.double.requests[0].body })
        }
    }

    @Test func aRetryAfterDateIsReadAgainstTheClock() async throws {
        let now = Date(timeIntervalSince1970: 1_767_225_600)  // Thu, 01 Jan 2026 00:00:00 GMT
        try await withHarness([.status(503, retryAfter: "Thu, 01 Jan 2026 00:00:04 GMT"), .content("{}")], clock: WallClock { now }) { harness in
            _ = try await harness.client.complete(sampleRequest)
            #expect(harness.waits.values == [.seconds(4)])
        }
        #expect(LiveChatCompletionsClient.retryAfter("Thu, 01 Jan 2026 00:00:04 GMT", now: now) == .seconds(4))
        #expect(LiveChatCompletionsClient.retryAfter("Wed, 31 Dec 2025 23:00:00 GMT", now: now) == .zero)
        #expect(LiveChatCompletionsClient.retryAfter(" 7 ", now: now) == .seconds(7))
        #expect(LiveChatCompletionsClient.retryAfter("soon", now: now) == nil)
        #expect(LiveChatCompletionsClient.retryAfter(nil, now: now) == nil)
    }

    /// A `Retry-After` that ends past `AI_TIMEOUT_SECONDS` is not waited for: the call fails at once.
    @Test func aRetryAfterPastTheDeadlineIsNotWaitedFor() async throws {
        try await withHarness([.status(429, retryAfter: "120"), .content("{}")], timeout: .seconds(20)) { harness in
            let error = await providerError { try await harness.client.complete(sampleRequest) }
            #expect(error?.kind == .upstream)
            #expect(error?.status == 429)
            #expect(harness.double.requests.count == 1)
            #expect(harness.waits.values.isEmpty)
        }
    }

    @Test func threeFailuresEndInUpstreamAfterTwoRetriesWithGrowingBackOff() async throws {
        try await withHarness([.status(500), .status(502), .status(500)], fallback: .content("{}")) { harness in
            let error = await providerError { try await harness.client.complete(sampleRequest) }
            #expect(error?.kind == .upstream)
            #expect(error?.status == 500)
            #expect(error?.message.contains("HTTP 500") == true)
            #expect(error?.appError.status == .badGateway)
            #expect(harness.double.requests.count == 3)
            #expect(harness.waits.values == [.milliseconds(750), .milliseconds(1500)])
        }
    }

    @Test func aHangEndsInTimeoutAtTheDeadline() async throws {
        try await withHarness([.hang], timeout: .seconds(1)) { harness in
            let error = await providerError { try await harness.client.complete(sampleRequest) }
            #expect(error?.kind == .timeout)
            #expect(error?.appError.status == .gatewayTimeout)
            #expect((error?.durationMs ?? 0) >= 1000)
            #expect(harness.double.requests.count == 1)
        }
    }

    @Test func aNonJSONAnswerIsUpstreamAndNotRetried() async throws {
        try await withHarness([.nonJSON], fallback: .content("{}")) { harness in
            let error = await providerError { try await harness.client.complete(sampleRequest) }
            #expect(error?.kind == .upstream)
            #expect(error?.message == "the provider's answer is not a JSON object")
            #expect(harness.double.requests.count == 1)
        }
    }

    @Test(arguments: [
        (ChatCompletionsDouble.completionJSON(content: #"{"title":"#, finishReason: "length"), "cut off at the token limit"),
        (ChatCompletionsDouble.completionJSON(content: nil, refusal: "I can't help with that."), "refused"),
        (ChatCompletionsDouble.completionJSON(content: nil), "no message content"),
        (ChatCompletionsDouble.completionJSON(content: "{}", finishReason: "content_filter"), "content filter"),
        (#"{"object":"chat.completion","choices":[]}"#, "no choices[0].message"),
        (#"[1,2,3]"#, "not a JSON object"),
    ])
    func anUnusableAnswerIsUpstream(body: String, reason: String) async throws {
        try await withHarness([.raw(status: 200, body: body)], fallback: .content("{}")) { harness in
            let error = await providerError { try await harness.client.complete(sampleRequest) }
            #expect(error?.kind == .upstream)
            #expect(error?.message.contains(reason) == true, "\(error?.message ?? "no error")")
            #expect(harness.double.requests.count == 1)
        }
    }

    @Test func missingUsageCountsAsZeroTokens() async throws {
        let body = ChatCompletionsDouble.completionJSON(content: "{}", model: "served-model", promptTokens: nil, completionTokens: nil)
        try await withHarness([.raw(status: 200, body: body)]) { harness in
            let completion = try await harness.client.complete(sampleRequest)
            #expect(completion.inputTokens == 0)
            #expect(completion.outputTokens == 0)
            #expect(completion.model == "served-model")
        }
    }

    @Test func anOversizedAnswerIsUpstream() async throws {
        try await withHarness([.oversized(bytes: 2 << 20)], fallback: .content("{}")) { harness in
            let error = await providerError { try await harness.client.complete(sampleRequest) }
            #expect(error?.kind == .upstream)
            #expect(error?.message.contains("exceeds 1048576 bytes") == true)
            #expect(harness.double.requests.count == 1)
        }
    }

    /// A refused key fails at once and says so, without the key (the provider's own message,
    /// which repeats it, is not passed on) in the error or the log.
    @Test func aRefusedKeyIsUpstreamWithoutTheKey() async throws {
        try await withHarness([.status(401)], fallback: .content("{}")) { harness in
            let error = try #require(await providerError { try await harness.client.complete(sampleRequest) })
            #expect(error.kind == .upstream)
            #expect(error.status == 401)
            #expect(error.message == "the provider refused the API key (HTTP 401): check AI_API_KEY; type invalid_request_error, code invalid_api_key")
            #expect(!error.appError.detail.contains("SECRET"))
            #expect(harness.double.requests.count == 1)
            let logged = harness.logs.records.map { "\($0.message) \($0.metadata)" }.joined(separator: "\n")
            #expect(!logged.isEmpty)
            #expect(!logged.contains("SECRET"))
            #expect(!String(describing: harness.client).contains("SECRET"))
            #expect(!String(reflecting: harness.client).contains("SECRET"))
        }
    }

    @Test func anotherClientErrorIsNotRetried() async throws {
        try await withHarness([.status(400)], fallback: .content("{}")) { harness in
            let error = await providerError { try await harness.client.complete(sampleRequest) }
            #expect(error?.kind == .upstream)
            #expect(error?.status == 400)
            #expect(harness.double.requests.count == 1)
        }
    }

    @Test func theBreakerOpensAfterRepeatedFailuresAndFailsFast() async throws {
        let breaker = CircuitBreaker(failureThreshold: 2, coolDown: .seconds(30))
        try await withHarness(breaker: breaker) { harness in
            for _ in 1...2 {
                let error = await providerError { try await harness.client.complete(sampleRequest) }
                #expect(error?.kind == .upstream)
            }
            #expect(harness.double.requests.count == 6)
            #expect(await breaker.state == .open)

            let refused = await providerError { try await harness.client.complete(sampleRequest) }
            #expect(refused?.kind == .circuitOpen)
            #expect((1...30).contains(refused?.retryAfterSeconds ?? 0))
            #expect(refused?.appError.status == .serviceUnavailable)
            #expect(harness.double.requests.count == 6)
        }
    }

    /// 4xx answers show the provider is up: they never open the breaker.
    @Test func clientErrorsDoNotOpenTheBreaker() async throws {
        let breaker = CircuitBreaker(failureThreshold: 2, coolDown: .seconds(30))
        try await withHarness(fallback: .status(401), breaker: breaker) { harness in
            for _ in 1...3 {
                let error = await providerError { try await harness.client.complete(sampleRequest) }
                #expect(error?.status == 401)
            }
            #expect(await breaker.state == .closed)
        }
    }

    @Test func aRefusedConnectionIsRetriedThenUpstream() async throws {
        // A port nothing listens on: a double started and stopped.
        let gone = try await ChatCompletionsDouble.start()
        let base = gone.baseURL
        try await gone.stop()
        let httpClient = LiveChatCompletionsClient.makeHTTPClient(connectTimeout: .seconds(2))
        let waits = Recorder<Duration>()
        let client = LiveChatCompletionsClient(httpClient: httpClient, apiBase: base, apiKey: nil, model: "m", timeout: .seconds(30),
                                               retryPolicy: .init(random: { 0.5 }), logger: LogCapture().logger, sleep: { waits.append($0) })
        let error = await providerError { try await client.complete(sampleRequest) }
        try await httpClient.shutdown()
        #expect(error?.kind == .upstream)
        #expect(error?.status == nil)
        #expect(error?.message.hasPrefix("could not reach the provider") == true)
        #expect(waits.values.count == 2)
    }

    /// With `AI_API_BASE` and `AI_MODEL` set, the app's provider is the live client (the override
    /// still wins); without them, calls answer `ai_not_configured`.
    @Test func theAppBuildsTheLiveClientFromItsConfiguration() async throws {
        let double = try await ChatCompletionsDouble.start([.content("{}")])
        try await withHirebase(on: .sqlite, environment: double.environment(model: "configured-model", apiKey: "sk-app")) { app in
            #expect(app.hirebase.chat is LiveChatCompletionsClient)
            #expect(app.hirebase.chat.model == "configured-model")
            let completion = try await app.hirebase.chat.complete(sampleRequest)
            #expect(completion.model == "configured-model")
            #expect(double.requests.first?.authorization == "Bearer sk-app")
        }
        try await double.stop()
        try await withHirebase(on: .sqlite, environment: ["AI_MODEL": "m"]) { app in
            #expect(app.hirebase.chat is UnconfiguredChatClient)
            let error = await providerError { try await app.hirebase.chat.complete(sampleRequest) }
            #expect(error?.kind == .notConfigured)
        }
        try await withHirebase(on: .sqlite, environment: ["AI_API_BASE": "http://127.0.0.1:9/v1", "AI_MODEL": "m"],
                               overrides: ServiceOverrides(chat: ScriptedChatClient())) { app in
            #expect(app.hirebase.chat is ScriptedChatClient)
        }
    }

    /// A request's schema goes out exactly as the caller wrote it: numbers, nesting and keys
    /// (no key conversion).
    @Test func jsonValueEncodesAsTheJSONItStandsFor() throws {
        let text = #"{"a_b":[1,2.5,-3,true,null,"x\"y"],"camelCase":{"n":12345678901234567890}}"#
        let value = try JSONValue(parsing: Data(text.utf8))
        let encoded = try JSONEncoder().encode(value)
        #expect(try JSONValue(parsing: encoded) == value)
        let sorted = JSONEncoder()
        sorted.outputFormatting = .sortedKeys
        #expect(String(decoding: try sorted.encode(value), as: UTF8.self) == text)
        #expect(throws: EncodingError.self) { try JSONEncoder().encode(JSONValue.number(.nan)) }
    }
}
