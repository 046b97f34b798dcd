import Foundation
import JobPageParser

/// A job to create, as checked by `JobInput.validatedNew()`: texts trimmed and within their
/// lengths, skills cleaned, the employment type upper-case, the salary complete.
struct NewJob: Sendable, Equatable {
    var companyID: UUID
    var title: String
    var description: String
    var skills: [String]
    /// `nil` when not given or blank.
    var location: String?
    var remote: Bool
    /// A schema.org value (`employmentTypes`); `nil` when not given.
    var employmentType: String?
    /// With `currency` and `period`; `nil` when not given.
    var salary: Salary?
}
