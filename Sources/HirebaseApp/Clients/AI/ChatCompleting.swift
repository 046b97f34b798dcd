import Foundation
import JSONTree

/// One message of a Chat Completions conversation (`role` is `system`, `user` or `assistant`).
public struct ChatMessage: Codable, Sendable, Equatable {
    /// `system`, `user` or `assistant`.
    public var role: String
    /// The message text.
    public var content: String

    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }
}

/// What Hirebase asks an OpenAI-compatible provider: a conversation, and the JSON Schema its answer
/// must follow (sent as `response_format: {"type": "json_schema", "json_schema": {"name", "strict":
/// true, "schema"}}`; the answer is validated by the caller anyway, since not every compatible
/// server enforces it).
public struct ChatCompletionRequest: Sendable, Equatable {
    /// The conversation, oldest first (a system message, then the user's).
    public var messages: [ChatMessage]
    /// `json_schema.name`: `[A-Za-z0-9_-]{1,64}`.
    public var schemaName: String
    /// A JSON Schema object.
    public var schema: JSONValue
    /// `max_tokens`, when the caller bounds the answer.
    public var maxOutputTokens: Int?

    public init(messages: [ChatMessage], schemaName: String, schema: JSONValue, maxOutputTokens: Int? = nil) {
        self.messages = messages
        self.schemaName = schemaName
        self.schema = schema
        self.maxOutputTokens = maxOutputTokens
    }
}

/// A provider's answer: the first choice's message text and the token counts of `usage`.
public struct ChatCompletion: Sendable, Equatable {
    /// `choices[0].message.content`, not yet checked (the caller parses and validates it).
    public var content: String
    /// The model that answered (`model` of the answer, else the one asked for).
    public var model: String
    /// `usage.prompt_tokens` (0 when the provider does not say).
    public var inputTokens: Int
    /// `usage.completion_tokens` (0 when the provider does not say).
    public var outputTokens: Int
    /// Wall time of the whole call, retries included, in milliseconds.
    public var durationMs: Int

    public init(content: String, model: String, inputTokens: Int, outputTokens: Int, durationMs: Int) {
        self.content = content
        self.model = model
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.durationMs = durationMs
    }
}

extension ChatCompletion {
    /// The JSON text in a provider's message `content`, with the wrappings OpenAI-compatible
    /// servers are seen to put around it taken off: a leading byte order mark (U+FEFF), the
    /// surrounding white space, and one Markdown code fence around the whole text (a first line
    /// ```` ``` ```` or ```` ```json ````, any case, and a last ```` ``` ````), which local models
    /// (llama.cpp, Ollama) often write even when asked for JSON only.
    ///
    /// The one place both prompts' answers (`AssessmentDraftAnswer`, `AnswerGradingPrompt`) are
    /// unwrapped before parsing: anything else — text before or after the fence, two blocks, an
    /// unclosed fence — is returned as it is and fails the caller's JSON parse.
    public static func jsonText(_ content: String) -> String {
        var scalars = Substring(content).unicodeScalars[...]
        if scalars.first == "\u{FEFF}" { scalars = scalars.dropFirst() }
        let text = String(String.UnicodeScalarView(scalars)).trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.hasPrefix("```"), text.count >= 6, text.hasSuffix("```"),
              let lineEnd = text.firstIndex(where: \.isNewline) else { return text }
        let language = text[text.index(text.startIndex, offsetBy: 3)..<lineEnd].trimmingCharacters(in: .whitespaces)
        guard language.isEmpty || language.lowercased() == "json" else { return text }
        let body = text[text.index(after: lineEnd)..<text.index(text.endIndex, offsetBy: -3)]
        // One block only: a fence inside means text around or between blocks.
        guard !body.contains("```") else { return text }
        return body.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

extension ChatMessage {
    /// Untrusted text (a job description, a question, a rubric, a candidate's answer) as placed in
    /// a prompt: every line prefixed with `| `, so that no line of it can pose as one of the
    /// prompt's own labelled lines (`Question id: ...`, `Max points: ...`, `Question count: ...`,
    /// `Kinds: ...`), which models and test doubles of the provider read by line; line breaks
    /// (CR LF, CR, LF, and the Unicode ones Swift counts as newlines) become `\n`.
    public static func quoted(_ text: String) -> String {
        text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map { "| " + $0 }.joined(separator: "\n")
    }
}

/// Why a provider call produced no answer. Each maps to one HTTP answer (`appError`).
public struct AIProviderError: Error, Sendable, Equatable {
    /// Which failure, hence which HTTP answer.
    public enum Kind: String, Sendable, Equatable {
        /// `AI_API_BASE` / `AI_MODEL` not set: 503 `ai_not_configured`.
        case notConfigured = "not_configured"
        /// No answer within `AI_TIMEOUT_SECONDS`: 504 `upstream_timeout`.
        case timeout
        /// The circuit breaker is open after repeated failures: 503 `ai_unavailable`.
        case circuitOpen = "circuit_open"
        /// 429 or 5xx after the last retry, another 4xx, or a body that is not a Chat Completions
        /// answer: 502 `upstream_error`.
        case upstream
    }

    /// Which failure.
    public var kind: Kind
    /// A short, safe description (no key, no prompt text).
    public var message: String
    /// The upstream HTTP status, when there was one.
    public var status: Int?
    /// Wall time spent before giving up, in milliseconds (recorded on the AI run).
    public var durationMs: Int
    /// For `circuitOpen`: seconds until the breaker lets a call through again.
    public var retryAfterSeconds: Int?

    public init(_ kind: Kind, _ message: String, status: Int? = nil, durationMs: Int = 0, retryAfterSeconds: Int? = nil) {
        self.kind = kind
        self.message = message
        self.status = status
        self.durationMs = durationMs
        self.retryAfterSeconds = retryAfterSeconds
    }

    /// The contract's answer for this failure (`API.md` § AI assistance).
    public var appError: AppError {
        switch kind {
        case .notConfigured:
            return AppError.unavailable("AI assistance is not configured on this server (AI_API_BASE, AI_MODEL)", code: "ai_not_configured",
                                        retryAfterSeconds: 3600)
        case .timeout:
            return AppError(.gatewayTimeout, detail: "The AI provider did not answer in time")
        case .circuitOpen:
            return AppError.unavailable("The AI provider is failing; calls are paused", code: "ai_unavailable",
                                        retryAfterSeconds: retryAfterSeconds ?? 30)
        case .upstream:
            return AppError(.badGateway, detail: "The AI provider failed: \(message)")
        }
    }
}

/// An OpenAI-compatible Chat Completions API (`POST {AI_API_BASE}/chat/completions`).
///
/// The live implementation is `LiveChatCompletionsClient`; without configuration it is
/// `UnconfiguredChatClient`. Tests put a loopback double behind the live client.
public protocol ChatCompleting: Sendable {
    /// The configured model (`AI_MODEL`); `nil` when not configured.
    var model: String? { get }
    /// Sends `request` and returns the first choice.
    /// - Throws: `AIProviderError` (only).
    func complete(_ request: ChatCompletionRequest) async throws -> ChatCompletion
}

/// The provider when `AI_API_BASE` or `AI_MODEL` is missing: every call is 503 `ai_not_configured`.
public struct UnconfiguredChatClient: ChatCompleting {
    public init() {}
    public var model: String? { nil }
    public func complete(_ request: ChatCompletionRequest) async throws -> ChatCompletion {
        throw AIProviderError(.notConfigured, "AI assistance is not configured")
    }
}
