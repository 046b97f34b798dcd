import Logging
import NIOConcurrencyHelpers
import Vapor

/// Runs `work` every `interval` from server start to shutdown (each instance runs its own; the
/// work itself must be safe to run concurrently on several instances).
///
/// A failing round is logged and the next round runs as planned.
final class PeriodicTask: LifecycleHandler, Sendable {
    let name: String
    let interval: Duration
    let work: @Sendable (Application) async throws -> Void
    private let task = NIOLockedValueBox<Task<Void, Never>?>(nil)

    init(name: String, interval: Duration, work: @escaping @Sendable (Application) async throws -> Void) {
        self.name = name
        self.interval = interval
        self.work = work
    }

    func didBootAsync(_ application: Application) async throws {
        let name = self.name
        let interval = self.interval
        let work = self.work
        let logger = Logger(label: "hirebase.jobs.\(name)")
        task.withLockedValue {
            $0 = Task {
                while !Task.isCancelled {
                    do {
                        try await work(application)
                    } catch {
                        logger.error("periodic task failed", metadata: ["task": .string(name), "error": .string(String(describing: error))])
                    }
                    try? await Task.sleep(for: interval)
                }
            }
        }
    }

    func shutdownAsync(_ application: Application) async {
        let running = task.withLockedValue { task in
            defer { task = nil }
            return task
        }
        running?.cancel()
        await running?.value
    }
}
