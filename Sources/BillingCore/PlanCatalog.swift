import Foundation

/// The plans of the plans file (`PLANS_FILE`; `API.md` § Billing), checked and indexed.
///
/// File format (UTF-8 JSON; unknown keys anywhere are an error):
/// ```json
/// {"plans": [
///   {"name": "free", "priceId": null, "amount": 0, "currency": "usd", "interval": "month",
///    "limits": {"ai_assessments": 3, "candidate_matching": 20, "job_scraping": 10, "ai_generations": 5}},
///   {"name": "pro", "priceId": "price_pro_monthly", "amount": 4900, "currency": "usd", "interval": "month",
///    "limits": {"ai_assessments": 100, "candidate_matching": 1000, "job_scraping": 500, "ai_generations": 200}}
/// ]}
/// ```
/// - `name`: lower-case ASCII letters, digits, `-`, `_`; unique.
/// - `priceId`: the Stripe price id, unique; `null` only for the plan named `free`.
/// - `amount`: integer >= 0 in the currency's minor units (4900 = 49.00 USD); 0 for `free`.
/// - `currency`: lower-case ISO 4217 code (`usd`), as Stripe writes it.
/// - `interval`: `month` or `year`; `free` must be `month` (its usage period is the calendar month).
/// - `limits`: every ``PlanFeature`` exactly once, each an integer >= 0 or `null` (unlimited).
///   A missing feature is an error rather than "unlimited" or "0": `null` already spells
///   unlimited, so a forgotten key is a mistake that must not silently give a feature away or
///   lock it. The exception is `ai_generations`, added after files were written: absent means 0
///   (`API.md` § AI assistance, "a plan that does not name it may not use it").
/// - Exactly one plan has `priceId: null`, and it is named `free`: the plan of every user without
///   an active paid subscription.
///
/// Every problem is reported at once in a ``PlanCatalogError``.
public struct PlanCatalog: Sendable {
    /// The file name used in messages about the bundled default.
    public static let defaultFileName = "plans.json"

    /// The plans in file order.
    public let plans: [Plan]
    /// The fallback plan (named `free`, no price id) of users without an active paid subscription.
    public let free: Plan
    private let indexByName: [String: Int]
    private let indexByPriceID: [String: Int]

    /// The default plans shipped in the module (`Resources/plans.json`, the same content as the
    /// repository's `config/plans.json`): `free`, `pro` (`price_pro_monthly`) and `business`
    /// (`price_business_monthly`) with the contract's limits.
    /// - Throws: ``PlanCatalogError`` naming `plans.json` if the resource is missing or invalid
    ///   (only a broken build or deployment can cause that).
    public static func loadDefault() throws(PlanCatalogError) -> PlanCatalog {
        guard let url = bundledDefaultURL else {
            throw PlanCatalogError(file: defaultFileName, problems: ["\(defaultFileName): the bundled default is missing from BillingCore's resources"])
        }
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw PlanCatalogError(file: defaultFileName, problems: ["\(defaultFileName): the bundled default cannot be read (\(error))"])
        }
        return try PlanCatalog(data: data, file: defaultFileName)
    }

    /// Where the bundled default lives in the module's resource bundle.
    static var bundledDefaultURL: URL? {
        Bundle.module.url(forResource: "plans", withExtension: "json")
    }

    /// Reads and checks the plans file at `path` (as given in `PLANS_FILE`).
    /// - Throws: ``PlanCatalogError`` naming `path` when the file is missing, unreadable or invalid.
    public static func load(contentsOf path: String) throws(PlanCatalogError) -> PlanCatalog {
        guard FileManager.default.fileExists(atPath: path) else {
            throw PlanCatalogError(file: path, problems: ["\(path): no such file"])
        }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw PlanCatalogError(file: path, problems: ["\(path): cannot be read (\(error))"])
        }
        return try PlanCatalog(data: data, file: path)
    }

    /// Parses and checks plans file content.
    /// - Parameters:
    ///   - data: the file's bytes.
    ///   - file: the name to use in messages (a path or `plans.json`).
    /// - Throws: ``PlanCatalogError`` with every problem found.
    public init(data: Data, file: String) throws(PlanCatalogError) {
        let plans = try PlanFileParser(file: file).parse(data)
        // The parser has checked what the assignments below rely on: exactly one free plan,
        // unique names and price ids.
        self.init(checkedPlans: plans)
    }

    private init(checkedPlans plans: [Plan]) {
        self.plans = plans
        var byName: [String: Int] = [:]
        var byPriceID: [String: Int] = [:]
        for (index, plan) in plans.enumerated() {
            byName[plan.name] = index
            if let priceID = plan.priceID { byPriceID[priceID] = index }
        }
        indexByName = byName
        indexByPriceID = byPriceID
        free = plans[byName[PlanFileParser.freePlanName] ?? 0]
    }

    /// The plan called `name` (exact, case-sensitive), or `nil`.
    public func plan(named name: String) -> Plan? {
        indexByName[name].map { plans[$0] }
    }

    /// The plan sold with Stripe price `priceID` (e.g. a subscription item's `price.id`), or `nil`
    /// for a price this file does not know.
    public func plan(forPriceID priceID: String) -> Plan? {
        indexByPriceID[priceID].map { plans[$0] }
    }
}
