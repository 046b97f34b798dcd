import Foundation
import JobPageParser
import Testing

/// The JSON shape of `ParsedJobPage`: the API contract's `POST /scrape` response.
@Suite struct CodableTests {
    private func encodedObject(_ page: ParsedJobPage) throws -> [String: Any] {
        let data = try JSONEncoder().encode(page)
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test func fullPostingHasTheContractsKeysAndNumbers() throws {
        let parsed = try JobPageParser(skillExtractor: KeywordSkillExtractor())
            .parse(html: Fixture.bytes("graph-with-organization-reference"), pageURL: Fixture.pageURL)

        let body = try encodedObject(parsed)

        #expect(body["source"] as? String == "json-ld")
        let job = try #require(body["job"] as? [String: Any])
        #expect(
            Set(job.keys) == [
                "title", "company", "description", "locations", "remote", "employmentType", "salary",
                "datePosted", "validThrough", "applyUrl", "skills",
            ])
        #expect(job["employmentType"] as? String == "FULL_TIME")
        #expect(job["applyUrl"] as? String == "https://careers.example.com/jobs/42/apply")
        #expect(job["remote"] as? Bool == false)
        let salary = try #require(job["salary"] as? [String: Any])
        #expect((salary["min"] as? NSNumber)?.doubleValue == 70000)
        #expect((salary["max"] as? NSNumber)?.doubleValue == 85000.5)
        #expect(salary["currency"] as? String == "EUR")
        #expect(salary["period"] as? String == "year")
    }

    @Test func unknownValuesAreNullOrLeftOutAsTheContractMarksThem() throws {
        let parsed = try JobPageParser()
            .parse(html: Fixture.bytes("missing-fields"), pageURL: Fixture.pageURL)

        let job = try #require(try encodedObject(parsed)["job"] as? [String: Any])

        #expect(job["company"] is NSNull)
        #expect(job["employmentType"] is NSNull)
        #expect(job["salary"] == nil)
        #expect(job["datePosted"] == nil)
        #expect(job["validThrough"] == nil)
    }

    @Test func salaryAlwaysHasAllFourKeys() throws {
        let salary = Salary(min: 25, max: nil, currency: nil, period: nil)

        let body = try #require(
            try JSONSerialization.jsonObject(with: JSONEncoder().encode(salary)) as? [String: Any])

        #expect(Set(body.keys) == ["min", "max", "currency", "period"])
        #expect(body["max"] is NSNull)
    }

    @Test(arguments: ["graph-with-organization-reference", "missing-fields", "opengraph-only"])
    func decodingWhatWasEncodedGivesItBack(_ fixture: String) throws {
        let parsed = try JobPageParser(skillExtractor: KeywordSkillExtractor())
            .parse(html: Fixture.bytes(fixture), pageURL: Fixture.pageURL)

        let decoded = try JSONDecoder().decode(ParsedJobPage.self, from: JSONEncoder().encode(parsed))

        #expect(decoded == parsed)
    }
}
