/// Why a plans file was refused: every problem found in it, each a full sentence naming the
/// file and the entry, e.g. `plans.json: plans[1] ("pro"): limits.job_scraping must be >= 0 or null`.
///
/// All problems are collected before throwing, so an operator fixes the file in one go.
public struct PlanCatalogError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file as the caller named it (a path, or `plans.json` for the bundled default).
    public let file: String
    /// The problems in file order; never empty.
    public let problems: [String]

    /// Creates the error. `problems` should already start with `file`.
    public init(file: String, problems: [String]) {
        self.file = file
        self.problems = problems
    }

    /// The problems, one a line.
    public var description: String {
        problems.joined(separator: "\n")
    }
}
