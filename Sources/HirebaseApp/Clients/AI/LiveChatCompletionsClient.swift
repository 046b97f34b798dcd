import AsyncHTTPClient
import Foundation
import JSONTree
import Logging
import NIOCore
import NIOHTTP1

/// `ChatCompleting` over an OpenAI-compatible Chat Completions API: `POST {AI_API_BASE}/chat/completions`,
/// the shape OpenAI, Azure's compatible endpoint, vLLM, llama.cpp's server and Ollama serve
/// (OpenAI API reference, "Create chat completion").
///
/// Each call:
/// - sends `{"model", "messages", "response_format": {"type": "json_schema", "json_schema": {"name",
///   "strict": true, "schema"}}, "max_tokens"?}` (OpenAI, "Structured Outputs"), encoded by
///   `JSONEncoder`, with `Authorization: Bearer AI_API_KEY` only when a key is set (a local
///   server needs none);
/// - is bounded as a whole, retries and the waits between them included, by `timeout`
///   (`AI_TIMEOUT_SECONDS`): past it the call fails with `.timeout`;
/// - retries 429, 500, 502, 503, 504 and failed connections at most `retryPolicy.maxRetries`
///   times (default 2), with exponential back-off and jitter, waiting at least what `Retry-After`
///   asks (seconds or an HTTP date, RFC 9110 § 10.2.3); a wait that would end past the deadline
///   is not started and the last failure is thrown instead;
/// - fails at once with `.upstream` on any other non-2xx (a 401 says the key was refused, never
///   what it is), and on a 2xx that is not a usable answer: not JSON, no `choices[0].message.content`
///   string, `finish_reason` `length` (cut off) or `content_filter`, or a `message.refusal`;
/// - reads at most `maxBodyBytes` (1 MiB) of the answer, so that a hostile or broken provider
///   cannot exhaust memory (more is `.upstream`);
/// - goes through `breaker`, which counts the call once after its retries (only timeouts, failed
///   connections and 5xx count against the provider) and, once open, fails calls at once with
///   `.circuitOpen` and the seconds until it lets one through.
///
/// Reads `choices[0].message.content`, `model` and `usage.prompt_tokens` / `usage.completion_tokens`
/// (0 when missing, at most `maxTokenCount`). The message text is returned unchecked: the caller parses and validates it
/// against the question rules, since not every compatible server enforces the schema.
///
/// Logging never includes the key, the messages or the answer's text: a failed attempt logs the
/// status, the attempt, the provider's error `type` and `code`, and its request id.
public struct LiveChatCompletionsClient: ChatCompleting, CustomStringConvertible, CustomReflectable {
    /// Answers larger than this are refused (1 MiB); a drafted assessment is a few kilobytes.
    static let maxBodyBytes = 1 << 20

    /// The largest token count believed from `usage` (2^31 - 1, far beyond any model's context);
    /// a larger one is recorded as this, so that a broken or hostile provider cannot wrap the
    /// token counters of the metrics (`hirebase_ai_tokens_total`) with a count near `Int.max`.
    static let maxTokenCount = Int(Int32.max)

    /// Which failures are tried again, how often, and the waits between attempts.
    public struct RetryPolicy: Sendable {
        /// Attempts after the first (default 2).
        public var maxRetries: Int
        /// The wait before the first retry, before jitter (default 1 s).
        public var initialDelay: Duration
        /// The longest back-off between attempts, before `Retry-After` (default 8 s).
        public var maxDelay: Duration
        /// A random number in [0, 1): the jitter. Tests make it fixed.
        public var random: @Sendable () -> Double

        public init(
            maxRetries: Int = 2,
            initialDelay: Duration = .seconds(1),
            maxDelay: Duration = .seconds(8),
            random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }
        ) {
            self.maxRetries = max(0, maxRetries)
            self.initialDelay = initialDelay
            self.maxDelay = maxDelay
            self.random = random
        }

        /// The statuses worth another attempt: 429 (rate limited, RFC 6585 § 4) and the 5xx that
        /// say the server or a gateway in front of it failed for now (500, 502, 503, 504).
        public static let retriedStatuses: Set<Int> = [429, 500, 502, 503, 504]

