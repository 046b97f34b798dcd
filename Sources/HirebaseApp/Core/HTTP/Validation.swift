import Foundation

/// Collects field errors of one request so that the caller learns about all of them at once.
struct FieldValidator {
    private(set) var errors: [AppError.FieldError] = []

    mutating func fail(_ field: String, _ message: String) {
        errors.append(.init(field: field, message: message))
    }

    /// Checks a required text: trimmed, non-empty, at most `maxLength` characters.
    /// - Returns: the trimmed text, or "" after recording an error.
    mutating func text(_ value: String?, _ field: String, maxLength: Int = 200, required: Bool = true) -> String {
        let trimmed = value?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        if trimmed.isEmpty {
            if required { fail(field, "is required") }
        } else if trimmed.unicodeScalars.count > maxLength {
            // Unicode scalars, not characters: one "character" can carry thousands of combining marks.
            fail(field, "must be at most \(maxLength) characters")
        }
        return trimmed
    }

    /// Checks an optional integer range.
    mutating func range(_ value: Int?, _ field: String, _ range: ClosedRange<Int>) {
        if let value, !range.contains(value) { fail(field, "must be between \(range.lowerBound) and \(range.upperBound)") }
    }

    /// Throws 400 with every recorded error, if any.
    func check(_ detail: String = "Request is invalid") throws {
        guard !errors.isEmpty else { return }
        let summary = errors.count == 1 ? "\(errors[0].field): \(errors[0].message)" : "\(detail): \(errors.map { "\($0.field) \($0.message)" }.joined(separator: "; "))"
        throw AppError.invalid(summary, fields: errors)
    }
}
