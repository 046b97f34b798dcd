import JSONTree
import Foundation

/// Reads a plans file into ``Plan`` values, collecting every problem instead of stopping at the
/// first (the format is documented on ``PlanCatalog``).
struct PlanFileParser {
    static let freePlanName = "free"
    static let topLevelKeys: Set<String> = ["plans"]
    static let planKeys: Set<String> = ["name", "priceId", "amount", "currency", "interval", "limits"]
    /// Features added to the format after plans files were written (`API.md` § AI assistance: "a
    /// plan that does not name it may not use it"): absent means limit 0, not an error, so that an
    /// operator's older file still loads and gives none of them away. Every other feature must be
    /// named (see ``PlanCatalog``).
    static let lockedWhenAbsent: Set<PlanFeature> = [.aiGenerations]

    /// Current ISO 4217 codes (upper case) from the platform's ICU data. Empty if the platform
    /// has none, in which case only the code's shape is checked rather than refusing every file.
    static let knownCurrencies: Set<String> = Set(Locale.commonISOCurrencyCodes)

    let file: String

    /// What one entry's `priceId` was, for the checks across entries.
    private enum PriceIDField {
        case absentOrInvalid
        case null
        case id(String)
    }

    /// What the checks across entries need to know about one entry.
    private struct EntrySummary {
        var index: Int
        var label: String
        var name: String?
        var priceID: PriceIDField
        var plan: Plan?
    }

    func parse(_ data: Data) throws(PlanCatalogError) -> [Plan] {
        let root: JSONValue
        do {
            root = try JSONValue(parsing: data)
        } catch {
            throw PlanCatalogError(file: file, problems: ["\(file): not valid JSON (\(JSONValue.parseErrorMessage(error)))"])
        }
        guard let members = root.objectValue else {
            throw PlanCatalogError(file: file, problems: ["\(file): must be a JSON object {\"plans\": [...]}, not \(Self.article(root))"])
        }
        var fileProblems: [String] = []
        for key in Set(members.keys).subtracting(Self.topLevelKeys).sorted() {
            fileProblems.append("\(file): unknown key \"\(key)\" (allowed: plans)")
        }
        guard let plansValue = members["plans"] else {
            throw PlanCatalogError(file: file, problems: fileProblems + ["\(file): \"plans\" is required (an array of plans)"])
        }
        guard let entries = plansValue.arrayValue else {
            throw PlanCatalogError(file: file, problems: fileProblems + ["\(file): \"plans\" must be an array, not \(Self.article(plansValue))"])
        }

        var problemsByEntry = Array(repeating: [String](), count: entries.count)
        var summaries: [EntrySummary] = []
        for (index, entry) in entries.enumerated() {
            var problems: [String] = []
            summaries.append(parseEntry(entry, index: index, problems: &problems))
            problemsByEntry[index] = problems
        }
        // Problems of the whole list (no free plan) come last, after the entries' own.
        let listProblems = checkAcrossEntries(summaries, problemsByEntry: &problemsByEntry)

        let problems = fileProblems + problemsByEntry.flatMap { $0 } + listProblems
        guard problems.isEmpty else {
            throw PlanCatalogError(file: file, problems: problems)
        }
        return summaries.compactMap(\.plan)
    }

    // MARK: One entry

    private func parseEntry(_ entry: JSONValue, index: Int, problems: inout [String]) -> EntrySummary {
        let name = entry["name"]?.stringValue
        let label = name.map { "plans[\(index)] (\"\($0)\")" } ?? "plans[\(index)]"
        let prefix = "\(file): \(label): "
        func problem(_ text: String) { problems.append(prefix + text) }

        guard let members = entry.objectValue else {
            problem("must be an object, not \(Self.article(entry))")
            return EntrySummary(index: index, label: label, name: nil, priceID: .absentOrInvalid, plan: nil)
        }
        for key in Set(members.keys).subtracting(Self.planKeys).sorted() {
            problem("unknown key \"\(key)\" (allowed: \(Self.planKeys.sorted().joined(separator: ", ")))")
        }

        // name
        var validName: String?
        switch members["name"] {
        case nil: problem("name is required")
        case .string(let text) where Self.isValidName(text): validName = text
        case .string(let text): problem("name \"\(text)\" must be 1 to 64 lower-case letters, digits, \"-\" or \"_\"")
        case let other?: problem("name must be a string, not \(Self.article(other))")
        }

        // priceId
        var priceID = PriceIDField.absentOrInvalid
        switch members["priceId"] {
        case nil: problem("priceId is required (a Stripe price id, or null for the free plan)")
        case .null?: priceID = .null
        case .string(let text) where Self.isValidPriceID(text): priceID = .id(text)
        case .string: problem("priceId must be a non-empty Stripe price id without spaces")
        case let other?: problem("priceId must be a string or null, not \(Self.article(other))")
        }

        // amount
        var amount: Int?
        switch members["amount"] {
        case nil: problem("amount is required (an integer in minor units, e.g. 4900 for 49.00)")
        case let number? where number.intValue.map { $0 >= 0 } == true: amount = number.intValue
        case let number? where number.intValue != nil: problem("amount must be >= 0")
        case let other?: problem("amount must be an integer in minor units, not \(Self.article(other))")
        }

        // currency
        var currency: String?
        switch members["currency"] {
        case nil: problem("currency is required (a lower-case ISO 4217 code such as \"usd\")")
        case .string(let text) where !Self.hasCurrencyShape(text):
            problem("currency \"\(text)\" must be a lower-case ISO 4217 code such as \"usd\"")
        case .string(let text) where !Self.knownCurrencies.isEmpty && !Self.knownCurrencies.contains(text.uppercased()):
            problem("currency \"\(text)\" is not an ISO 4217 currency code")
        case .string(let text): currency = text
        case let other?: problem("currency must be a string, not \(Self.article(other))")
        }

        // interval
        var interval: Plan.Interval?
        switch members["interval"] {
        case nil: problem("interval is required (\"month\" or \"year\")")
        case .string(let text) where Plan.Interval(rawValue: text) != nil: interval = Plan.Interval(rawValue: text)
        case let other?: problem("interval must be \"month\" or \"year\", not \(Self.describeValue(other))")
        }

        let limits = parseLimits(members["limits"], problem: problem)

        var plan: Plan?
        if let validName, let amount, let currency, let interval, let limits {
            switch priceID {
            case .absentOrInvalid: break
            case .null: plan = Plan(name: validName, priceID: nil, amount: amount, currency: currency, interval: interval, limits: limits)
            case .id(let id): plan = Plan(name: validName, priceID: id, amount: amount, currency: currency, interval: interval, limits: limits)
            }
        }
        return EntrySummary(index: index, label: label, name: validName, priceID: priceID, plan: plan)
    }

