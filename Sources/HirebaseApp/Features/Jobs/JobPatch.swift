import Foundation
import JobPageParser

/// The changes of `PATCH /jobs/{id}`, as checked by `JobInput.validatedPatch()`: `nil` = not
/// given, unchanged. `location` is doubly optional: `.some(nil)` clears it (a blank text was sent).
/// `employmentType` and `salary` cannot be removed (`null` counts as not given).
struct JobPatch: Sendable, Equatable {
    var title: String?
    var description: String?
    var skills: [String]?
    var location: String??
    var remote: Bool?
    var employmentType: String?
    var salary: Salary?

    /// Applies the given fields to `job`.
    func apply(to job: Job) {
        if let title { job.title = title }
        if let description { job.description = description }
        if let skills { job.skills = skills }
        if let location { job.location = location }
        if let remote { job.remote = remote }
        if let employmentType { job.employmentType = employmentType }
        if let salary { job.salary = salary }
    }
}
