import BenchTiming
import Foundation
import MatchingCore

/// Benchmarks ranking one job against synthetic pools of 10,000 and 100,000 candidates.
///
/// Usage: `swift run -c release MatchingBench [--runs N] [--warmup N] [--sizes 10000,100000]`.
/// Prints median and p90 per pool size for both ways in: direct ranking (normalization, text
/// scan and BM25 every call: preparation included) and ranking a prebuilt ``CandidatePool``
/// (preparation excluded, its build time printed apart); then the pool's memory, and one changed
/// and one removed candidate applied to the prepared pool (``CandidatePool/updating(upserting:removing:)``)
/// against the rebuild it replaces.
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

            let direct = BenchTimings.measure(runs: runs, warmup: warmup) {
                matcher.rank(job: job, candidates: candidates, limit: 20, minScore: 0)
            }
            report("rank(job:candidates:)   preparation INCLUDED", direct, target: targetMilliseconds[size])

            var pool: CandidatePool?
            let build = BenchTimings.measure(runs: 3, warmup: 0) { pool = matcher.prepare(candidates) }
            guard let pool else { continue }
            let prepared = BenchTimings.measure(runs: runs, warmup: warmup) {
                matcher.rank(job: job, pool: pool, limit: 20, minScore: 0)
            }
            report("rank(job:pool:)         preparation EXCLUDED", prepared, target: targetMilliseconds[size])
            report("CandidatePool build     (the excluded preparation)", build, target: nil)

            print("  pool memory: estimatedBytes \(pool.estimatedBytes >> 20) MiB, process RSS \(residentMegabytes()) MiB (profiles' text included)") // allow-print

            // One candidate changed (a new résumé and skills) into the prepared pool, vs the rebuild above.
            var changed = candidates[size / 2]
            changed.resumeText = (changed.resumeText ?? "") + " Kafka Kubernetes gRPC distributed-systems mentoring"
            changed.skills.append("Kafka")
            var updated: CandidatePool?
            let update = BenchTimings.measure(runs: runs, warmup: warmup) {
                updated = pool.updating(upserting: [changed], removing: [candidates[size / 3].id])
            }
            report("pool.updating(one changed, one removed)  vs build above", update, target: nil)
            if let updated {
                let afterUpdate = BenchTimings.measure(runs: runs, warmup: warmup) {
                    matcher.rank(job: job, pool: updated, limit: 20, minScore: 0)
                }
                report("rank(job:pool:) after that update", afterUpdate, target: targetMilliseconds[size])
                var edited = candidates
                edited[size / 2] = changed
                edited.remove(at: size / 3)
                let rebuilt = matcher.prepare(edited)
                let equal = matcher.rank(job: job, pool: updated, limit: 100) == matcher.rank(job: job, pool: rebuilt, limit: 100)
                print("  updated pool ranks like a rebuild: \(equal ? "yes" : "NO")") // allow-print
            }

            let same = matcher.rank(job: job, candidates: candidates, limit: 20) == matcher.rank(job: job, pool: pool, limit: 20)
            let top = matcher.rank(job: job, pool: pool, limit: 1).first
            print("  both ways give identical results: \(same ? "yes" : "NO")") // allow-print
            if let top { print("  best: score \(top.score): \(top.explanation)") } // allow-print
        }
    }

    private static func report(_ label: String, _ timings: BenchTimings, target: Double?) {
        let (median, p90, cpu) = (timings.medianWall, timings.p90Wall, timings.medianCPU)
        var line = "  \(label): median \(format(median)) ms, p90 \(format(p90)) ms (CPU \(format(cpu)) ms)"
        if let target { line += median < target ? " (target < \(format(target)) ms: met)" : " (target < \(format(target)) ms: MISSED)" }
        print(line) // allow-print
    }

    /// The process's resident set (`VmRSS` of `/proc/self/status`), in MiB; 0 where unavailable.
    private static func residentMegabytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
        return kilobytes / 1024
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
