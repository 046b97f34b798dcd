import JSONTree
import Foundation

/// Maps one schema.org `JobPosting` node (https://schema.org/JobPosting, read as Google's
/// job-posting guidelines describe it) to the fields of a `JobPosting`.
///
/// Reading is charged to a `Budget` proportional to the page: an `@id` reference can make one
/// large node be read once per reference (50,000 `jobLocation`s naming one Place with a 1 MB
/// locality would have rendered 50 GB of markup), so the size of the JSON does not bound the
/// work by itself. Once the budget is spent, values read as missing.
struct JobPostingReader {
    /// Work left for reading one posting, in units of about one byte of text looked at: every
    /// JSON value read costs 1 plus the UTF-8 length of its strings, and every string turned into
    /// text costs its length again, at least `minimumRenderCost` (a libxml2 parse of even a short
    /// fragment costs microseconds).
    final class Budget {
        private(set) var remaining: Int

        /// What a page of `pageBytes` bytes may spend: 4 units per byte of the page plus
        /// 1,000,000. Real postings spend about 2 to 3 units per byte of their JSON-LD.
        init(pageBytes: Int) {
            remaining = 4 * pageBytes + 1_000_000
        }

        /// Takes `units` if that many are left; once that fails, every later call fails too, so
        /// that loops over many values stop paying as soon as the budget is spent.
        func spend(_ units: Int) -> Bool {
            guard units <= remaining else {
                remaining = 0
                return false
            }
            remaining -= units
            return true
        }

        /// Whether a `spend` has failed (or everything has been spent).
        var isSpent: Bool { remaining == 0 }
    }

    /// What rendering a string costs at the least, in budget units.
    static let minimumRenderCost = 256

    /// How the node's strings are written.
    enum TextFormat {
        /// JSON-LD: strings may hold entities (`&amp;`) and, in `description`, markup.
        case markup
        /// Microdata: strings are text already taken from the page's tree.
        case plain
    }

    private let node: [String: JSONValue]
    private let format: TextFormat
    private let resolve: (JSONValue) -> JSONValue
    private let budget: Budget

    /// - Parameters:
    ///   - resolve: replaces an `@id` reference by the node it names (identity for microdata).
    ///   - budget: what reading may cost (see the type's documentation).
    init(
        node: [String: JSONValue], format: TextFormat, budget: Budget,
        resolve: @escaping (JSONValue) -> JSONValue = { $0 }
    ) {
        self.node = node
        self.format = format
        self.budget = budget
        self.resolve = resolve
    }

    private func member(_ key: String) -> JSONValue? {
        node[key].map(resolved)
    }

    /// `resolve(value)`, charged for the reference's size; `.null` once the budget is spent.
    private func resolved(_ value: JSONValue) -> JSONValue {
        guard case .object(let object) = value else { return value }
        guard budget.spend(1 + object.count), charge(object["@id"]) else { return .null }
        return resolve(value)
    }

    /// `value.text`, charged for what it looks at: 1 per value and the length of each string
    /// (an array is read up to its first usable element); nil once the budget is spent.
    private func text(_ value: JSONValue?) -> String? {
        guard let value, budget.spend(1) else { return nil }
        switch value {
        case .string(let string):
            return budget.spend(string.utf8.count) ? value.text : nil
        case .number:
            return value.text
        case .array(let values):
            for element in values {
                if let text = text(element) { return text }
                if budget.isSpent { return nil }
            }
            return nil
        case .object(let object):
            return text(object["@value"])
        case .bool, .null:
            return nil
        }
    }

    /// `value.elements`, charged one per element; empty once the budget is spent.
    private func elements(_ value: JSONValue?) -> [JSONValue] {
        guard let elements = value?.elements, budget.spend(elements.count) else { return [] }
        return elements
    }

    /// Charges 1 for `value` and each value in it, plus the UTF-8 length of every string (keys
    /// included); false, stopping early, once the budget is spent. Recursion is bounded by
    /// `LenientJSON.maximumDepth` (JSON-LD) or `MicrodataReader`'s item depth.
    private func charge(_ value: JSONValue?) -> Bool {
        switch value {
        case nil:
            return true
        case .string(let string):
            return budget.spend(1 + string.utf8.count)
        case .number, .bool, .null:
            return budget.spend(1)
        case .array(let values):
            return budget.spend(1) && values.allSatisfy(charge)
        case .object(let object):
            return budget.spend(1) && object.allSatisfy { budget.spend($0.key.utf8.count) && charge($0.value) }
        }
    }

    /// `title`, else `name` (schema.org's own pending examples use `name`).
    var title: String? {
        (text(member("title")) ?? text(member("name"))).flatMap(shortText)
    }