    /// Finite limits of a valid `limits` object, or `nil` after reporting its problems.
    private func parseLimits(_ value: JSONValue?, problem: (String) -> Void) -> [PlanFeature: Int]? {
        let known = PlanFeature.allCases.map(\.rawValue).joined(separator: ", ")
        guard let value else {
            problem("limits is required (an object with \(known); null = unlimited)")
            return nil
        }
        guard let members = value.objectValue else {
            problem("limits must be an object, not \(Self.article(value))")
            return nil
        }
        var valid = true
        for key in members.keys.sorted() where PlanFeature(rawValue: key) == nil {
            problem("limits.\(key) is not a known feature (known: \(known))")
            valid = false
        }
        var limits: [PlanFeature: Int] = [:]
        for feature in PlanFeature.allCases {
            switch members[feature.rawValue] {
            case nil where Self.lockedWhenAbsent.contains(feature):
                limits[feature] = 0
            case nil:
                problem("limits.\(feature.rawValue) is missing (write null for unlimited)")
                valid = false
            case .null?:
                break
            case let number? where number.intValue.map { $0 >= 0 } == true:
                limits[feature] = number.intValue
            case let number? where number.intValue != nil:
                problem("limits.\(feature.rawValue) must be >= 0 or null")
                valid = false
            case let other?:
                problem("limits.\(feature.rawValue) must be an integer >= 0 or null, not \(Self.article(other))")
                valid = false
            }
        }
        return valid ? limits : nil
    }

    // MARK: Across entries

    /// Adds duplicate and free-plan problems to their entries; returns the list's own problems.
    private func checkAcrossEntries(_ summaries: [EntrySummary], problemsByEntry: inout [[String]]) -> [String] {
        var firstByName: [String: EntrySummary] = [:]
        var firstByPriceID: [String: EntrySummary] = [:]
        for summary in summaries {
            func problem(_ text: String) { problemsByEntry[summary.index].append("\(file): \(summary.label): \(text)") }

            if let name = summary.name {
                if let first = firstByName[name] {
                    problem("name \"\(name)\" is already used by \(first.label)")
                } else {
                    firstByName[name] = summary
                }
            }
            switch summary.priceID {
            case .id(let id):
                if let first = firstByPriceID[id] {
                    problem("priceId \"\(id)\" is already used by \(first.label)")
                } else {
                    firstByPriceID[id] = summary
                }
                if summary.name == Self.freePlanName {
                    problem("the free plan must have priceId null (it is not sold)")
                }
            case .null:
                if let name = summary.name, name != Self.freePlanName {
                    problem("priceId is null but only the plan named \"free\" may have no price; give it a Stripe price id")
                }
            case .absentOrInvalid:
                break
            }
            if summary.name == Self.freePlanName, let plan = summary.plan {
                if plan.amount != 0 { problem("amount must be 0 for the free plan") }
                if plan.interval != .month { problem("interval must be \"month\" for the free plan (its usage period is the calendar month)") }
            }
        }
        // A plan named "free" with a wrong priceId already has its own problem above.
        if !summaries.contains(where: { $0.name == Self.freePlanName }) {
            return ["\(file): no free plan (exactly one plan must be named \"free\" with priceId null; users without a paid subscription fall back to it)"]
        }
        return []
    }

    // MARK: Value rules

    static func isValidName(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= 64
            && text.utf8.allSatisfy { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") }
    }

    static func isValidPriceID(_ text: String) -> Bool {
        // Stripe ids are ASCII without spaces; a stray space or newline from copy-paste would
        // never match a webhook's price id, so it is caught here rather than at the first checkout.
        !text.isEmpty && text.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F }
    }

    static func hasCurrencyShape(_ text: String) -> Bool {
        text.utf8.count == 3 && text.utf8.allSatisfy { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) }
    }

    /// "a string", "an array", ... for messages.
    static func article(_ value: JSONValue) -> String {
        switch value {
        case .array, .object: "an \(value.kindName)"
        case .null: "null"
        default: "a \(value.kindName)"
        }
    }

    /// A short rendering of a scalar value for messages (`"weekly"`, `7`), else its kind.
    static func describeValue(_ value: JSONValue) -> String {
        switch value {
        case .string(let text): "\"\(text)\""
        case .number(let number): "\(number)"
        default: article(value)
        }
    }
}
