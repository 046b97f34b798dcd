import Foundation
import JobPageParser
import Vapor

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

    /// Checks a skills list: at most 100 non-empty entries of at most 100 characters, trimmed,
    /// duplicates (case-insensitive) dropped, first spelling kept.
    /// - Returns: the cleaned list (`[]` for `nil`).
    mutating func skills(_ value: [String]?, _ field: String = "skills") -> [String] {
        let list = value ?? []
        if list.count > 100 { fail(field, "may hold at most 100 skills") }
        var seen = Set<String>()
        var result: [String] = []
        for (index, raw) in list.enumerated() {
            let skill = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if skill.isEmpty { fail("\(field)[\(index)]", "must not be empty"); continue }
            if skill.count > 100 { fail("\(field)[\(index)]", "must be at most 100 characters"); continue }
            if seen.insert(skill.lowercased()).inserted { result.append(skill) }
        }
        return result
    }

    /// Checks a salary: numbers from 0 below 10^12 with min <= max, at least one of them, an
    /// ISO 4217 currency (any case, stored upper-case) and a known period (any case).
    /// - Returns: the salary with both `currency` and `period` set, or `nil` when none was given
    ///   (or after recording an error). The amounts keep the exact decimal digits of the numbers
    ///   sent, so that they read back as the same numbers.
    mutating func salary(_ value: SalaryInput?, _ field: String = "salary") -> Salary? {
        guard let value else { return nil }
        let before = errors.count
        var amounts: [String: Decimal] = [:]
        for (name, number) in [("min", value.min), ("max", value.max)] {
            guard let number else { continue }
            // A decimal's exponent ends near 10^-128: a smaller amount (`1e-129`) has no exact
            // decimal and would be stored as NaN, which no JSON can hold.
            guard number.isFinite, number >= 0, number < 1e12, let exact = Self.exactDecimal(number) else {
                fail("\(field).\(name)", "must be a number from 0")
                continue
            }
            amounts[name] = exact
        }
        if value.min == nil, value.max == nil { fail(field, "needs min or max") }
        if let min = value.min, let max = value.max, min > max { fail("\(field).min", "must not exceed max") }
        let currency = (value.currency ?? "").trimmingCharacters(in: .whitespaces).uppercased()
        if currency.count != 3 || !currency.allSatisfy({ $0.isASCII && $0.isLetter }) { fail("\(field).currency", "must be an ISO 4217 code such as USD") }
        let period = Salary.Period(rawValue: (value.period ?? "").lowercased())
        if period == nil {
            fail("\(field).period", "must be one of \(Salary.Period.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard errors.count == before else { return nil }
        return Salary(min: amounts["min"], max: amounts["max"], currency: currency, period: period)
    }

    /// The decimal with the digits of `number`'s shortest form (`0.1` -> 0.1, not the binary
    /// expansion `Decimal(Double)` gives), so that `Double(decimal.description)` is `number` again;
    /// `nil` when no decimal holds it (beyond a decimal's exponent range).
    private static func exactDecimal(_ number: Double) -> Decimal? {
        guard let decimal = Decimal(string: "\(number)", locale: Locale(identifier: "en_US_POSIX")), !decimal.isNaN,
              Double(decimal.description) == number else { return nil }
        return decimal
    }

    /// Throws 400 with every recorded error, if any.
    func check(_ detail: String = "Request is invalid") throws {
        guard !errors.isEmpty else { return }
        let summary = errors.count == 1 ? "\(errors[0].field): \(errors[0].message)" : "\(detail): \(errors.map { "\($0.field) \($0.message)" }.joined(separator: "; "))"
        throw AppError.invalid(summary, fields: errors)
    }
}

/// A salary as clients send it (`SalaryInput` in openapi.json): major units as JSON numbers;
/// checked by `FieldValidator.salary`.
struct SalaryInput: Content {
    var min: Double?
    var max: Double?
    var currency: String?
    var period: String?
}