    /// `hiringOrganization`: an Organization's `name`, or a plain string; the first of several.
    var company: String? {
        guard let organizations = member("hiringOrganization") else { return nil }
        for organization in elements(organizations).map(resolved) {
            let name = organization.objectValue.map { text($0["name"]) } ?? text(organization)
            if let name = name.flatMap(shortText) { return name }
        }
        return nil
    }

    /// `description` as plain text (see `JobPosting.description`).
    var description: String? {
        guard let raw = text(member("description")), chargeRender(raw) else { return nil }
        let text =
            switch format {
            case .markup: HTMLText.fromMarkup(raw)
            case .plain: HTMLText.collapsed(raw, keepingLineBreaks: true)
            }
        return text.isEmpty ? nil : text
    }

    /// One "City, Region, Country" string per `jobLocation`, without duplicates.
    var locations: [String] {
        var seen = Set<String>()
        return elements(member("jobLocation")).compactMap { place in
            guard let location = location(of: resolved(place)), seen.insert(location).inserted
            else { return nil }
            return location
        }
    }

    private func location(of place: JSONValue) -> String? {
        guard let object = place.objectValue else { return text(place).flatMap(shortText) }
        // A PostalAddress given directly as the jobLocation is read like a Place's address.
        let addresses = object["address"].map { elements($0).map(resolved) } ?? [place]
        for address in addresses {
            if let text = addressText(address) { return text }
        }
        return text(object["name"]).flatMap(shortText)
    }

    private func addressText(_ address: JSONValue) -> String? {
        guard let object = address.objectValue else { return text(address).flatMap(shortText) }
        let country = object["addressCountry"].map(resolved).flatMap { country in
            country.objectValue.map { text($0["name"]) } ?? text(country)
        }
        var parts: [String] = []
        for part in [text(object["addressLocality"]), text(object["addressRegion"]), country] {
            // Sites repeat the city as the region ("Berlin, Berlin"); once is enough.
            if let part = part.flatMap(shortText), parts.last != part { parts.append(part) }
        }
        return parts.isEmpty ? nil : parts.joined(separator: ", ")
    }

    /// `jobLocationType` `TELECOMMUTE`, or `applicantLocationRequirements` without `jobLocation`
    /// (Google: a fully remote job states where applicants may live instead of a location).
    var remote: Bool {
        let telecommute = elements(member("jobLocationType")).contains { type in
            text(type).map { $0.uppercased().hasSuffix("TELECOMMUTE") } ?? false
        }
        if telecommute { return true }
        return member("applicantLocationRequirements") != nil && member("jobLocation") == nil
    }

    /// The first recognised `employmentType`; a value that is stated but not recognised
    /// (`"Permanent"`) counts as `OTHER`. One string may list several (`"Full-time, Part-time"`).
    var employmentType: EmploymentType? {
        let values = elements(member("employmentType")).compactMap(text)
        let tokens = values.flatMap { $0.split(whereSeparator: { ",;/|".contains($0) }) }
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        if let known = tokens.lazy.compactMap(EmploymentType.init(normalizing:)).first {
            return known
        }
        return tokens.isEmpty ? nil : .other
    }

    /// `baseSalary` (see `Salary`); the first usable one when there are several.
    var salary: Salary? {
        let postingCurrency = text(member("salaryCurrency"))
        for amount in elements(member("baseSalary")).map(resolved) {
            if let salary = salary(from: amount, postingCurrency: postingCurrency) {
                return salary
            }
        }
        return nil
    }

    private func salary(from amount: JSONValue, postingCurrency: String?) -> Salary? {
        // Charged whole here, so that the amounts below can read it freely.
        guard charge(amount) else { return nil }
        guard let monetary = amount.objectValue else {
            // A bare number (schema.org's own example has "baseSalary": "100000") or range text.
            let (low, high) = Self.range(amount)
            guard let low, let high else { return nil }
            return Salary(min: low, max: high, currency: Self.normalizedCurrency(postingCurrency), period: nil)
        }
        var minimum = monetary["minValue"].flatMap(Self.amount)
        var maximum = monetary["maxValue"].flatMap(Self.amount)
        var single: (low: Decimal?, high: Decimal?) = (nil, nil)
        var unit = monetary["unitText"]?.text ?? monetary["unitCode"]?.text
        if let value = monetary["value"] {
            if let quantity = value.objectValue {
                minimum = quantity["minValue"].flatMap(Self.amount) ?? minimum
                maximum = quantity["maxValue"].flatMap(Self.amount) ?? maximum
                single = quantity["value"].map(Self.range) ?? (nil, nil)
                unit = quantity["unitText"]?.text ?? quantity["unitCode"]?.text ?? unit
            } else {
                single = Self.range(value)
            }
        }
        if minimum == nil, maximum == nil {
            (minimum, maximum) = single
        }
        guard minimum != nil || maximum != nil else { return nil }
        if let low = minimum, let high = maximum, low > high {
            (minimum, maximum) = (high, low)
        }
        return Salary(
            min: minimum, max: maximum,
            currency: Self.normalizedCurrency(monetary["currency"]?.text ?? postingCurrency),
            period: unit.flatMap(Salary.Period.init(normalizing:))
        )
    }

