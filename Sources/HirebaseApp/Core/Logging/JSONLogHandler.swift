import Foundation
import Logging

/// One JSON object per line (`LOG_FORMAT=json`): `{"timestamp", "level", "label", "message",
/// ...metadata}` with metadata flattened to strings, for log collectors; secrets and personal data
/// masked (`Redaction.scrub`).
public struct JSONLogHandler: LogHandler {
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

    public func log(event: LogEvent) {
        var object: [String: String] = [:]
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { $1 } }
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        for (key, value) in merged { object[key] = Redaction.loggable(key: key, value: LogOutput.flatten(value)) }
        object["timestamp"] = LogOutput.timestamp()
        object["level"] = event.level.rawValue
        object["label"] = label
        object["message"] = Redaction.scrub(event.message.description)
        if event.level >= .warning { object["source"] = "\(event.file.split(separator: "/").last ?? ""):\(event.line)" }
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]),
              let line = String(data: data, encoding: .utf8) else { return }
        output.write(line)
    }
}
