import Logging
import NIOConcurrencyHelpers

/// Log records a test captures, to check what a path logs: `capture.logger` is a `Logger` whose
/// every event (level, message, merged metadata) lands in `records`.
final class LogCapture: Sendable {
    /// One logged event.
    struct Record: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: Logger.Metadata
    }

    private let box = NIOLockedValueBox<[Record]>([])
    /// Every record so far, in order.
    var records: [Record] { box.withLockedValue { $0 } }
    func append(_ record: Record) { box.withLockedValue { $0.append(record) } }

    /// A logger at `trace` whose events are captured here.
    var logger: Logger {
        Logger(label: "test.capture") { _ in Handler(capture: self) }
    }

    struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            capture.append(Record(level: event.level, message: "\(event.message)", metadata: metadata.merging(event.metadata ?? [:]) { $1 }))
        }
    }
}