    /// A positive amount from a number or a string such as "90,000", "$40.00" or "85k" (the
    /// first number in the string, so "90,000 - 120,000" reads 90000). Zero and negative amounts
    /// are treated as missing: sites ship 0 as a placeholder.
    private static func amount(_ value: JSONValue) -> Decimal? {
        let decimal: Decimal?
        switch value {
        case .number(let number):
            decimal = number
        case .string(let string):
            decimal = amount(inText: string)
        case .array(let values):
            decimal = values.lazy.compactMap(amount).first
        case .object(let object):
            decimal = object["@value"].flatMap(amount)
        case .bool, .null:
            decimal = nil
        }
        guard let decimal, decimal > 0 else { return nil }
        return decimal
    }

    /// A single amount as a range of one, or the two amounts of range text ("$90,000 - $120,000").
    private static func range(_ value: JSONValue) -> (low: Decimal?, high: Decimal?) {
        if case .string(let text) = value {
            let amounts = amounts(inText: text, limit: maximumNumbersRead).filter { $0 > 0 }
            if amounts.count >= 2 { return (amounts[0], amounts[1]) }
        }
        let single = amount(value)
        return (single, single)
    }

    /// How many numbers of a salary text are read: range text holds two ("$90,000 - $120,000 a
    /// year"), and a text of a million numbers took seconds to read in full.
    private static let maximumNumbersRead = 8

    /// How much of a salary text is read, in characters; real ones are a few dozen.
    private static let maximumSalaryTextLength = 256

    private static let posix = Locale(identifier: "en_US_POSIX")

    private static func amount(inText text: String) -> Decimal? {
        amounts(inText: text, limit: 1).first
    }

    /// The first `limit` numbers in the first `maximumSalaryTextLength` characters of `text`,
    /// with "," as a thousands separator (a decimal comma, as in "1.234,56", is not recognised)
    /// and an optional "k" for thousands.
    private static func amounts(inText text: String, limit: Int) -> [Decimal] {
        var amounts: [Decimal] = []
        var rest = text.prefix(maximumSalaryTextLength)
        while amounts.count < limit, let start = rest.firstIndex(where: { $0.isASCII && $0.isNumber }) {
            rest = rest[start...]
            let number = rest.prefix { ($0.isASCII && $0.isNumber) || $0 == "," || $0 == "." }
            rest = rest.dropFirst(number.count)
            let digits = String(number.filter { $0 != "," })
            guard var value = Decimal(string: digits, locale: posix) else { continue }
            if let suffix = rest.first, suffix == "k" || suffix == "K" { value *= 1000 }
            amounts.append(value)
        }
        return amounts
    }

    private static func normalizedCurrency(_ currency: String?) -> String? {
        guard let currency = currency?.trimmingCharacters(in: .whitespaces), !currency.isEmpty
        else { return nil }
        return currency.uppercased()
    }

    /// `datePosted`, as written.
    var datePosted: String? { text(member("datePosted")) }

    /// `validThrough`, as written.
    var validThrough: String? { text(member("validThrough")) }

    /// The posting's `url`, resolved against the page; nil unless it is http(s).
    func applyURL(relativeTo pageURL: URL) -> URL? {
        guard let text = text(member("url")),
            let url = URL(string: text, relativeTo: pageURL)?.absoluteURL,
            let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https"
        else { return nil }
        return url
    }

    /// Text of the properties that describe required skills, for the skill extractor.
    var skillsText: String {
        let keys = [
            "skills", "qualifications", "responsibilities", "experienceRequirements",
            "educationRequirements",
        ]
        return keys.flatMap { key in
            elements(member(key)).compactMap { value in
                (value.objectValue.map { text($0["name"]) } ?? text(value)).flatMap(longText)
            }
        }
        .joined(separator: "\n")
    }

    /// Charges turning `text` into plain text: its length, and at least `minimumRenderCost`.
    private func chargeRender(_ text: String) -> Bool {
        budget.spend(max(text.utf8.count, Self.minimumRenderCost))
    }

    private func shortText(_ text: String) -> String? {
        guard chargeRender(text) else { return nil }
        let cleaned =
            switch format {
            case .markup: HTMLText.singleLine(text)
            case .plain: HTMLText.collapsed(text)
            }
        return cleaned.isEmpty ? nil : cleaned
    }

    /// Nil only once the budget is spent; empty text stays empty.
    private func longText(_ text: String) -> String? {
        guard chargeRender(text) else { return nil }
        return switch format {
        case .markup: HTMLText.fromMarkup(text)
        case .plain: HTMLText.collapsed(text, keepingLineBreaks: true)
        }
    }
}
