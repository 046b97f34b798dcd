import Foundation
import NIOConcurrencyHelpers
@testable import HirebaseApp

/// An in-process AI provider for service tests: answers from a script, in order, and records every
/// request. The HTTP paths (429, 500, hang, `Retry-After`) are the live client's and are tested
/// against the loopback double instead.
final class ScriptedChatClient: ChatCompleting {
    /// One scripted answer.
    enum Step: Sendable {
        /// Answers with this message text (tokens 100 in, 50 out).
        case content(String)
        /// Fails with this error.
        case failure(AIProviderError)
    }

    private let state = NIOLockedValueBox<(steps: [Step], requests: [ChatCompletionRequest])>(([], []))
    let model: String? = "scripted-model"

    init(_ steps: [Step] = []) {
        state.withLockedValue { $0.steps = steps }
    }

    /// Appends answers to the script.
    func enqueue(_ steps: Step...) {
        state.withLockedValue { $0.steps.append(contentsOf: steps) }
    }

    /// Every request received, oldest first.
    var requests: [ChatCompletionRequest] { state.withLockedValue { $0.requests } }

    func complete(_ request: ChatCompletionRequest) async throws -> ChatCompletion {
        let step: Step? = state.withLockedValue {
            $0.requests.append(request)
            return $0.steps.isEmpty ? nil : $0.steps.removeFirst()
        }
        switch step {
        case .content(let text):
            return ChatCompletion(content: text, model: "scripted-model", inputTokens: 100, outputTokens: 50, durationMs: 5)
        case .failure(let error):
            throw error
        case nil:
            throw AIProviderError(.upstream, "the script has no answer left", status: 500)
        }
    }
}

/// A provider that runs `meanwhile` while it "thinks" (another request or a member acting during
/// the call), then answers `answer` with 7 input and 3 output tokens.
struct MidCallChatClient: ChatCompleting {
    let model: String? = "mid-call-model"
    let answer: String
    let meanwhile: @Sendable () async throws -> Void
    func complete(_ request: ChatCompletionRequest) async throws -> ChatCompletion {
        try? await meanwhile()
        return ChatCompletion(content: answer, model: "mid-call-model", inputTokens: 7, outputTokens: 3, durationMs: 9)
    }
}
