import Fluent
import Foundation
import JobPageParser

/// Jobs: creation as drafts (by hand or from a scraped posting), listing and edits. Status
/// changes belong to the pipeline (`ApplicationService.act`).
struct JobService: Sendable {
    let store: JobStore
    /// Stamps the creation time and the first history entry.
    let clock: WallClock

    /// Creates `new` as a `draft` job of `createdBy`.
    /// - Parameter sourceURL: the page a scraped job came from.
    func create(_ new: NewJob, sourceURL: String? = nil, createdBy: UUID, on db: any Database) async throws -> Job {
        let job = draft(new, sourceURL: sourceURL, createdBy: createdBy)
        try await store.create(job, on: db)
        return job
    }

    /// One page of a company's jobs, newest first.
    func list(companyID: UUID, status: JobStatus?, page: PageRequest, on db: any Database) async throws -> (items: [Job], nextCursor: String?) {
        try await store.page(companyID: companyID, status: status, page, on: db)
    }

    /// The job with `id`.
    /// - Throws: 404 `not_found` when there is none.
    func find(_ id: UUID, on db: any Database) async throws -> Job {
        guard let job = try await store.find(id, on: db) else { throw AppError.notFound("Job") }
        return job
    }

    /// Applies `patch` to `job` and saves it.
    func update(_ job: Job, with patch: JobPatch, on db: any Database) async throws -> Job {
        patch.apply(to: job)
        try await store.update(job, on: db)
        return job
    }

    /// A new `draft` job, not yet stored, its history starting with the draft (whole seconds).
    func draft(_ new: NewJob, sourceURL: String?, createdBy: UUID) -> Job {
        let now = clock.now()
        let job = Job()
        job.companyID = new.companyID
        job.title = new.title
        job.description = new.description
        job.skills = new.skills
        job.location = new.location
        job.remote = new.remote
        job.employmentType = new.employmentType
        job.salary = new.salary
        job.status = .draft
        job.sourceURL = sourceURL
        job.history = JSONList(items: [StageChange(at: now.wholeSeconds, actorId: createdBy, from: nil, to: JobStatus.draft.rawValue)])
        job.version = 0
        job.createdBy = createdBy
        job.createdAtMicros = now.microsecondsSince1970
        return job
    }
}

extension NewJob {
    /// A job from a scraped posting, cut to what a job may hold (`API.md` § `POST /scrape`):
    /// title 200 characters, description 50,000, 100 skills, the first location cut to 200. The
    /// salary is kept only with a currency, a period and an amount.
    init(scraped posting: JobPosting, companyID: UUID) {
        var salary: Salary?
        if let scraped = posting.salary, let currency = scraped.currency, scraped.period != nil, scraped.min != nil || scraped.max != nil {
            salary = scraped
            salary?.currency = currency.uppercased()
        }
        self.init(companyID: companyID, title: String(posting.title.prefix(200)), description: String(posting.description.prefix(50_000)),
                  skills: Array(posting.skills.prefix(100)), location: posting.locations.first.map { String($0.prefix(200)) },
                  remote: posting.remote, employmentType: posting.employmentType?.rawValue, salary: salary)
    }
}
