#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Wall-clock and process-CPU milliseconds of repeated runs of one piece of work, each list
/// sorted: the measuring loop every bench of `scripts/bench/run micro` shares.
public struct BenchTimings: Sendable {
    public var wall: [Double] = []
    public var cpu: [Double] = []

    /// Runs `body` `warmup` times unmeasured, then `runs` times (at least once) measured. What
    /// `body` returns is kept alive until its run's clocks are read, so that freeing it is not
    /// counted as the work.
    public static func measure<T>(runs: Int, warmup: Int, _ body: () -> T) -> BenchTimings {
        for _ in 0..<warmup { _ = body() }
        var timings = BenchTimings()
        for _ in 0..<max(runs, 1) {
            let wallStart = now(CLOCK_MONOTONIC)
            let cpuStart = now(CLOCK_PROCESS_CPUTIME_ID)
            let kept = body()
            timings.cpu.append(now(CLOCK_PROCESS_CPUTIME_ID) - cpuStart)
            timings.wall.append(now(CLOCK_MONOTONIC) - wallStart)
            withExtendedLifetime(kept) {}
        }
        timings.wall.sort()
        timings.cpu.sort()
        return timings
    }

    /// The median wall-clock milliseconds.
    public var medianWall: Double { wall[wall.count / 2] }
    /// The 90th percentile of wall-clock milliseconds (nearest rank).
    public var p90Wall: Double { wall[min(wall.count - 1, Int((Double(wall.count) * 0.9).rounded(.up)) - 1)] }
    /// The median CPU milliseconds.
    public var medianCPU: Double { cpu[cpu.count / 2] }

    /// Milliseconds on `clock`.
    static func now(_ clock: clockid_t) -> Double {
        var time = timespec()
        clock_gettime(clock, &time)
        return Double(time.tv_sec) * 1000 + Double(time.tv_nsec) / 1_000_000
    }
}
