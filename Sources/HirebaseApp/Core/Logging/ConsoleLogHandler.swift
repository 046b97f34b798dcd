import Foundation
import Logging

/// Readable development lines, each marked by its level as the earlier backend's operators are
/// used to (secrets and personal data masked, `Redaction.scrub`): 🔍 trace, 🐛 debug, ✅ info, ℹ️ notice, ⚠️ warning, ❌ error, 🔥 critical.
public struct ConsoleLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    public var metadataProvider: Logger.MetadataProvider?
    let label: String
    let output: LogOutput

    public init(label: String, level: Logger.Level, metadataProvider: Logger.MetadataProvider? = nil) {
        self.init(label: label, level: level, metadataProvider: metadataProvider, output: LogOutput())
    }

    init(label: String, level: Logger.Level, metadataProvider: Logger.MetadataProvider? = nil, output: LogOutput) {
        self.label = label
        self.logLevel = level
        self.metadataProvider = metadataProvider
        self.output = output
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// The marker printed before a line of this level.
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

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { $1 } }
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        let fields = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\(Self.oneLine(Redaction.loggable(key: $0.key, value: LogOutput.flatten($0.value))))" }.joined(separator: " ")
        let level = event.level.rawValue.uppercased().padding(toLength: 8, withPad: " ", startingAt: 0)
        output.write("\(LogOutput.timestamp()) \(Self.marker(for: event.level)) \(level) \(Self.oneLine(Redaction.scrub(event.message.description)))\(fields.isEmpty ? "" : "  " + fields)")
    }

    /// Escapes line breaks so that a value (a name a caller chose) cannot forge log lines.
    static func oneLine(_ text: String) -> String {
        text.replacingOccurrences(of: "\r", with: "\\r").replacingOccurrences(of: "\n", with: "\\n")
    }
}
