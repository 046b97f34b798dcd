import Foundation

/// Maps one schema.org `JobPosting` node (https://schema.org/JobPosting, read as Google's
/// job-posting guidelines describe it) to the fields of a `JobPosting`.
struct JobPostingReader {
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

    /// - Parameter resolve: replaces an `@id` reference by the node it names (identity for
    ///   microdata).
    init(
        node: [String: JSONValue], format: TextFormat,
        resolve: @escaping (JSONValue) -> JSONValue = { $0 }
    ) {
        self.node = node
        self.format = format
        self.resolve = resolve
    }

    private func member(_ key: String) -> JSONValue? {
        node[key].map(resolve)
    }

    /// `title`, else `name` (schema.org's own pending examples use `name`).
    var title: String? {
        (member("title")?.text ?? member("name")?.text).flatMap(shortText)
    }

    /// `hiringOrganization`: an Organization's `name`, or a plain string; the first of several.
    var company: String? {
        guard let organizations = member("hiringOrganization") else { return nil }
        for organization in organizations.elements.map(resolve) {
            let name = organization.object.map { $0["name"]?.text } ?? organization.text
            if let name = name.flatMap(shortText) { return name }
        }
        return nil
    }

    /// `description` as plain text (see `JobPosting.description`).
    var description: String? {
        guard let raw = member("description")?.text else { return nil }
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
        return (member("jobLocation")?.elements ?? []).compactMap { place in
            guard let location = location(of: resolve(place)), seen.insert(location).inserted
            else { return nil }
            return location
        }
    }

    private func location(of place: JSONValue) -> String? {
        guard let object = place.object else { return place.text.flatMap(shortText) }
        // A PostalAddress given directly as the jobLocation is read like a Place's address.
        let addresses = object["address"].map { $0.elements.map(resolve) } ?? [place]
        for address in addresses {
            if let text = addressText(address) { return text }
        }
        return object["name"]?.text.flatMap(shortText)
    }

    private func addressText(_ address: JSONValue) -> String? {
        guard let object = address.object else { return address.text.flatMap(shortText) }
        let country = object["addressCountry"].map(resolve).flatMap { country in
            country.object.map { $0["name"]?.text } ?? country.text
        }
        var parts: [String] = []
        for part in [object["addressLocality"]?.text, object["addressRegion"]?.text, country] {
            // Sites repeat the city as the region ("Berlin, Berlin"); once is enough.
            if let part = part.flatMap(shortText), parts.last != part { parts.append(part) }
        }
        return parts.isEmpty ? nil : parts.joined(separator: ", ")
    }

    /// `jobLocationType` `TELECOMMUTE`, or `applicantLocationRequirements` without `jobLocation`
    /// (Google: a fully remote job states where applicants may live instead of a location).
    var remote: Bool {
        let telecommute = (member("jobLocationType")?.elements ?? []).contains { type in
            type.text.map { $0.uppercased().hasSuffix("TELECOMMUTE") } ?? false
        }
        if telecommute { return true }
        return member("applicantLocationRequirements") != nil && member("jobLocation") == nil
    }

    /// The first recognised `employmentType`; a value that is stated but not recognised
    /// (`"Permanent"`) counts as `OTHER`. One string may list several (`"Full-time, Part-time"`).
    var employmentType: EmploymentType? {
        let values = (member("employmentType")?.elements ?? []).compactMap(\.text)
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
        let postingCurrency = member("salaryCurrency")?.text
        for amount in (member("baseSalary")?.elements ?? []).map(resolve) {
            if let salary = Self.salary(from: amount, postingCurrency: postingCurrency) {
                return salary
            }
        }
        return nil
    }

    private static func salary(from amount: JSONValue, postingCurrency: String?) -> Salary? {
        guard let monetary = amount.object else {
            // A bare number (schema.org's own example has "baseSalary": "100000") or range text.
            let (low, high) = range(amount)
            guard let low, let high else { return nil }
            return Salary(min: low, max: high, currency: normalizedCurrency(postingCurrency), period: nil)
        }
        var minimum = monetary["minValue"].flatMap(Self.amount)
        var maximum = monetary["maxValue"].flatMap(Self.amount)
        var single: (low: Decimal?, high: Decimal?) = (nil, nil)
        var unit = monetary["unitText"]?.text ?? monetary["unitCode"]?.text
        if let value = monetary["value"] {
            if let quantity = value.object {
                minimum = quantity["minValue"].flatMap(Self.amount) ?? minimum
                maximum = quantity["maxValue"].flatMap(Self.amount) ?? maximum
                single = quantity["value"].map(range) ?? (nil, nil)
                unit = quantity["unitText"]?.text ?? quantity["unitCode"]?.text ?? unit
            } else {
                single = range(value)
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
            currency: normalizedCurrency(monetary["currency"]?.text ?? postingCurrency),
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
            let amounts = amounts(inText: text).filter { $0 > 0 }
            if amounts.count >= 2 { return (amounts[0], amounts[1]) }
        }
        let single = amount(value)
        return (single, single)
    }

    private static func amount(inText text: String) -> Decimal? {
        amounts(inText: text).first
    }

    /// The numbers in `text`, with "," as a thousands separator (a decimal comma, as in
    /// "1.234,56", is not recognised) and an optional "k" for thousands.
    private static func amounts(inText text: String) -> [Decimal] {
        var amounts: [Decimal] = []
        var rest = text[...]
        while let start = rest.firstIndex(where: { $0.isASCII && $0.isNumber }) {
            rest = rest[start...]
            let number = rest.prefix { ($0.isASCII && $0.isNumber) || $0 == "," || $0 == "." }
            rest = rest.dropFirst(number.count)
            let digits = String(number.filter { $0 != "," })
            guard var value = Decimal(string: digits, locale: Locale(identifier: "en_US_POSIX"))
            else { continue }
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
    var datePosted: String? { member("datePosted")?.text }

    /// `validThrough`, as written.
    var validThrough: String? { member("validThrough")?.text }

    /// The posting's `url`, resolved against the page; nil unless it is http(s).
    func applyURL(relativeTo pageURL: URL) -> URL? {
        guard let text = member("url")?.text,
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
            (member(key)?.elements ?? []).compactMap { value in
                (value.object.map { $0["name"]?.text } ?? value.text).map(longText)
            }
        }
        .joined(separator: "\n")
    }

    private func shortText(_ text: String) -> String? {
        let cleaned =
            switch format {
            case .markup: HTMLText.singleLine(text)
            case .plain: HTMLText.collapsed(text)
            }
        return cleaned.isEmpty ? nil : cleaned
    }

    private func longText(_ text: String) -> String {
        switch format {
        case .markup: HTMLText.fromMarkup(text)
        case .plain: HTMLText.collapsed(text, keepingLineBreaks: true)
        }
    }
}
