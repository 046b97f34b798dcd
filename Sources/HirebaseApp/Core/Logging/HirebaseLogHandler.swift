import Foundation
import Logging

/// The log handler of every logger: one line per event, in one of two formats, with secrets and
/// personal data masked (`Redaction.scrub`, `Redaction.loggable`) whatever the level.
public struct HirebaseLogHandler: LogHandler {
    /// How a line is written.
    public enum Format: Sendable {
        /// Readable development lines, each marked by its level as the earlier backend's
        /// operators are used to: 🔍 trace, 🐛 debug, ✅ info, ℹ️ notice, ⚠️ warning, ❌ error,
        /// 🔥 critical; then `key=value` metadata.
        case console
        /// One JSON object per line (`LOG_FORMAT=json`): `{"timestamp", "level", "label",
        /// "message", ...metadata}` with metadata flattened to strings, for log collectors;
        /// `source` (file:line) from `warning` up.
        case json
    }

    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    public var metadataProvider: Logger.MetadataProvider?
    let label: String
    let format: Format
    let output: LogOutput

    public init(label: String, level: Logger.Level, format: Format, metadataProvider: Logger.MetadataProvider? = nil) {
        self.init(label: label, level: level, format: format, metadataProvider: metadataProvider, output: LogOutput())
    }

    init(label: String, level: Logger.Level, format: Format, metadataProvider: Logger.MetadataProvider? = nil, output: LogOutput) {
        self.label = label
        self.logLevel = level
        self.format = format
        self.metadataProvider = metadataProvider
        self.output = output
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { $1 } }
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        let fields = merged.map { (key: $0.key, value: Redaction.loggable(key: $0.key, value: LogOutput.flatten($0.value))) }
        let message = Redaction.scrub(event.message.description)
        switch format {
        case .console:
            let pairs = fields.sorted { $0.key < $1.key }.map { "\($0.key)=\(Self.oneLine($0.value))" }.joined(separator: " ")
            let level = event.level.rawValue.uppercased().padding(toLength: 8, withPad: " ", startingAt: 0)
            output.write("\(LogOutput.timestamp()) \(Self.marker(for: event.level)) \(level) \(Self.oneLine(message))\(pairs.isEmpty ? "" : "  " + pairs)")
        case .json:
            var object = Dictionary(fields.map { ($0.key, $0.value) }, uniquingKeysWith: { $1 })
            object["timestamp"] = LogOutput.timestamp()
            object["level"] = event.level.rawValue
            object["label"] = label
            object["message"] = message
            if event.level >= .warning { object["source"] = "\(event.file.split(separator: "/").last ?? ""):\(event.line)" }
            guard let line = Self.jsonLine(object) else { return }
            output.write(line)
        }
    }

    /// Encodes a JSON line's members with `JSONEncoder`: keys sorted by code point, `/`
    /// unescaped. For lower-case snake_case keys (log metadata's) that is the text
    /// `JSONSerialization` wrote with `[.sortedKeys, .withoutEscapingSlashes]` (pinned by
    /// `LoggingTests`), at an eighth of its cost (82 against 10 µs a line of nine members, debug
    /// build, measured once): `JSONSerialization` was a third of a `/health`
    /// request's CPU at `LOG_LEVEL=info` with `LOG_FORMAT=json`.
    /// - Returns: the line, `nil` if it cannot be encoded.
    static func jsonLine(_ members: [String: String]) -> String? {
        guard let data = try? lineEncoder.encode(members) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// The encoder of `jsonLine(_:)` (a `JSONEncoder` is safe to share once configured).
    private static let lineEncoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// The marker a console line of this level starts with.
    public static func marker(for level: Logger.Level) -> String {
        switch level {
        case .trace: return "🔍"
        case .debug: return "🐛"
        case .info: return "✅"
        case .notice: return "ℹ️"
        case .warning: return "⚠️"
        case .error: return "❌"
        case .critical: return "🔥"
        }
    }

    /// Escapes line breaks so that a value (a name a caller chose) cannot forge console lines.
    /// Text without a line break (nearly every value) is returned as is, without Foundation's
    /// two replacements.
    static func oneLine(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 == UInt8(ascii: "\r") || $0 == UInt8(ascii: "\n") }) else { return text }
        return text.replacingOccurrences(of: "\r", with: "\\r").replacingOccurrences(of: "\n", with: "\\n")
    }
}
