/// Common English function words left out of the BM25 query.
///
/// They still count toward a document's length. Left out because they carry no signal and,
/// in a 100,000-résumé pool, their posting lists would be most of the work. Any word that is
/// also a skill spelling (`go`, `c`, `r`, `shell`) is removed from this list by ``SkillAliases``.
enum Stopwords {
    static let english: Set<String> = [
        "a", "about", "above", "after", "again", "all", "also", "am", "an", "and", "any", "are", "as",
        "at", "be", "because", "been", "before", "being", "below", "between", "both", "but", "by",
        "can", "could", "did", "do", "does", "doing", "down", "during", "each", "etc", "few", "for",
        "from", "further", "had", "has", "have", "having", "he", "her", "here", "hers", "him", "his",
        "how", "i", "if", "in", "into", "is", "it", "its", "itself", "just", "me", "more", "most",
        "my", "no", "nor", "not", "of", "off", "on", "once", "only", "or", "other", "our", "ours",
        "out", "over", "own", "same", "she", "should", "so", "some", "such", "than", "that", "the",
        "their", "theirs", "them", "then", "there", "these", "they", "this", "those", "through",
        "to", "too", "under", "until", "up", "us", "very", "was", "we", "were", "what", "when",
        "where", "which", "while", "who", "whom", "why", "will", "with", "would", "you", "your",
        "yours", "e.g", "i.e",
    ]
}
