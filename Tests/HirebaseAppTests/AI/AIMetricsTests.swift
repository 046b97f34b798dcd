import Foundation
import Testing
@testable import HirebaseApp

@Suite("AI metrics")
struct AIMetricsTests {
    /// The value of `series` in a Prometheus text exposition, `nil` when absent.
    func sample(_ text: String, _ series: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1).prefix { $0 != " " })
        }
        return nil
    }

    @Test func runsAreCountedByPurposeAndOutcomeWithTheirTokensAndDurations() {
        let metrics = HirebaseMetrics()
        let before = metrics.render()
        // Every series exists at 0 before the first run, as rate() needs.
        for purpose in ["assessment_generation", "answer_grading"] {
            for outcome in ["succeeded", "invalid_output", "timeout", "provider_error"] {
                #expect(sample(before, #"hirebase_ai_calls_total{purpose="\#(purpose)",outcome="\#(outcome)"}"#) == 0)
            }
            #expect(sample(before, #"hirebase_ai_tokens_total{purpose="\#(purpose)",direction="input"}"#) == 0)
        }

        metrics.ai.record(purpose: "assessment_generation", outcome: "succeeded", inputTokens: 1200, outputTokens: 800, durationMs: 3200)
        metrics.ai.record(purpose: "assessment_generation", outcome: "invalid_output", inputTokens: 1000, outputTokens: 50, durationMs: 900)
        metrics.ai.record(purpose: "answer_grading", outcome: "timeout", inputTokens: 0, outputTokens: 0, durationMs: 60_000)
        let text = metrics.render()

        #expect(sample(text, #"hirebase_ai_calls_total{purpose="assessment_generation",outcome="succeeded"}"#) == 1)
        #expect(sample(text, #"hirebase_ai_calls_total{purpose="assessment_generation",outcome="invalid_output"}"#) == 1)
        #expect(sample(text, #"hirebase_ai_calls_total{purpose="answer_grading",outcome="timeout"}"#) == 1)
        #expect(sample(text, #"hirebase_ai_tokens_total{purpose="assessment_generation",direction="input"}"#) == 2200)
        #expect(sample(text, #"hirebase_ai_tokens_total{purpose="assessment_generation",direction="output"}"#) == 850)
        #expect(sample(text, #"hirebase_ai_tokens_total{purpose="answer_grading",direction="input"}"#) == 0)
        #expect(sample(text, #"hirebase_ai_call_duration_seconds_count{purpose="assessment_generation"}"#) == 2)
        #expect(sample(text, #"hirebase_ai_call_duration_seconds_sum{purpose="assessment_generation"}"#) == 4.1)
        // The histogram has the AI buckets (a call may take up to AI_TIMEOUT_SECONDS).
        #expect(sample(text, #"hirebase_ai_call_duration_seconds_bucket{purpose="answer_grading",le="60.0"}"#) == 1)
        #expect(sample(text, #"hirebase_ai_call_duration_seconds_bucket{purpose="answer_grading",le="30.0"}"#) == 0)
    }

    /// Label values stay few whatever a caller passes.
    @Test func unknownPurposesAndOutcomesAreCountedAsOther() {
        let metrics = HirebaseMetrics()
        metrics.ai.record(purpose: "summarize", outcome: "exploded", inputTokens: 10, outputTokens: -5, durationMs: -1)
        let text = metrics.render()
        #expect(sample(text, #"hirebase_ai_calls_total{purpose="other",outcome="other"}"#) == 1)
        #expect(sample(text, #"hirebase_ai_tokens_total{purpose="other",direction="input"}"#) == 10)
        #expect(sample(text, #"hirebase_ai_tokens_total{purpose="other",direction="output"}"#) == 0)
        #expect(!text.contains("summarize") && !text.contains("exploded"))
    }
}
