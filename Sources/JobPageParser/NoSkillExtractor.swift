/// A `SkillExtracting` that finds nothing: the parser's default, for callers that do not need
/// skills or supply their own.
public struct NoSkillExtractor: SkillExtracting {
    /// Creates the extractor.
    public init() {}

    /// Always empty.
    public func skills(in text: String) -> [String] {
        []
    }
}
