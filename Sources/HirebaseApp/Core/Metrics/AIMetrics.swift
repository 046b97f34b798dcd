import CoreMetrics
import Foundation

/// Calls to the AI provider as this instance made them (`API.md` § AI assistance), recorded once
/// per AI run by whoever records the run (drafting, grading):
/// - `hirebase_ai_calls_total{purpose,outcome}`: runs by what they were for and how they ended;
/// - `hirebase_ai_tokens_total{purpose,direction}`: tokens the provider counted, `direction`
///   `input` (`usage.prompt_tokens`) or `output` (`usage.completion_tokens`);
/// - `hirebase_ai_call_duration_seconds{purpose}`: a run's wall time, retries and back-off
///   included (a histogram, 0.25 s to 120 s buckets).
///
/// `purpose` is an `AIRun.Purpose` (`assessment_generation`, `answer_grading`) and `outcome` an
/// `AIRun.Outcome` (`succeeded`, `invalid_output`, `timeout`, `provider_error`); any other value
/// is counted as `other`, so that label values stay few whatever a caller passes. Every series is
/// made up front (at 0, as Prometheus' `rate()` needs), so recording costs no allocation.
struct AIMetrics: Sendable {
    /// The label value of a purpose or outcome this version does not know.
    static let other = "other"
    /// The `purpose` label's values.
    static let purposes = AIRun.Purpose.allCases.map(\.rawValue) + [other]
    /// The `outcome` label's values.
    static let outcomes = AIRun.Outcome.allCases.map(\.rawValue) + [other]

    /// The duration histogram's name (the Prometheus factory's buckets are keyed by it).
    static let durationName = "hirebase_ai_call_duration_seconds"
    /// The duration histogram's buckets: a model answers in one to tens of seconds; a call is
    /// bounded by `AI_TIMEOUT_SECONDS` (default 60, at most 600).
    static let durationBuckets: [Duration] = [
        .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10), .seconds(20),
        .seconds(30), .seconds(60), .seconds(120),
    ]

    /// The instruments of one purpose.
    private struct Instruments: Sendable {
        /// `hirebase_ai_calls_total{purpose,outcome}` by outcome label.
        var calls: [String: CoreMetrics.Counter]
        /// `hirebase_ai_tokens_total{purpose,direction="input"}`.
        var inputTokens: CoreMetrics.Counter
        /// `hirebase_ai_tokens_total{purpose,direction="output"}`.
        var outputTokens: CoreMetrics.Counter
        /// `hirebase_ai_call_duration_seconds{purpose}`.
        var duration: CoreMetrics.Timer
    }

    private let instruments: [String: Instruments]

    /// - Parameter factory: give the Prometheus factory `durationBuckets` for `durationName`.
    init(factory: any MetricsFactory) {
        var instruments: [String: Instruments] = [:]
        for purpose in Self.purposes {
            let calls = Dictionary(uniqueKeysWithValues: Self.outcomes.map { outcome in
                (outcome, CoreMetrics.Counter(label: "hirebase_ai_calls_total", dimensions: [("purpose", purpose), ("outcome", outcome)], factory: factory))
            })
            instruments[purpose] = Instruments(
                calls: calls,
                inputTokens: CoreMetrics.Counter(label: "hirebase_ai_tokens_total", dimensions: [("purpose", purpose), ("direction", "input")], factory: factory),
                outputTokens: CoreMetrics.Counter(label: "hirebase_ai_tokens_total", dimensions: [("purpose", purpose), ("direction", "output")], factory: factory),
                duration: CoreMetrics.Timer(label: Self.durationName, dimensions: [("purpose", purpose)], factory: factory))
        }
        self.instruments = instruments
    }

    /// Metrics that go nowhere (a service made outside `ServiceFactory`, in tests).
    static let discarded = AIMetrics(factory: NOOPMetricsHandler.instance)

    /// Counts one AI run: the call, its tokens and its duration.
    /// - Parameters:
    ///   - purpose: `AIRun.Purpose.rawValue` (another value is labelled `other`).
    ///   - outcome: `AIRun.Outcome.rawValue` (another value is labelled `other`).
    ///   - inputTokens: `usage.prompt_tokens` (negative counts as 0).
    ///   - outputTokens: `usage.completion_tokens` (negative counts as 0).
    ///   - durationMs: the run's wall time in milliseconds, retries included (negative counts as 0).
    func record(purpose: String, outcome: String, inputTokens: Int, outputTokens: Int, durationMs: Int) {
        guard let made = instruments[purpose] ?? instruments[Self.other] else { return }
        (made.calls[outcome] ?? made.calls[Self.other])?.increment()
        if inputTokens > 0 { made.inputTokens.increment(by: Int64(inputTokens)) }
        if outputTokens > 0 { made.outputTokens.increment(by: Int64(outputTokens)) }
        made.duration.recordNanoseconds(Int64(max(0, durationMs)) * 1_000_000)
    }
}
