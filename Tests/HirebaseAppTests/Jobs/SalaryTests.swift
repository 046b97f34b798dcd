import Foundation
import JobPageParser
import SQLKit
import Testing
import Vapor
import VaporTesting
@testable import HirebaseApp

@Suite("Salaries: one Salary type, the job's API shape unchanged")
struct SalaryTests {
    @Test(arguments: TestDatabase.all)
    func amountsReadBackAsTheNumbersSent(database: TestDatabase) async throws {
        try await withHirebase(on: database) { app in
            let scenario = try await Scenario.make(app)
            let id = try await scenario.job(app, extra: ["salary": ["min": 0.1, "max": 1234.5678901234567, "currency": " eur ", "period": "Month"]])
            let read = try await app.send(.GET, "/jobs/\(id)", as: scenario.recruiter)
            let salary = try #require(read.json["salary"] as? [String: Any])
            // The raw text: JSONSerialization reads long numbers through NSDecimalNumber, lossily.
            let body = String(buffer: read.body)
            #expect(body.contains(#""min":0.1,"#) || body.contains(#""min":0.1}"#))
            #expect(body.contains("1234.5678901234567"))
            #expect(salary["currency"] as? String == "EUR")
            #expect(salary["period"] as? String == "month")

            // Only an upper bound: `min` is left out, not null (schema `Salary`).
            let patched = try await app.send(.PATCH, "/jobs/\(id)", as: scenario.recruiter,
                                             json: JSON(["salary": ["max": 5000, "currency": "USD", "period": "hour"]]))
            #expect(patched.status == .ok)
            #expect(String(buffer: patched.body).contains(#""min""#) == false)
            #expect((patched.json["salary"] as? [String: Any])?["max"] as? Double == 5000)
        }
    }

    /// Attack finding (issue 8 review): `1e-129` has no decimal (a decimal's exponent ends near
    /// 10^-128); it was stored as NaN, answered 500 and broke the company's job list for good.
    @Test(arguments: TestDatabase.all)
    func anAmountNoDecimalHoldsIsRefusedAndTheListStaysReadable(database: TestDatabase) async throws {
        try await withHirebase(on: database) { app in
            let scenario = try await Scenario.make(app)
            let salary: [String: Any] = ["min": 1e-129, "max": 10, "currency": "USD", "period": "hour"]
            let created = try await app.send(.POST, "/jobs", as: scenario.recruiter, json: JSON([
                "companyId": scenario.companyID, "title": "T", "description": "d", "skills": ["Swift"], "salary": salary,
            ]))
            #expect(created.status == .badRequest)
            #expect((created.json["errors"] as? [[String: Any]])?.compactMap { $0["field"] as? String } == ["salary.min"])
            let id = try await scenario.job(app)
            let patched = try await app.send(.PATCH, "/jobs/\(id)", as: scenario.recruiter, json: JSON(["salary": salary]))
            #expect(patched.status == .badRequest)
            let list = try await app.send(.GET, "/jobs?companyId=\(scenario.companyID)", as: scenario.recruiter)
            #expect(list.status == .ok)
            #expect((list.json["items"] as? [Any])?.count == 1)
        }
    }

    @Test(arguments: TestDatabase.all)
    func aSalaryStoredByEarlierCodeReadsBack(database: TestDatabase) async throws {
        /// The stored shape before the app used `JobPageParser.Salary`: numbers as `Double`,
        /// absent amounts left out.
        struct EarlierSalary: Codable, Sendable { var max: Double; var currency: String; var period: String }
        try await withHirebase(on: database) { app in
            let scenario = try await Scenario.make(app)
            let id = try await scenario.job(app)
            try await app.db.sql.update(Job.schema).set("salary", to: SQLBind(EarlierSalary(max: 120000.5, currency: "USD", period: "year")))
                .where("id", .equal, SQLBind(try #require(UUID(uuidString: id)))).run()
            let read = try await app.send(.GET, "/jobs/\(id)", as: scenario.recruiter)
            #expect(read.status == .ok)
            let salary = try #require(read.json["salary"] as? [String: Any])
            #expect(salary.keys.sorted() == ["currency", "max", "period"])
            #expect(salary["max"] as? Double == 120000.5)
        }
    }

    @Test func theValidatorKeepsTheDigitsSentAndReportsEveryField() {
        var validator = FieldValidator()
        let salary = validator.salary(SalaryInput(min: 0.1, max: 90000, currency: "usd", period: "YEAR"))
        #expect(validator.errors.isEmpty)
        #expect(salary == Salary(min: Decimal(string: "0.1"), max: 90000, currency: "USD", period: .year))
        #expect(salary?.toDTO().min == 0.1)

        var refusing = FieldValidator()
        #expect(refusing.salary(SalaryInput(min: 10, max: 5, currency: "dollars", period: "fortnight")) == nil)
        #expect(refusing.errors.map(\.field) == ["salary.min", "salary.currency", "salary.period"])
        #expect(refusing.errors.last?.message == "must be one of hour, day, week, month, year")
    }

    @Test func skillsAreTrimmedAndDeduplicatedIgnoringCase() {
        var validator = FieldValidator()
        #expect(validator.skills([" Swift ", "swift", "Go"]) == ["Swift", "Go"])
        #expect(validator.skills(nil) == [])
        _ = validator.skills(["ok", " ", String(repeating: "x", count: 101)])
        #expect(validator.errors.map(\.field) == ["skills[1]", "skills[2]"])
    }

    @Test func aScrapedPostingKeepsASalaryOnlyWithCurrencyPeriodAndAmount() throws {
        let url = try #require(URL(string: "https://jobs.example.com/1"))
        func posting(_ salary: Salary?) -> JobPosting {
            JobPosting(title: String(repeating: "T", count: 300), company: nil, description: "d", locations: ["Berlin", "Paris"], remote: true,
                       employmentType: .fullTime, salary: salary, datePosted: nil, validThrough: nil, applyUrl: url,
                       skills: (0..<150).map { "s\($0)" })
        }
        let company = UUID()
        let job = NewJob(scraped: posting(Salary(min: 70000, max: 90000, currency: "eur", period: .year)), companyID: company)
        #expect(job.title.count == 200)
        #expect(job.skills.count == 100)
        #expect(job.location == "Berlin")
        #expect(job.employmentType == "FULL_TIME")
        #expect(job.salary == Salary(min: 70000, max: 90000, currency: "EUR", period: .year))
        #expect(NewJob(scraped: posting(Salary(min: 70000, max: nil, currency: "EUR", period: nil)), companyID: company).salary == nil)
        #expect(NewJob(scraped: posting(Salary(min: nil, max: nil, currency: "EUR", period: .year)), companyID: company).salary == nil)
        #expect(NewJob(scraped: posting(Salary(min: 1, max: nil, currency: nil, period: .year)), companyID: company).salary == nil)
    }
}
