import Fluent
import Foundation
import JobPageParser
import Testing
import Vapor
import VaporTesting
@testable import HirebaseApp

/// Job pages served on loopback.
enum JobPages {
    static let posting = """
        <!doctype html><html><head><title>Careers</title>
        <script type="application/ld+json">{"@context":"https://schema.org","@graph":[{"@type":"Organization","name":"x"},
        {"@type":"JobPosting","title":"Senior Swift Engineer","description":"&lt;p&gt;Build APIs with Swift, PostgreSQL &amp;amp; k8s.&lt;/p&gt;",
        "hiringOrganization":{"@type":"Organization","name":"Acme"},"employmentType":["FULL_TIME"],"datePosted":"2026-11-01",
        "jobLocation":{"@type":"Place","address":{"addressLocality":"Berlin","addressCountry":"DE"}},
        "baseSalary":{"@type":"MonetaryAmount","currency":"EUR","value":{"@type":"QuantitativeValue","minValue":70000,"maxValue":90000,"unitText":"YEAR"}}}]}
        </script></head><body><h1>Careers</h1></body></html>
        """

    static func start() async throws -> LoopbackServer {
        try await LoopbackServer.start { app in
            app.get("job") { _ in Response(status: .ok, headers: ["Content-Type": "text/html; charset=utf-8"], body: .init(string: posting)) }
            app.get("plain") { _ in Response(status: .ok, headers: ["Content-Type": "text/html"], body: .init(string: "<html><body><p>nothing</p></body></html>")) }
            app.get("json") { _ in Response(status: .ok, headers: ["Content-Type": "application/json"], body: .init(string: "{}")) }
            app.get("huge") { _ in Response(status: .ok, headers: ["Content-Type": "text/html"], body: .init(string: "<html>" + String(repeating: "a", count: 2_100_000))) }
            app.get("to-metadata") { _ in Response(status: .found, headers: ["Location": "http://169.254.169.254/latest/meta-data/"]) }
            app.get("loop", ":n") { req -> Response in
                let n = req.parameters.get("n", as: Int.self) ?? 0
                return Response(status: .found, headers: ["Location": "/loop/\(n + 1)"])
            }
            app.get("missing") { _ in Response(status: .notFound) }
        }
    }
}

@Suite("POST /scrape")
struct ScrapeTests {
    func allow(_ server: LoopbackServer) -> [String: String] { ["SCRAPE_ALLOW_PRIVATE_HOSTS": "127.0.0.1:\(server.port)"] }

    @Test(arguments: TestDatabase.all)
    func readsJSONLDAndSavesADraft(database: TestDatabase) async throws {
        let pages = try await JobPages.start()
        try await withHirebase(on: database, environment: allow(pages)) { app in
            let scenario = try await Scenario.make(app)
            let url = "http://127.0.0.1:\(pages.port)/job"
            let response = try await app.send(.POST, "/scrape", as: scenario.recruiter, json: JSON(["url": url, "companyId": scenario.companyID, "save": true]))
            #expect(response.status == .ok, "\(String(buffer: response.body))")
            #expect(response["source"] == "json-ld")
            let job = try #require(response.json["job"] as? [String: Any])
            #expect(job["title"] as? String == "Senior Swift Engineer")
            #expect(job["company"] as? String == "Acme")
            #expect(job["description"] as? String == "Build APIs with Swift, PostgreSQL & k8s.")
            #expect(job["locations"] as? [String] == ["Berlin, DE"])
            #expect(job["employmentType"] as? String == "FULL_TIME")
            #expect(Set(job["skills"] as? [String] ?? []) == ["Swift", "PostgreSQL", "Kubernetes"])
            let salary = try #require(job["salary"] as? [String: Any])
            #expect(salary["min"] as? Double == 70000)
            #expect(salary["period"] as? String == "year")
            let saved = try #require(response.json["savedJob"] as? [String: Any])
            #expect(saved["status"] as? String == "draft")
            #expect(saved["sourceUrl"] as? String == url)
            #expect((saved["salary"] as? [String: Any])?["currency"] as? String == "EUR")
            #expect(try await Job.query(on: app.db).count() == 1)
        }
        try await pages.stop()
    }

    @Test func failuresAnswerTheContractsStatuses() async throws {
        let pages = try await JobPages.start()
        try await withHirebase(on: .sqlite, environment: allow(pages)) { app in
            let scenario = try await Scenario.make(app)
            let base = "http://127.0.0.1:\(pages.port)"
            let cases: [(String, HTTPStatus, String)] = [
                ("\(base)/plain", .unprocessableEntity, "no_job_posting_found"),
                ("\(base)/json", .unprocessableEntity, "unprocessable"),
                ("\(base)/huge", .badGateway, "too_large"),
                ("\(base)/to-metadata", .forbidden, "blocked_address"),
                ("\(base)/loop/0", .badGateway, "too_many_redirects"),
                ("\(base)/missing", .badGateway, "upstream_error"),
                ("http://127.0.0.1:1/job", .forbidden, "blocked_address"),
                ("http://2130706433/", .forbidden, "blocked_address"),
                ("http://[::1]/", .forbidden, "blocked_address"),
                ("http://localhost/", .forbidden, "blocked_address"),
            ]
            for (url, status, code) in cases {
                let response = try await app.send(.POST, "/scrape", as: scenario.recruiter, json: JSON(["url": url, "companyId": scenario.companyID, "save": true]))
                #expect(response.status == status, "\(url): \(String(buffer: response.body))")
                #expect(response.code == code, "\(url)")
            }
            #expect(try await Job.query(on: app.db).count() == 0)
        }
        try await pages.stop()
    }

