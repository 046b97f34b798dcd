import Vapor

/// The contract's error body: `{"detail", "code", "requestId", "errors"?}` plus optional extras
/// such as `existingId`. Encoded by hand so that extras sit at the top level.
public struct ErrorBody: Sendable, Encodable {
    public var detail: String
    public var code: String
    public var requestId: String
    public var errors: [AppError.FieldError]?
    public var extra: [String: String]
    public var extraNumbers: [String: Int] = [:]

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ string: String) { stringValue = string }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(detail, forKey: Key("detail"))
        try container.encode(code, forKey: Key("code"))
        try container.encode(requestId, forKey: Key("requestId"))
        if let errors { try container.encode(errors, forKey: Key("errors")) }
        let reserved: Set<String> = ["detail", "code", "requestId", "errors"]
        for (key, value) in extra.sorted(by: { $0.key < $1.key }) where !reserved.contains(key) {
            try container.encode(value, forKey: Key(key))
        }
        for (key, value) in extraNumbers.sorted(by: { $0.key < $1.key }) where !reserved.contains(key) && extra[key] == nil {
            try container.encode(value, forKey: Key(key))
        }
    }
}
