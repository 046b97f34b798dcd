import Foundation
import Testing
@testable import BillingCore

@Suite struct PlanCatalogTests {
    /// A valid file: the contract's default with one pro plan less, so a test can add to it.
    private static let freePlan = #"{"name": "free", "priceId": null, "amount": 0, "currency": "usd", "interval": "month", "limits": {"ai_assessments": 3, "candidate_matching": 20, "job_scraping": 10}}"#

    private func plans(_ entries: String...) -> Data {
        Data(#"{"plans": [\#(entries.joined(separator: ", "))]}"#.utf8)
    }

    private func problems(_ data: Data, file: String = "plans.json") -> [String] {
        do {
            _ = try PlanCatalog(data: data, file: file)
            Issue.record("accepted a file that should be refused")
            return []
        } catch {
            #expect(!error.problems.isEmpty)
            #expect(error.file == file)
            return error.problems
        }
    }

    // MARK: The default

    @Test func bundledDefaultHasTheContractsPlans() throws {
        let catalog = try PlanCatalog.loadDefault()
        #expect(catalog.plans.map(\.name) == ["free", "pro", "business"])

        #expect(catalog.free.name == "free")
        #expect(catalog.free.priceID == nil)
        #expect(catalog.free.amount == 0)
        #expect(catalog.free.interval == .month)
        #expect(catalog.free.limit(for: .aiAssessments) == 3)
        #expect(catalog.free.limit(for: .candidateMatching) == 20)
        #expect(catalog.free.limit(for: .jobScraping) == 10)
        #expect(catalog.free.limit(for: .aiGenerations) == 5)

        let pro = try #require(catalog.plan(named: "pro"))
        #expect(pro.priceID == "price_pro_monthly")
        #expect(pro.amount == 4900)
        #expect(pro.currency == "usd")
        #expect(pro.interval == .month)
        #expect(PlanFeature.allCases.map { pro.limit(for: $0) } == [100, 1000, 500, 200])

        let business = try #require(catalog.plan(named: "business"))
        #expect(business.priceID == "price_business_monthly")
        #expect(business.amount == 19900)
        #expect(PlanFeature.allCases.allSatisfy { business.limit(for: $0) == nil })
    }

    @Test func lookupsByNameAndPriceID() throws {
        let catalog = try PlanCatalog.loadDefault()
        #expect(catalog.plan(forPriceID: "price_pro_monthly")?.name == "pro")
        #expect(catalog.plan(forPriceID: "price_business_monthly")?.name == "business")
        #expect(catalog.plan(forPriceID: "price_unknown") == nil)
        #expect(catalog.plan(named: "Pro") == nil)
        #expect(catalog.plan(named: "enterprise") == nil)
        #expect(catalog.plan(named: "free")?.isFree == true)
    }

    @Test func operatorCopyInConfigIsTheBundledDefault() throws {
        // config/plans.json is what operators copy; it must not drift from the bundled default.
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let configCopy = packageRoot.appendingPathComponent("config/plans.json").path
        let bundled = try #require(PlanCatalog.bundledDefaultURL)
        #expect(try Data(contentsOf: URL(fileURLWithPath: configCopy)) == Data(contentsOf: bundled))
        let catalog = try PlanCatalog.load(contentsOf: configCopy)
        #expect(catalog.plans == (try PlanCatalog.loadDefault()).plans)
    }

    @Test func featureNamesAreTheContracts() {
        #expect(PlanFeature.allCases.map(\.rawValue) == ["ai_assessments", "candidate_matching", "job_scraping", "ai_generations"])
    }

    // MARK: Reading files

    @Test func missingFileIsNamed() {
        do {
            _ = try PlanCatalog.load(contentsOf: "/nonexistent/plans.json")
            Issue.record("loaded a missing file")
        } catch {
            #expect(error.problems == ["/nonexistent/plans.json: no such file"])
        }
    }

    @Test func fileOnDiskIsReadAndNamedInErrors() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("plans-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(#"{"plans": [], "extra": 1}"#.utf8).write(to: URL(fileURLWithPath: path))
        do {
            _ = try PlanCatalog.load(contentsOf: path)
            Issue.record("accepted an invalid file")
        } catch {
            #expect(error.problems.allSatisfy { $0.hasPrefix("\(path): ") })
            #expect(error.problems.count == 2)
        }
    }

    @Test func notJSON() {
        let found = problems(Data("{plans: []".utf8))
        #expect(found.count == 1)
        #expect(found[0].hasPrefix("plans.json: not valid JSON ("))
    }

    @Test func topLevelMustBeAnObjectWithPlansArray() {
        #expect(problems(Data("[]".utf8)) == [#"plans.json: must be a JSON object {"plans": [...]}, not an array"#])
        #expect(problems(Data("{}".utf8)) == [#"plans.json: "plans" is required (an array of plans)"#])
        #expect(problems(Data(#"{"plans": {}}"#.utf8)) == [#"plans.json: "plans" must be an array, not an object"#])
    }

    // MARK: Every refusal

    @Test func unknownTopLevelKey() {
        let found = problems(Data(#"{"plans": [\#(Self.freePlan)], "currency": "usd"}"#.utf8))
        #expect(found == [#"plans.json: unknown key "currency" (allowed: plans)"#])
    }

    @Test func unknownPlanKey() {
        let found = problems(plans(Self.freePlan.replacingOccurrences(of: #""amount": 0"#, with: #""amount": 0, "trialDays": 14"#)))
        #expect(found == [#"plans.json: plans[0] ("free"): unknown key "trialDays" (allowed: amount, currency, interval, limits, name, priceId)"#])
    }

    @Test func unknownFeature() {
        let found = problems(plans(Self.freePlan.replacingOccurrences(of: #""job_scraping": 10"#, with: #""job_scraping": 10, "video_interviews": 5"#)))
        #expect(found == [#"plans.json: plans[0] ("free"): limits.video_interviews is not a known feature (known: ai_assessments, candidate_matching, job_scraping, ai_generations)"#])
    }

    /// `API.md` § AI assistance: "a plan that does not name it may not use it". A file written
    /// before `ai_generations` existed still loads, and its plans get none.
    @Test func missingAIGenerationsIsLimitZero() throws {
        let pro = #"{"name": "pro", "priceId": "price_pro", "amount": 4900, "currency": "usd", "interval": "month", "limits": {"ai_assessments": null, "candidate_matching": null, "job_scraping": null}}"#
        let catalog = try PlanCatalog(data: plans(Self.freePlan, pro), file: "plans.json")
        #expect(catalog.free.limit(for: .aiGenerations) == 0)
        #expect(catalog.plan(named: "pro")?.limit(for: .aiGenerations) == 0)
        #expect(catalog.plan(named: "pro")?.limit(for: .aiAssessments) == nil)
    }

    @Test func namedAIGenerationsIsReadLikeTheOthers() throws {
        let free = Self.freePlan.replacingOccurrences(of: #""job_scraping": 10"#, with: #""job_scraping": 10, "ai_generations": 7"#)
        let pro = #"{"name": "pro", "priceId": "price_pro", "amount": 4900, "currency": "usd", "interval": "month", "limits": {"ai_assessments": 1, "candidate_matching": 1, "job_scraping": 1, "ai_generations": null}}"#
        let catalog = try PlanCatalog(data: plans(free, pro), file: "plans.json")
        #expect(catalog.free.limit(for: .aiGenerations) == 7)
        #expect(catalog.plan(named: "pro")?.limit(for: .aiGenerations) == nil)
        let negative = #"{"name": "pro", "priceId": "price_pro", "amount": 4900, "currency": "usd", "interval": "month", "limits": {"ai_assessments": 1, "candidate_matching": 1, "job_scraping": 1, "ai_generations": -1}}"#
        #expect(problems(plans(Self.freePlan, negative)) == [#"plans.json: plans[1] ("pro"): limits.ai_generations must be >= 0 or null"#])
    }

    @Test func missingFeatureIsAnErrorNotUnlimited() {
        let found = problems(plans(Self.freePlan.replacingOccurrences(of: #", "job_scraping": 10"#, with: "")))
        #expect(found == [#"plans.json: plans[0] ("free"): limits.job_scraping is missing (write null for unlimited)"#])
    }

    @Test func negativeLimit() {
        let pro = #"{"name": "pro", "priceId": "price_pro", "amount": 4900, "currency": "usd", "interval": "month", "limits": {"ai_assessments": 100, "candidate_matching": 1000, "job_scraping": -1}}"#
        #expect(problems(plans(Self.freePlan, pro)) == [#"plans.json: plans[1] ("pro"): limits.job_scraping must be >= 0 or null"#])
    }

    @Test func nonIntegerLimit() {
        let found = problems(plans(Self.freePlan.replacingOccurrences(of: #""ai_assessments": 3"#, with: #""ai_assessments": "3""#)))
        #expect(found == [#"plans.json: plans[0] ("free"): limits.ai_assessments must be an integer >= 0 or null, not a string"#])
        let fractional = problems(plans(Self.freePlan.replacingOccurrences(of: #""ai_assessments": 3"#, with: #""ai_assessments": 2.5"#)))
        #expect(fractional == [#"plans.json: plans[0] ("free"): limits.ai_assessments must be an integer >= 0 or null, not a number"#])
    }

    @Test func negativeAmount() {
        let pro = #"{"name": "pro", "priceId": "price_pro", "amount": -4900, "currency": "usd", "interval": "month", "limits": {"ai_assessments": 1, "candidate_matching": 1, "job_scraping": 1}}"#
        #expect(problems(plans(Self.freePlan, pro)) == [#"plans.json: plans[1] ("pro"): amount must be >= 0"#])
    }

    @Test func amountMustBeAnInteger() {
        let pro = #"{"name": "pro", "priceId": "price_pro", "amount": 49.5, "currency": "usd", "interval": "month", "limits": {"ai_assessments": 1, "candidate_matching": 1, "job_scraping": 1}}"#
        #expect(problems(plans(Self.freePlan, pro)) == [#"plans.json: plans[1] ("pro"): amount must be an integer in minor units, not a number"#])
    }

    @Test(arguments: [
        ("USD", #"currency "USD" must be a lower-case ISO 4217 code such as "usd""#),
        ("us", #"currency "us" must be a lower-case ISO 4217 code such as "usd""#),
        ("dollar", #"currency "dollar" must be a lower-case ISO 4217 code such as "usd""#),
        ("zzz", #"currency "zzz" is not an ISO 4217 currency code"#),
    ])
    func badCurrency(currency: String, message: String) throws {
        try #require(!PlanFileParser.knownCurrencies.isEmpty || currency != "zzz", "this platform has no ISO 4217 list")
        let pro = #"{"name": "pro", "priceId": "price_pro", "amount": 4900, "currency": "\#(currency)", "interval": "month", "limits": {"ai_assessments": 1, "candidate_matching": 1, "job_scraping": 1}}"#
        #expect(problems(plans(Self.freePlan, pro)) == [#"plans.json: plans[1] ("pro"): "# + message])
    }

    @Test func otherCurrenciesAreAccepted() throws {
        let pro = #"{"name": "pro", "priceId": "price_pro", "amount": 4500, "currency": "eur", "interval": "year", "limits": {"ai_assessments": 1, "candidate_matching": 1, "job_scraping": 1}}"#
        let catalog = try PlanCatalog(data: plans(Self.freePlan, pro), file: "plans.json")
        #expect(catalog.plan(named: "pro")?.currency == "eur")
        #expect(catalog.plan(named: "pro")?.interval == .year)
    }

    @Test func badInterval() {
        let pro = #"{"name": "pro", "priceId": "price_pro", "amount": 4900, "currency": "usd", "interval": "weekly", "limits": {"ai_assessments": 1, "candidate_matching": 1, "job_scraping": 1}}"#
        #expect(problems(plans(Self.freePlan, pro)) == [#"plans.json: plans[1] ("pro"): interval must be "month" or "year", not "weekly""#])
    }

    @Test func duplicatePlanName() {
        let pro = #"{"name": "pro", "priceId": "price_a", "amount": 4900, "currency": "usd", "interval": "month", "limits": {"ai_assessments": 1, "candidate_matching": 1, "job_scraping": 1}}"#
        let pro2 = pro.replacingOccurrences(of: "price_a", with: "price_b")
        #expect(problems(plans(Self.freePlan, pro, pro2)) == [#"plans.json: plans[2] ("pro"): name "pro" is already used by plans[1] ("pro")"#])
    }

    @Test func duplicatePriceID() {
        let pro = #"{"name": "pro", "priceId": "price_same", "amount": 4900, "currency": "usd", "interval": "month", "limits": {"ai_assessments": 1, "candidate_matching": 1, "job_scraping": 1}}"#
        let team = pro.replacingOccurrences(of: #""pro""#, with: #""team""#)
        #expect(problems(plans(Self.freePlan, pro, team)) == [#"plans.json: plans[2] ("team"): priceId "price_same" is already used by plans[1] ("pro")"#])
    }

    @Test func noFreePlan() {
        let pro = #"{"name": "pro", "priceId": "price_pro", "amount": 4900, "currency": "usd", "interval": "month", "limits": {"ai_assessments": 1, "candidate_matching": 1, "job_scraping": 1}}"#
        #expect(problems(plans(pro)) == [#"plans.json: no free plan (exactly one plan must be named "free" with priceId null; users without a paid subscription fall back to it)"#])
        #expect(problems(Data(#"{"plans": []}"#.utf8)).count == 1)
    }

    @Test func freePlanMustHaveNoPrice() {
        let free = Self.freePlan.replacingOccurrences(of: #""priceId": null"#, with: #""priceId": "price_free""#)
        #expect(problems(plans(free)) == [#"plans.json: plans[0] ("free"): the free plan must have priceId null (it is not sold)"#])
    }

    @Test func onlyTheFreePlanMayHaveNoPrice() {
        let basic = #"{"name": "basic", "priceId": null, "amount": 0, "currency": "usd", "interval": "month", "limits": {"ai_assessments": 1, "candidate_matching": 1, "job_scraping": 1}}"#
        #expect(problems(plans(Self.freePlan, basic)) == [#"plans.json: plans[1] ("basic"): priceId is null but only the plan named "free" may have no price; give it a Stripe price id"#])
    }

    @Test func twoFreePlans() {
        #expect(problems(plans(Self.freePlan, Self.freePlan)) == [#"plans.json: plans[1] ("free"): name "free" is already used by plans[0] ("free")"#])
    }

    @Test func freePlanIsMonthlyAndCostsNothing() {
        let free = Self.freePlan.replacingOccurrences(of: #""amount": 0"#, with: #""amount": 100"#).replacingOccurrences(of: #""month""#, with: #""year""#)
        #expect(problems(plans(free)) == [
            #"plans.json: plans[0] ("free"): amount must be 0 for the free plan"#,
            #"plans.json: plans[0] ("free"): interval must be "month" for the free plan (its usage period is the calendar month)"#,
        ])
    }

    @Test func requiredKeysAndTypes() {
        let found = problems(plans(Self.freePlan, #"{"name": 7, "amount": "49", "priceId": 3}"#, "42"))
        #expect(found == [
            #"plans.json: plans[1]: name must be a string, not a number"#,
            #"plans.json: plans[1]: priceId must be a string or null, not a number"#,
            #"plans.json: plans[1]: amount must be an integer in minor units, not a string"#,
            #"plans.json: plans[1]: currency is required (a lower-case ISO 4217 code such as "usd")"#,
            #"plans.json: plans[1]: interval is required ("month" or "year")"#,
            #"plans.json: plans[1]: limits is required (an object with ai_assessments, candidate_matching, job_scraping, ai_generations; null = unlimited)"#,
            #"plans.json: plans[2]: must be an object, not a number"#,
        ])
    }

    @Test func badNameAndPriceID() {
        let pro = #"{"name": "Pro Plan", "priceId": " price_pro", "amount": 4900, "currency": "usd", "interval": "month", "limits": {"ai_assessments": 1, "candidate_matching": 1, "job_scraping": 1}}"#
        #expect(problems(plans(Self.freePlan, pro)) == [
            #"plans.json: plans[1] ("Pro Plan"): name "Pro Plan" must be 1 to 64 lower-case letters, digits, "-" or "_""#,
            #"plans.json: plans[1] ("Pro Plan"): priceId must be a non-empty Stripe price id without spaces"#,
        ])
    }

    @Test func everyProblemIsReportedTogetherInFileOrder() {
        let free = Self.freePlan.replacingOccurrences(of: #""job_scraping": 10"#, with: #""job_scrapping": 10"#)
        let pro = #"{"name": "pro", "priceId": "price_pro", "amount": -1, "currency": "USD", "interval": "month", "limits": {"ai_assessments": 100, "candidate_matching": 1000, "job_scraping": -5}, "colour": "blue"}"#
        let dup = #"{"name": "pro", "priceId": "price_pro", "amount": 1, "currency": "usd", "interval": "month", "limits": {"ai_assessments": null, "candidate_matching": null, "job_scraping": null}}"#
        let found = problems(Data(#"{"version": 2, "plans": [\#(free), \#(pro), \#(dup)]}"#.utf8), file: "/etc/hirebase/plans.json")
        #expect(found == [
            #"/etc/hirebase/plans.json: unknown key "version" (allowed: plans)"#,
            #"/etc/hirebase/plans.json: plans[0] ("free"): limits.job_scrapping is not a known feature (known: ai_assessments, candidate_matching, job_scraping, ai_generations)"#,
            #"/etc/hirebase/plans.json: plans[0] ("free"): limits.job_scraping is missing (write null for unlimited)"#,
            #"/etc/hirebase/plans.json: plans[1] ("pro"): unknown key "colour" (allowed: amount, currency, interval, limits, name, priceId)"#,
            #"/etc/hirebase/plans.json: plans[1] ("pro"): amount must be >= 0"#,
            #"/etc/hirebase/plans.json: plans[1] ("pro"): currency "USD" must be a lower-case ISO 4217 code such as "usd""#,
            #"/etc/hirebase/plans.json: plans[1] ("pro"): limits.job_scraping must be >= 0 or null"#,
            #"/etc/hirebase/plans.json: plans[2] ("pro"): name "pro" is already used by plans[1] ("pro")"#,
            #"/etc/hirebase/plans.json: plans[2] ("pro"): priceId "price_pro" is already used by plans[1] ("pro")"#,
        ])
        #expect((try? PlanCatalog(data: Data(#"{"plans": [\#(free)]}"#.utf8), file: "x")) == nil)
    }

    @Test func errorDescriptionListsOneProblemALine() {
        let error = PlanCatalogError(file: "plans.json", problems: ["plans.json: a", "plans.json: b"])
        #expect(error.description == "plans.json: a\nplans.json: b")
    }
}
