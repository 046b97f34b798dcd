@preconcurrency import Dispatch
import Foundation
import Logging
import NIOConcurrencyHelpers

/// SIGTERM and SIGINT, delivered as Vapor's `ServeCommand` receives them (Dispatch signal
/// sources on a queue of their own): the one place `serve` and `worker` learn they must stop.
enum TerminationSignals {
    /// Logs each signal on `logger` (`announce`), then calls `handler` with the signal's name
    /// (`SIGTERM`, `SIGINT`) each time one arrives, until the returned sources are cancelled.
    static func observe(label: String, logger: Logger, _ handler: @escaping @Sendable (String) -> Void) -> [any DispatchSourceSignal] {
        let queue = DispatchQueue(label: label)
        return [SIGTERM, SIGINT].map { code in
            #if canImport(Darwin)
            signal(code, SIG_IGN) // as Vapor's ServeCommand: Darwin delivers to the handler otherwise
            #endif
            let source = DispatchSource.makeSignalSource(signal: code, queue: queue)
            let name = code == SIGTERM ? "SIGTERM" : "SIGINT"
            source.setEventHandler {
                announce(name, on: logger)
                handler(name)
            }
            source.resume()
            return source
        }
    }

    /// The one line a received termination signal leaves in the log, whatever the command:
    /// `info` "shutdown: SIGTERM received" with `signal` and `pid` metadata.
    static func announce(_ name: String, on logger: Logger) {
        logger.info("shutdown: \(name) received", metadata: [
            "signal": .string(name), "pid": .stringConvertible(ProcessInfo.processInfo.processIdentifier),
        ])
    }

    /// Returns at the first SIGTERM or SIGINT, with its name (logged on `logger`).
    static func next(label: String, logger: Logger) async -> String {
        await withCheckedContinuation { (continuation: CheckedContinuation<String, Never>) in
            let pending = NIOLockedValueBox<CheckedContinuation<String, Never>?>(continuation)
            let sources = NIOLockedValueBox<[any DispatchSourceSignal]>([])
            sources.withLockedValue { $0 = observe(label: label, logger: logger) { name in
                guard let waiting = pending.withLockedValue({ value -> CheckedContinuation<String, Never>? in defer { value = nil }; return value }) else { return }
                sources.withLockedValue { $0.forEach { $0.cancel() } }
                waiting.resume(returning: name)
            } }
        }
    }
}