        /// The wait before retry number `retry` (1 for the first): `initialDelay * 2^(retry-1)`,
        /// capped at `maxDelay`, scaled by a random factor in [0.5, 1) so that clients that
        /// failed together do not retry together; at least `retryAfter` when the answer asked for it.
        public func delay(beforeRetry retry: Int, retryAfter: Duration?) -> Duration {
            let exponent = min(max(retry - 1, 0), 30)
            var delay = min(initialDelay * (1 << exponent), maxDelay)
            delay = delay * (0.5 * (1 + min(max(random(), 0), 1)))
            if let retryAfter { delay = max(delay, retryAfter) }
            return delay
        }
    }

    let httpClient: HTTPClient
    /// `{AI_API_BASE}/chat/completions`.
    let endpoint: String
    /// `nil` or empty: no `Authorization` header.
    let apiKey: String?
    /// `AI_MODEL`.
    let configuredModel: String
    /// `AI_TIMEOUT_SECONDS`: the whole call.
    let timeout: Duration
    let retryPolicy: RetryPolicy
    let breaker: CircuitBreaker
    /// Reads `Retry-After` dates against it.
    let clock: WallClock
    let logger: Logger
    let sleep: @Sendable (Duration) async throws -> Void

    /// - Parameters:
    ///   - httpClient: make it with `makeHTTPClient`; the caller shuts it down.
    ///   - apiBase: `AI_API_BASE` (`/chat/completions` is appended; a trailing `/` is dropped).
    ///   - apiKey: `AI_API_KEY`; `nil` or empty sends no `Authorization`. Never logged, nor shown
    ///     by `description` or `dump`.
    ///   - model: `AI_MODEL`.
    ///   - timeout: `AI_TIMEOUT_SECONDS`, the whole call with its retries (default 60 s).
    ///   - retryPolicy: retries and back-off.
    ///   - breaker: opens after 5 calls in a row failed (default), for 30 s.
    ///   - clock: for `Retry-After` given as a date.
    ///   - logger: for failed attempts.
    ///   - sleep: waits between attempts; tests record them instead.
    init(
        httpClient: HTTPClient,
        apiBase: URL,
        apiKey: String?,
        model: String,
        timeout: Duration = .seconds(60),
        retryPolicy: RetryPolicy = RetryPolicy(),
        breaker: CircuitBreaker = CircuitBreaker(),
        clock: WallClock = .system,
        logger: Logger = Logger(label: "hirebase.ai"),
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) {
        self.httpClient = httpClient
        var base = apiBase.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        endpoint = base + "/chat/completions"
        self.apiKey = apiKey
        configuredModel = model
        self.timeout = timeout
        self.retryPolicy = retryPolicy
        self.breaker = breaker
        self.clock = clock
        self.logger = logger
        self.sleep = sleep
    }

    /// An `HTTPClient` fit for this client: `connectTimeout` per connection (default 5 s), no
    /// redirects (an API base that redirects is misconfigured, and a redirect would carry the
    /// key elsewhere), no decompression, and no connection retries inside the pool (which would
    /// re-dial a refused connection until the connect timeout instead of letting `RetryPolicy`
    /// decide). The caller must `shutdown()` it.
    public static func makeHTTPClient(
        connectTimeout: Duration = .seconds(5),
        eventLoopGroup: any EventLoopGroup = HTTPClient.defaultEventLoopGroup
    ) -> HTTPClient {
        BoundedHTTPExchange.makeHTTPClient(connectTimeout: connectTimeout, eventLoopGroup: eventLoopGroup)
    }

    public var description: String { "LiveChatCompletionsClient(\(endpoint), model \(configuredModel))" }

    public var customMirror: Mirror {
        Mirror(self, children: ["endpoint": endpoint, "model": configuredModel], displayStyle: .struct)
    }

    // MARK: - ChatCompleting

    public var model: String? { configuredModel }

    public func complete(_ request: ChatCompletionRequest) async throws -> ChatCompletion {
        let start = ContinuousClock.now
        let deadline = start.advanced(by: timeout)
        func elapsedMs() -> Int { Self.milliseconds(ContinuousClock.now - start) }
        do throws(AIProviderError) {
            let httpRequest = try makeRequest(request)
            let answer = try await breaker.run { () async throws(AIProviderError) -> ChatCompletion in
                let (status, body) = try await self.sendWithRetries(httpRequest, deadline: deadline)
                return try Self.read(body, status: status, requestedModel: self.configuredModel)
            }
            var completion = answer
            completion.durationMs = elapsedMs()
            return completion
        } catch {
            var failure = error
            failure.durationMs = elapsedMs()
            throw failure
        }
    }

    // MARK: - The request

    /// `response_format.json_schema`.
    struct JSONSchemaFormat: Encodable {
        var name: String
        var strict: Bool
        var schema: JSONValue
    }

    /// `response_format`.
    struct ResponseFormat: Encodable {
        var type: String
        var jsonSchema: JSONSchemaFormat

        enum CodingKeys: String, CodingKey {
            case type
            case jsonSchema = "json_schema"
        }
    }

    /// The request body (OpenAI API reference, "Create chat completion"). Keys are spelled out
    /// rather than converted, so that the schema's own keys are sent as written.
    struct RequestBody: Encodable {
        var model: String
        var messages: [ChatMessage]
        var responseFormat: ResponseFormat
        /// Left out when `nil`.
        var maxTokens: Int?

        enum CodingKeys: String, CodingKey {
            case model, messages
            case responseFormat = "response_format"
            case maxTokens = "max_tokens"
        }
    }

    /// The HTTP request for `request`.
    /// - Throws: `.upstream` when the schema cannot be written as JSON (a number beyond a
    ///   decimal's range): our bug, not the provider's.
    func makeRequest(_ request: ChatCompletionRequest) throws(AIProviderError) -> HTTPClientRequest {
        let body = RequestBody(
            model: configuredModel, messages: request.messages,
            responseFormat: ResponseFormat(type: "json_schema", jsonSchema: JSONSchemaFormat(name: request.schemaName, strict: true, schema: request.schema)),
            maxTokens: request.maxOutputTokens)
        let bytes: Data
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            bytes = try encoder.encode(body)
        } catch {
            throw AIProviderError(.upstream, "the request could not be encoded as JSON")
        }
        var http = HTTPClientRequest(url: endpoint)
        http.method = .POST
        if let apiKey, !apiKey.isEmpty { http.headers.add(name: "Authorization", value: "Bearer \(apiKey)") }
        http.headers.add(name: "Content-Type", value: "application/json")
        http.headers.add(name: "Accept", value: "application/json")
        http.headers.add(name: "User-Agent", value: "Hirebase (AsyncHTTPClient)")
        http.body = .bytes(ByteBuffer(bytes: bytes))
        return http
    }

    // MARK: - Sending

    /// Tries `request` until a 2xx (its status and body are returned), a final failure, the last
    /// retry, or `deadline`.
    func sendWithRetries(_ request: HTTPClientRequest, deadline: ContinuousClock.Instant) async throws(AIProviderError) -> (Int, Data) {
        var attempt = 0
        while true {
            attempt += 1
            let failure: AIProviderError
            var retryable = false
            var retryAfter: Duration?
            var metadata: Logger.Metadata = ["attempt": "\(attempt)"]
            switch await exchange(request, deadline: deadline) {
            case .answered(let status, _, let body) where (200..<300).contains(status):
                return (status, body)
            case .answered(let status, let headers, let body):
                let detail = Self.errorDetail(body)
                failure = AIProviderError(.upstream, Self.statusMessage(status, detail: detail, keySent: !(apiKey ?? "").isEmpty), status: status)
                retryable = RetryPolicy.retriedStatuses.contains(status)
                retryAfter = Self.retryAfter(headers.first(name: "Retry-After"), now: clock.now())
                metadata["status"] = "\(status)"
                if let detail { metadata["ai-error"] = "\(detail)" }
                if let requestID = headers.first(name: "x-request-id") { metadata["ai-request-id"] = "\(requestID.prefix(100))" }
            case .tooLarge(let status):
                failure = AIProviderError(.upstream, "the provider's answer exceeds \(Self.maxBodyBytes) bytes", status: status)
                metadata["status"] = "\(status)"
            case .timedOut:
                failure = AIProviderError(.timeout, "no answer within \(Self.seconds(timeout)) s (AI_TIMEOUT_SECONDS)")
            case .unreachable(let reason):
                failure = AIProviderError(.upstream, "could not reach the provider: \(reason)")
                retryable = true
                metadata["error"] = "\(reason)"
            }

            let delay = retryPolicy.delay(beforeRetry: attempt, retryAfter: retryAfter)
            let willRetry = retryable && attempt <= retryPolicy.maxRetries && !Task.isCancelled
                && ContinuousClock.now.advanced(by: delay) < deadline
            metadata["will-retry"] = "\(willRetry)"
            if willRetry {
                logger.notice("AI provider call failed, retrying", metadata: metadata)
                do { try await sleep(delay) } catch { throw failure }
            } else {
                logger.warning("AI provider call failed", metadata: metadata)
                throw failure
            }
        }
    }

    /// One attempt within `deadline` (see `BoundedHTTPExchange`).
    func exchange(_ request: HTTPClientRequest, deadline: ContinuousClock.Instant) async -> BoundedHTTPExchange {
        await BoundedHTTPExchange.perform(request, on: httpClient, maxBodyBytes: Self.maxBodyBytes, deadline: deadline)
    }

    // MARK: - Reading answers

    /// The completion in a 2xx `body`.
    /// - Throws: `.upstream` (with `status`) when it is not a usable Chat Completions answer.
    static func read(_ body: Data, status: Int, requestedModel: String) throws(AIProviderError) -> ChatCompletion {
        func unusable(_ why: String) -> AIProviderError { AIProviderError(.upstream, why, status: status) }
        guard let json = try? JSONValue(parsing: body), json.objectValue != nil else {
            throw unusable("the provider's answer is not a JSON object")
        }
        guard let choice = json["choices"]?[0], let message = choice["message"], message.objectValue != nil else {
            throw unusable("the provider's answer has no choices[0].message")
        }
        if let refusal = message["refusal"]?.stringValue, !refusal.isEmpty {
            throw unusable("the model refused to answer")
        }
        switch choice["finish_reason"]?.stringValue {
        case "length":
            throw unusable("the answer was cut off at the token limit (finish_reason length)")
        case "content_filter":
            throw unusable("the provider's content filter stopped the answer (finish_reason content_filter)")
        default:
            break
        }
        guard let content = message["content"]?.stringValue else {
            throw unusable("the provider's answer has no message content")
        }
        let usage = json["usage"]
        return ChatCompletion(
            content: content,
            model: json["model"]?.stringValue.flatMap { $0.isEmpty ? nil : String($0.prefix(200)) } ?? requestedModel,
            inputTokens: min(max(0, usage?["prompt_tokens"]?.intValue ?? 0), maxTokenCount),
            outputTokens: min(max(0, usage?["completion_tokens"]?.intValue ?? 0), maxTokenCount),
            durationMs: 0)
    }

    /// The provider's error `type` and `code` from an OpenAI error object
    /// (`{"error": {"message", "type", "param", "code"}}`), for messages and logs. The error's
    /// `message` is left out: providers repeat the key in it (OpenAI's 401 shows part of it) or
    /// the prompt. Only `[A-Za-z0-9_.-]`, at most 64 characters each, is kept.
    static func errorDetail(_ body: Data) -> String? {
        guard let error = (try? JSONValue(parsing: body))?["error"] else { return nil }
        let parts = ["type", "code"].compactMap { name -> String? in
            guard let text = error[name]?.stringValue, !text.isEmpty, text.count <= 64,
                  text.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "_.-".unicodeScalars.contains($0)) })
            else { return nil }
            return "\(name) \(text)"
        }
        return parts.isEmpty ? nil : parts.joined(separator: ", ")
    }

    /// The message of a failure with a non-2xx `status` (never the key, never the provider's text).
    static func statusMessage(_ status: Int, detail: String?, keySent: Bool) -> String {
        let why: String
        switch status {
        case 401:
            why = keySent ? "the provider refused the API key (HTTP 401): check AI_API_KEY"
                : "the provider requires an API key (HTTP 401): AI_API_KEY is not set"
        case 403:
            why = "the provider refused access (HTTP 403): check AI_API_KEY and the model's permissions"
        case 404:
            why = "the provider has no such endpoint or model (HTTP 404): check AI_API_BASE and AI_MODEL"
        case 429:
            why = "the provider is rate limiting (HTTP 429)"
        case 400..<500:
            why = "the provider refused the request (HTTP \(status))"
        default:
            why = "the provider failed (HTTP \(status))"
        }
        return detail.map { "\(why); \($0)" } ?? why
    }

    /// The wait a `Retry-After` value asks for (RFC 9110 § 10.2.3): a number of seconds, or an
    /// HTTP date (IMF-fixdate, `Sun, 06 Nov 1994 08:49:37 GMT`) measured against `now`; `nil`
    /// when absent or unreadable; a date in the past is no wait.
    static func retryAfter(_ value: String?, now: Date) -> Duration? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        if value.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) {
            return Int(value.prefix(9)).map { .seconds($0) }
        }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: value) else { return nil }
        let seconds = date.timeIntervalSince(now)
        return seconds > 0 ? .milliseconds(Int64(min(seconds, 86_400) * 1000)) : .zero
    }

    /// `duration` in whole milliseconds.
    static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
    }

    /// `duration` in seconds as the report writes them (`60`, `1.5`).
    static func seconds(_ duration: Duration) -> String {
        (Double(milliseconds(duration)) / 1000).formatted()
    }
}

extension AIProviderError: CircuitBreakerFailure {
    /// Timeouts, failed connections and 5xx say the provider is unwell; a 4xx (429 included: it
    /// says we send too much, not that the provider is down) or an unusable 2xx shows it answers.
    public var countsAgainstAvailability: Bool {
        switch kind {
        case .timeout: true
        case .upstream: status.map { $0 >= 500 } ?? true
        case .notConfigured, .circuitOpen: false
        }
    }

    /// `.circuitOpen` with the seconds until the breaker lets a call through.
    public static func circuitOpen(retryAfterSeconds: Int) -> AIProviderError {
        AIProviderError(.circuitOpen, "the AI provider failed repeatedly; calls are paused", retryAfterSeconds: retryAfterSeconds)
    }
}
