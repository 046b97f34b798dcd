import Foundation
import JobPageParser
import Vapor

/// `POST /scrape` (recruiter+, plan feature `job_scraping`): reads a job posting from a public
/// URL and with `save: true` stores it as a draft job (`ScrapeService` holds the rules).
struct ScrapeController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.post("scrape", use: scrape)
    }

    struct ScrapeRequest: Content {
        var url: String?
        var companyId: UUID?
        var save: Bool?
    }

    struct ScrapeResponse: Content {
        var job: JobPosting
        /// `json-ld`, `opengraph`, `html`, or `greenhouse`/`lever` for their APIs.
        var source: String
        /// The draft job created with `save: true`.
        var savedJob: JobDTO?
    }

    @Sendable
    func scrape(req: Request) async throws -> ScrapeResponse {
        let input = try req.content.decode(ScrapeRequest.self).validated()
        let user = try await req.requireUser()
        if let companyID = input.companyID {
            try await req.requireMember(of: companyID, atLeast: .recruiter)
        } else if !user.isPlatformAdmin {
            try await req.hirebase.scraping.requireRecruiterAnywhere(user.id, on: req.db)
        }
        let result = try await req.hirebase.scraping.scrape(input, by: user.id, metering: req.hirebase.billing, logger: req.logger, on: req.db)
        req.logger.info("job page scraped", metadata: ["host": .string(input.url.host ?? ""), "source": .string(result.parsed.source.rawValue),
                                                       "saved": .stringConvertible(input.save)])
        return ScrapeResponse(job: result.parsed.job, source: result.parsed.source.rawValue, savedJob: result.savedJob?.toDTO())
    }
}

extension ScrapeController.ScrapeRequest {
    /// The request after its rules are checked: an absolute http(s) `url` of at most 2,048
    /// characters, and a `companyId` with `save: true`.
    /// - Throws: `AppError` 400 listing every invalid field.
    func validated() throws -> ScrapeInput {
        var validator = FieldValidator()
        let parsed = validator.httpURL(url, "url")
        let save = save ?? false
        if save, companyId == nil { validator.fail("companyId", "is required with save: true") }
        try validator.check()
        guard let parsed else { throw AppError.invalidField("url", "is required") }
        return ScrapeInput(url: parsed, companyID: companyId, save: save)
    }
}
