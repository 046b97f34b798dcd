import Foundation
import Logging

/// Writes whole lines to standard output; one `write(2)` per line so that lines of concurrent
/// tasks never interleave. Tests pass a `sink` to read the lines instead.
struct LogOutput: Sendable {
    var sink: (@Sendable (String) -> Void)?

    func write(_ line: String) {
        if let sink {
            sink(line)
            return
        }
        var bytes = Array(line.utf8)
        bytes.append(UInt8(ascii: "\n"))
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Foundation.write(STDOUT_FILENO, buffer.baseAddress! + offset, buffer.count - offset)
                if written <= 0 { return }
                offset += written
            }
        }
    }

    /// A log line's time stamp. The machine's clock, not the app's `WallClock`: a log line says
    /// when it was written, which a test's moved clock must not change.
    static func timestamp(_ date: Date = Date()) -> String {
        date.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
    }

    /// Flattens nested metadata into `key=value` / JSON-compatible strings.
    static func flatten(_ value: Logger.MetadataValue) -> String {
        switch value {
        case .string(let string): return string
        case .stringConvertible(let convertible): return convertible.description
        case .array(let array): return "[" + array.map(flatten).joined(separator: ", ") + "]"
        case .dictionary(let dictionary):
            return "{" + dictionary.sorted { $0.key < $1.key }.map { "\($0.key): \(flatten($0.value))" }.joined(separator: ", ") + "}"
        }
    }
}
