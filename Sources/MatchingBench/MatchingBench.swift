import Foundation
import MatchingCore

/// Benchmarks ranking one job against synthetic pools of 10,000 and 100,000 candidates.
///
/// Usage: `swift run -c release MatchingBench [--runs N] [--warmup N] [--sizes 10000,100000]`.
/// Prints median and p90 per pool size for both ways in: direct ranking (normalization, text
/// scan and BM25 every call: preparation included) and ranking a prebuilt ``CandidatePool``
/// (preparation excluded, its build time printed apart).
@main
struct MatchingBench {
    /// Targets from the matching issue: median, release build, this 2-core machine.
    static let targetMilliseconds: [Int: Double] = [10_000: 20, 100_000: 150]

    static func main() {
        let runs = option("--runs") ?? 30
        let warmup = option("--warmup") ?? 3
        let sizes = optionList("--sizes") ?? [10_000, 100_000]
        let matcher = CandidateMatcher()
        let job = SyntheticPool.job
        print("MatchingBench: one job, \(runs) runs after \(warmup) warm-up, \(ProcessInfo.processInfo.activeProcessorCount) cores") // allow-print
        for size in sizes {
            let candidates = SyntheticPool.candidates(count: size)
            let textBytes = candidates.reduce(0) { $0 + ($1.resumeText?.utf8.count ?? 0) + ($1.headline?.utf8.count ?? 0) }
            print("\npool \(size) candidates, \(textBytes / 1_000_000) MB of headline + résumé text") // allow-print

            let direct = measure(runs: runs, warmup: warmup) {
                matcher.rank(job: job, candidates: candidates, limit: 20, minScore: 0)
            }
            report("rank(job:candidates:)   preparation INCLUDED", direct, target: targetMilliseconds[size])

            var pool: CandidatePool?
            let build = measure(runs: 3, warmup: 0) { pool = matcher.prepare(candidates) }
            guard let pool else { continue }
            let prepared = measure(runs: runs, warmup: warmup) {
                matcher.rank(job: job, pool: pool, limit: 20, minScore: 0)
            }
            report("rank(job:pool:)         preparation EXCLUDED", prepared, target: targetMilliseconds[size])
            report("CandidatePool build     (the excluded preparation)", build, target: nil)

            let same = matcher.rank(job: job, candidates: candidates, limit: 20) == matcher.rank(job: job, pool: pool, limit: 20)
            let top = matcher.rank(job: job, pool: pool, limit: 1).first
            print("  both ways give identical results: \(same ? "yes" : "NO")") // allow-print
            if let top { print("  best: score \(top.score): \(top.explanation)") } // allow-print
        }
    }

    /// Wall-clock and process CPU milliseconds per run, each sorted.
    private struct Timings {
        var wall: [Double] = []
        var cpu: [Double] = []
    }

    private static func measure(runs: Int, warmup: Int, _ body: () -> some Any) -> Timings {
        for _ in 0..<warmup { _ = body() }
        var timings = Timings()
        for _ in 0..<runs {
            var kept: Any?
            let wallStart = now(CLOCK_MONOTONIC)
            let cpuStart = now(CLOCK_PROCESS_CPUTIME_ID)
            kept = body()
            timings.cpu.append(now(CLOCK_PROCESS_CPUTIME_ID) - cpuStart)
            timings.wall.append(now(CLOCK_MONOTONIC) - wallStart)
            withExtendedLifetime(kept) {}
        }
        timings.wall.sort()
        timings.cpu.sort()
        return timings
    }

    /// Milliseconds on `clock`.
    private static func now(_ clock: clockid_t) -> Double {
        var time = timespec()
        clock_gettime(clock, &time)
        return Double(time.tv_sec) * 1000 + Double(time.tv_nsec) / 1_000_000
    }

    private static func report(_ label: String, _ timings: Timings, target: Double?) {
        let sorted = timings.wall
        let median = sorted[sorted.count / 2]
        let p90 = sorted[min(sorted.count - 1, Int((Double(sorted.count) * 0.9).rounded(.up)) - 1)]
        let cpu = timings.cpu[timings.cpu.count / 2]
        var line = "  \(label): median \(format(median)) ms, p90 \(format(p90)) ms (CPU \(format(cpu)) ms)"
        if let target { line += median < target ? " (target < \(format(target)) ms: met)" : " (target < \(format(target)) ms: MISSED)" }
        print(line) // allow-print
    }

    private static func format(_ value: Double) -> String {
        String(format: "%.1f", value)
    }

    private static func option(_ name: String) -> Int? {
        let arguments = CommandLine.arguments
        guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
        return Int(arguments[index + 1])
    }

    private static func optionList(_ name: String) -> [Int]? {
        let arguments = CommandLine.arguments
        guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
        return arguments[index + 1].split(separator: ",").compactMap { Int($0) }
    }
}
