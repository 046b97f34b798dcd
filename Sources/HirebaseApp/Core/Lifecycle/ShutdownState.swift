import NIOConcurrencyHelpers
import Vapor

/// Where this process is on its way out, as `GracefulServeCommand` moves it after SIGTERM/SIGINT:
/// `serving` -> `draining` (still serving; `/health/ready` answers 503 so that load balancers stop
/// sending) -> `stopping` (the listener is closed; in-flight requests finish, then the lifecycle
/// handlers: job workers, listeners) -> exit.
///
/// One per application (`app.shutdownState`). Background workers read `isShuttingDown` to stop
/// claiming new work at SIGTERM and `graceDeadline` to bound how long they finish what they hold.
public final class ShutdownState: Sendable {
    /// The phases, in order; a phase never goes back.
    public enum Phase: String, Sendable, Equatable {
        /// Normal operation.
        case serving
        /// A stop was asked for: requests are still served; readiness answers 503 `draining`.
        case draining
        /// The listener is closed; in-flight requests and jobs are finishing within the grace.
        case stopping
    }

    private struct Snapshot {
        var phase = Phase.serving
        var drainEnds: ContinuousClock.Instant?
        var graceDeadline: ContinuousClock.Instant?
    }

    private let snapshot = NIOLockedValueBox(Snapshot())

    /// A state in `serving`.
    public init() {}

    /// The current phase.
    public var phase: Phase { snapshot.withLockedValue { $0.phase } }

    /// Whether a stop was asked for (draining or stopping): take no new background work.
    public var isShuttingDown: Bool { phase != .serving }

    /// When in-flight work must be finished (the end of the drain plus the grace); `nil` while serving.
    public var graceDeadline: ContinuousClock.Instant? { snapshot.withLockedValue { $0.graceDeadline } }

    /// Seconds left of the drain (0 once it is over or while serving), for the readiness answer.
    public var drainSecondsLeft: Double {
        guard let end = snapshot.withLockedValue({ $0.drainEnds }) else { return 0 }
        let left = ContinuousClock.now.duration(to: end)
        return max(0, Double(left.components.seconds) + Double(left.components.attoseconds) / 1e18)
    }

    /// Moves `serving` -> `draining`. Returns false (and changes nothing) when a stop already began.
    ///
    /// - Parameters:
    ///   - drain: how long requests are still served while readiness says 503.
    ///   - grace: how long in-flight work may take after the drain.
    @discardableResult
    public func beginDraining(drain: Duration, grace: Duration) -> Bool {
        snapshot.withLockedValue { state in
            guard state.phase == .serving else { return false }
            let now = ContinuousClock.now
            state.phase = .draining
            state.drainEnds = now + drain
            state.graceDeadline = now + drain + grace
            return true
        }
    }

    /// Moves to `stopping` (from either earlier phase); the grace deadline is `grace` from now when
    /// the drain was cut short or skipped, else the one set when draining began, whichever is earlier.
    public func beginStopping(grace: Duration) {
        snapshot.withLockedValue { state in
            guard state.phase != .stopping else { return }
            let now = ContinuousClock.now
            state.phase = .stopping
            state.drainEnds = now
            let fromNow = now + grace
            state.graceDeadline = min(state.graceDeadline ?? fromNow, fromNow)
        }
    }
}

extension Application {
    private struct ShutdownStateKey: StorageKey {
        typealias Value = ShutdownState
    }

    /// This application's shutdown phase (created in `serving` on first use).
    public var shutdownState: ShutdownState {
        if let existing = storage[ShutdownStateKey.self] { return existing }
        let created = ShutdownState()
        storage[ShutdownStateKey.self] = created
        return created
    }
}
