import BillingCore
import Fluent
import Foundation
import JobPageParser
import Vapor

/// `POST /scrape` (recruiter+, plan feature `job_scraping`): reads a job posting from a public
/// URL — a board's JSON API for Greenhouse and Lever, else the page's schema.org JSON-LD, Open
/// Graph or HTML — and with `save: true` stores it as a draft job.
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
        let body = try req.content.decode(ScrapeRequest.self)
        var validator = FieldValidator()
        let raw = validator.text(body.url, "url", maxLength: 2048)
        var url: URL?
        if !raw.isEmpty {
            if let parsed = URL(string: raw), let scheme = parsed.scheme?.lowercased(), ["http", "https"].contains(scheme), parsed.host?.isEmpty == false {
                url = parsed
            } else {
                validator.fail("url", "must be an absolute http or https URL")
            }
        }
        let save = body.save ?? false
        if save, body.companyId == nil { validator.fail("companyId", "is required with save: true") }
        try validator.check()
        guard let url else { throw AppError.invalidField("url", "is required") }

        let user = try await req.requireUser()
        if let companyID = body.companyId {
            try await req.requireMember(of: companyID, atLeast: .recruiter)
        } else if !user.isPlatformAdmin {
            let roles = try await CompanyMember.query(on: req.db).filter(\.$userID == user.id).all().map(\.role)
            guard roles.contains(where: { $0 >= .recruiter }) else {
                throw AppError.forbidden("Scraping needs the recruiter role in at least one company")
            }
        }
        // Refused early when the allowance is used up, but counted only once a posting was read:
        // a refused address or an unreachable page costs the caller nothing.
        let billing = req.hirebase.billing
        let check = try await billing.check(.jobScraping, quantity: 1, userID: user.id, on: req.db)
        guard check.allowed else { throw UsageDecision.refusal(check, feature: .jobScraping) }
        let parsed = try await read(url, req: req)
        try await billing.consumeOrRefuse(.jobScraping, userID: user.id, on: req.db)
        var response = ScrapeResponse(job: parsed.job, source: parsed.source.rawValue, savedJob: nil)
        if save, let companyID = body.companyId {
            let job = Job.fromScrape(parsed.job, sourceURL: url.absoluteString, companyID: companyID, createdBy: user.id)
            try await job.create(on: req.db)
            response.savedJob = job.toDTO()
        }
        req.logger.info("job page scraped", metadata: ["host": .string(url.host ?? ""), "source": .string(parsed.source.rawValue), "saved": .stringConvertible(save)])
        return response
    }

    private func read(_ url: URL, req: Request) async throws -> ParsedJobPage {
        let fetcher = req.hirebase.jobPageFetcher
        let parser = JobPageParser(skillExtractor: AliasSkillExtractor(aliases: req.hirebase.matcher.aliases))
        do {
            // Parsing runs on the heavy-work pool: never on the threads that serve other requests.
            let heavy = req.hirebase.heavyWork
            if let board = JobBoardAPI(pageURL: url) {
                let answer = try await fetcher.fetch(board.apiURL, expecting: .json)
                let extractor = AliasSkillExtractor(aliases: req.hirebase.matcher.aliases)
                return try await heavy.run { try board.parse(json: Data(answer.body), pageURL: url, skillExtractor: extractor) }
            }
            let page = try await fetcher.fetch(url, expecting: .html)
            return try await heavy.run { try parser.parse(html: page.body, pageURL: page.finalURL, contentTypeCharset: page.charset) }
        } catch let error as JobPageFetchError {
            // The caller gets the contract's safe answer; the log keeps the cause (DNS,
            // connection, status) for whoever runs the server.
            req.logger.notice("job page fetch failed", metadata: ["host": .string(url.host ?? ""), "reason": .string(String(describing: error))])
            throw Self.appError(for: error)
        } catch is JobPageParserError {
            throw AppError(.unprocessableEntity, code: "no_job_posting_found", detail: "No job posting was found at that URL")
        }
    }

    /// The contract's answer for each fetch failure (`API.md` § `POST /scrape`).
    static func appError(for error: JobPageFetchError) -> AppError {
        switch error {
        case .invalidURL(let why): return AppError.invalidField("url", why)
        case .schemeNotAllowed: return AppError.invalidField("url", "must be an http or https URL")
        case .blockedAddress(let what): return AppError(.forbidden, code: "blocked_address", detail: "That address may not be fetched: \(what)")
        case .tooManyRedirects: return AppError(.badGateway, code: "too_many_redirects", detail: "The page redirected too many times")
        case .tooLarge: return AppError(.badGateway, code: "too_large", detail: "The page is larger than the allowed size")
        case .timeout: return AppError(.gatewayTimeout, detail: "The page did not answer in time")
        case .notHTML(let type): return AppError(.unprocessableEntity, detail: "The URL is not an HTML page (\(type ?? "unknown type"))")
        case .upstreamStatus(let status): return AppError(.badGateway, detail: "The page answered HTTP \(status)")
        case .unreachable: return AppError(.badGateway, detail: "The page could not be reached")
        case .resolverBusy: return AppError.unavailable("Too many page look-ups are in progress; try again shortly", retryAfterSeconds: 5)
        }
    }
}

extension Job {
    /// A draft job from a scraped posting. The salary is kept only with a currency and period.
    static func fromScrape(_ posting: JobPosting, sourceURL: String, companyID: UUID, createdBy: UUID) -> Job {
        var salary: Salary?
        if let scraped = posting.salary, let currency = scraped.currency, let period = scraped.period, scraped.min != nil || scraped.max != nil {
            let number = { (value: Decimal?) in value.map { NSDecimalNumber(decimal: $0).doubleValue } }
            salary = Salary(min: number(scraped.min), max: number(scraped.max), currency: currency.uppercased(), period: period.rawValue)
        }
        return Job.draft(
            companyID: companyID, title: String(posting.title.prefix(200)), description: String(posting.description.prefix(50_000)),
            skills: Array(posting.skills.prefix(100)), location: posting.locations.first.map { String($0.prefix(200)) }, remote: posting.remote,
            employmentType: posting.employmentType?.rawValue, salary: salary, sourceURL: sourceURL, createdBy: createdBy)
    }
}