    @Test func inputAndRights() async throws {
        try await withHirebase(on: .sqlite) { app in
            let scenario = try await Scenario.make(app)
            for body in [["url": "ftp://example.com/x"], ["url": "not a url"], [String: Any](), ["url": "https://example.com/job", "save": true]] as [[String: Any]] {
                let response = try await app.send(.POST, "/scrape", as: scenario.recruiter, json: JSON(body))
                #expect(response.status == .badRequest, "\(body)")
            }
            let loner = TestUser("loner")
            #expect(try await app.send(.POST, "/scrape", as: loner, json: JSON(["url": "https://example.com/job"])).status == .forbidden)
            let other = try await Scenario.make(app)
            #expect(try await app.send(.POST, "/scrape", as: scenario.recruiter, json: JSON(["url": "https://example.com/job", "companyId": other.companyID])).status == .notFound)
        }
    }

    @Test func productionRefusesTheAllowList() {
        #expect(throws: ConfigurationError.self) {
            try AppConfig.load(from: ["HIREBASE_ENV": "production", "DATABASE_URL": "postgres://a@b/c", "SUPABASE_JWT_SECRET": testJWTSecret,
                                      "PUBLIC_APP_URL": "https://x.example", "SCRAPE_ALLOW_PRIVATE_HOSTS": "127.0.0.1:80"]) { _ in "" }
        }
    }
}

@Suite("Job board APIs")
struct JobBoardAPITests {
    @Test func recognisesBoardURLs() {
        #expect(JobBoardAPI(pageURL: URL(string: "https://boards.greenhouse.io/acme/jobs/4012345")!) == .greenhouse(board: "acme", jobID: "4012345"))
        #expect(JobBoardAPI(pageURL: URL(string: "https://job-boards.greenhouse.io/acme/jobs/77?gh_src=x")!) == .greenhouse(board: "acme", jobID: "77"))
        #expect(JobBoardAPI(pageURL: URL(string: "https://boards.greenhouse.io/embed/job_app?for=acme&token=55")!) == .greenhouse(board: "acme", jobID: "55"))
        let lever = JobBoardAPI(pageURL: URL(string: "https://jobs.lever.co/acme/0F0E0D0C-1111-2222-3333-444455556666/apply")!)
        #expect(lever == .lever(company: "acme", postingID: "0f0e0d0c-1111-2222-3333-444455556666", eu: false))
        #expect(lever?.apiURL.absoluteString == "https://api.lever.co/v0/postings/acme/0f0e0d0c-1111-2222-3333-444455556666")
        #expect(JobBoardAPI(pageURL: URL(string: "https://example.com/acme/jobs/1")!) == nil)
        #expect(JobBoardAPI(pageURL: URL(string: "https://boards.greenhouse.io/acme")!) == nil)
    }

    @Test func readsGreenhouseAndLeverAnswers() throws {
        let extractor = AliasSkillExtractor(aliases: .bundled)
        let page = URL(string: "https://boards.greenhouse.io/acme/jobs/1")!
        let greenhouse = #"{"id":1,"title":"Data Engineer","location":{"name":"Remote - US"},"absolute_url":"https://boards.greenhouse.io/acme/jobs/1","company_name":"Acme","first_published":"2026-10-01T00:00:00-04:00","content":"&lt;p&gt;Python &amp;amp; Spark&lt;/p&gt;"}"#
        let parsed = try JobBoardAPI.greenhouse(board: "acme", jobID: "1").parse(json: Data(greenhouse.utf8), pageURL: page, skillExtractor: extractor)
        #expect(parsed.source == .greenhouse)
        #expect(parsed.job.title == "Data Engineer")
        #expect(parsed.job.description == "Python & Spark")
        #expect(parsed.job.remote)
        #expect(parsed.job.company == "Acme")
        #expect(parsed.job.skills.contains("Python"))

        let lever = #"{"id":"x","text":"Backend Engineer","categories":{"location":"Berlin","commitment":"Full-time"},"workplaceType":"onsite","description":"<div>Go services</div>","lists":[{"text":"Requirements","content":"<li>Kubernetes</li>"}],"hostedUrl":"https://jobs.lever.co/acme/x","applyUrl":"https://jobs.lever.co/acme/x/apply","createdAt":1764547200000,"salaryRange":{"min":60000,"max":80000,"currency":"eur","interval":"per-year-salary"}}"#
        let leverPage = try JobBoardAPI.lever(company: "acme", postingID: "x", eu: false).parse(json: Data(lever.utf8), pageURL: page, skillExtractor: extractor)
        #expect(leverPage.job.title == "Backend Engineer")
        #expect(leverPage.job.locations == ["Berlin"])
        #expect(leverPage.job.employmentType == .fullTime)
        #expect(leverPage.job.salary?.period == .year)
        #expect(leverPage.job.salary?.currency == "EUR")
        #expect(leverPage.job.applyUrl.absoluteString == "https://jobs.lever.co/acme/x/apply")
        #expect(leverPage.job.skills.contains("Kubernetes"))

        #expect(throws: JobPageParserError.self) {
            try JobBoardAPI.lever(company: "a", postingID: "x", eu: false).parse(json: Data("[]".utf8), pageURL: page)
        }
    }
}
