import Foundation

/// Writes a `DecodingError` as a readable 400 naming the field, in the field's JSON path
/// (`questions[0].kind`), without Swift type names.
enum DecodingErrorTranslator {
    static func appError(for error: DecodingError) -> AppError {
        switch error {
        case .keyNotFound(let key, let context):
            let field = path(context.codingPath + [key])
            return .invalidField(field, "is required")
        case .typeMismatch(let type, let context):
            let field = path(context.codingPath)
            if field.isEmpty { return .invalid("Request body must be a JSON object") }
            return .invalidField(field, "must be \(describe(type))")
        case .valueNotFound(let type, let context):
            let field = path(context.codingPath)
            return .invalidField(field.isEmpty ? "body" : field, "must be \(describe(type)), not null")
        case .dataCorrupted(let context):
            let field = path(context.codingPath)
            if field.isEmpty { return .invalid("Request body is not valid JSON") }
            return .invalidField(field, "has an invalid value")
        @unknown default:
            return .invalid("Request body could not be read")
        }
    }

    static func path(_ keys: [any CodingKey]) -> String {
        var out = ""
        for key in keys {
            if let index = key.intValue { out += "[\(index)]" } else {
                out += out.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return out
    }

    static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Bool.Type: return "a boolean"
        case is Int.Type, is Int64.Type, is Int32.Type: return "an integer"
        case is Double.Type, is Float.Type: return "a number"
        case is UUID.Type: return "a UUID"
        case is Date.Type: return "an RFC 3339 timestamp"
        default:
            let name = String(describing: type)
            if name.hasPrefix("Array") { return "an array" }
            if name.hasPrefix("Dictionary") { return "an object" }
            return "a valid value"
        }
    }
}
