import BillingCore
import Fluent
import Foundation
import JobPageParser
import Logging
import MatchingCore

/// Reads a job posting from a public URL — a board's JSON API for Greenhouse and Lever, else
/// the page's schema.org JSON-LD, microdata, Open Graph or HTML — with skills named as matching
/// names them, and saves it as a draft job on request (`API.md` § `POST /scrape`).
///
/// Metered as the plan feature `job_scraping`: refused early when the allowance is used up, but
/// counted only once a posting was read, so a refused address or an unreachable page costs the
/// caller nothing.
struct ScrapeService: Sendable {
    /// Fetches pages, refusing private addresses (SSRF).
    let fetcher: any JobPageFetching
    /// Parsing runs here: never on the threads that serve other requests.
    let heavyWork: HeavyWork
    /// Skill names of the matching core, so that scraped jobs and matching speak alike.
    let aliases: SkillAliases
    let jobs: JobService
    let store: ScrapeStore
    /// Where each read is counted by source and outcome (`hirebase_scrape_requests_total`).
    var metrics: ScrapeMetrics = .discarded

    /// Scraping without a company needs the recruiter role (or more) in at least one company.
    /// - Throws: 403 `forbidden` otherwise.
    func requireRecruiterAnywhere(_ userID: UUID, on db: any Database) async throws {
        let roles = try await store.roles(of: userID, on: db)
        guard roles.contains(where: { $0 >= .recruiter }) else {
            throw AppError.forbidden("Scraping needs the recruiter role in at least one company")
        }
    }

    /// Reads `input.url` for `userID` and, with `input.save`, stores the posting as a draft job.
    /// - Parameters:
    ///   - metering: the plan's usage (`HirebaseServices.billing`).
    ///   - logger: where a failed fetch's cause goes (the caller gets only the contract's answer).
    /// - Throws: 402 `plan_limit_reached`; the fetch failures of `appError(for:)`; 422
    ///   `no_job_posting_found` when the page holds no posting.
    func scrape(_ input: ScrapeInput, by userID: UUID, metering: BillingService, logger: Logger, on db: any Database) async throws -> ScrapeResult {
        let check = try await metering.check(.jobScraping, quantity: 1, userID: userID, on: db)
        guard check.allowed else { throw UsageDecision.refusal(check, feature: .jobScraping) }
        let parsed = try await read(input.url, logger: logger)
        try await metering.consumeOrRefuse(.jobScraping, userID: userID, on: db)
        var result = ScrapeResult(parsed: parsed, savedJob: nil)
        if input.save, let companyID = input.companyID {
            result.savedJob = try await jobs.create(NewJob(scraped: parsed.job, companyID: companyID), sourceURL: input.url.absoluteString,
                                                    createdBy: userID, on: db)
        }
        return result
    }

    /// The posting at `url`: through the board's API when it is a Greenhouse or Lever page.
    private func read(_ url: URL, logger: Logger) async throws -> ParsedJobPage {
        let extractor = AliasSkillExtractor(aliases: aliases)
        let board = JobBoardAPI(pageURL: url)
        do {
            let parsed: ParsedJobPage
            if let board {
                let answer = try await fetcher.fetch(board.apiURL, expecting: .json)
                parsed = try await heavyWork.run { try board.parse(json: Data(answer.body), pageURL: url, skillExtractor: extractor) }
            } else {
                let page = try await fetcher.fetch(url, expecting: .html)
                let parser = JobPageParser(skillExtractor: extractor)
                parsed = try await heavyWork.run { try parser.parse(html: page.body, pageURL: page.finalURL, contentTypeCharset: page.charset) }
            }
            metrics.record(ScrapeMetrics.Source(parsed.source), .ok)
            return parsed
        } catch let error as JobPageFetchError {
            let answer = Self.appError(for: error)
            Self.logFailure(error, answer: answer, url: url, logger: logger)
            metrics.record(ScrapeMetrics.Source(attempting: board), ScrapeMetrics.Outcome(error))
            throw answer
        } catch is JobPageParserError {
            metrics.record(ScrapeMetrics.Source(attempting: board), .noPosting)
            throw AppError(.unprocessableEntity, code: "no_job_posting_found", detail: "No job posting was found at that URL")
        }
    }

    /// Logs why a fetch failed: the caller gets only the contract's safe answer, the log keeps the
    /// cause (name resolution, refused connection, TLS, upstream status) for whoever runs the
    /// server, with the request id from `logger`'s metadata. At `warning` when the answer is a 5xx
    /// (the page's side or ours: 502, 503, 504), else at `notice` (the caller's URL was refused).
    /// The cause is scrubbed (`Redaction.scrub`: a `token=` or an e-mail address in a redirect's URL).
    static func logFailure(_ error: JobPageFetchError, answer: AppError, url: URL, logger: Logger) {
        logger.log(level: answer.status.code >= 500 ? .warning : .notice, "job page fetch failed", metadata: [
            "host": .string(url.host ?? ""),
            "status": .stringConvertible(answer.status.code),
            "code": .string(answer.code),
            "cause": .string(Redaction.scrub(error.cause)),
        ])
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
