import Foundation

/// Candidates prepared once for ranking against many jobs: skills and places normalized and an
/// inverted index of headline + résumé words (BM25 statistics included).
///
/// Building costs about twice one ``CandidateMatcher/rank(job:candidates:limit:minScore:)``
/// call; ranking a job against it then only touches the posting lists of the job's terms and
/// skills, so it no longer depends on how much résumé text there is. A server can keep one per
/// company (or per candidate set) and rebuild it when candidates change: it is an immutable
/// value, never updated in place. Results equal those of ranking the same profiles directly.
/// Memory: about 8 bytes per distinct word of each candidate, plus the vocabulary and some
/// 40 bytes per candidate.
public struct CandidatePool: Sendable {
    /// Skill table the pool was normalized with; jobs ranked against it are normalized with it too.
    public let aliases: SkillAliases
    /// Place table the pool was normalized with.
    public let places: PlaceAliases
    /// Number of candidates: the `evaluated` count of `POST /match-candidates`.
    public var count: Int { ids.count }

    let ids: [UUID]
    let names: [String]
    let idKeys: [UInt64]
    let years: [Double]
    /// Canonical skill id -> pool skill number, and back.
    let skillNumbers: [String: Int32]
    let skillIDs: [String]
    /// Each candidate's distinct skill numbers: `candidateSkills[candidateSkillStart[i]..<candidateSkillStart[i+1]]`.
    let candidateSkillStart: [Int32]
    let candidateSkills: [Int32]
    /// Candidates having each skill, ascending.
    let skillPostingStart: [Int32]
    let skillPostings: [Int32]
    /// Each candidate's place number (-1: none stated) into `placeParts`.
    let placeNumber: [Int32]
    let placeParts: [[String]]
    /// Word -> term number; skill spellings map to their skill's term, stopwords to -2.
    let vocabulary: TermTable
    /// Candidates (ascending) and counts per term: `termPostingStart[t]..<termPostingStart[t+1]`.
    let termPostingStart: [Int32]
    let termPostingDocs: [Int32]
    let termPostingCounts: [Int32]
    /// BM25 length normalization per candidate, see ``BM25/lengthNorm(length:averageLength:)``.
    let lengthNorm: [Double]

    static let stopwordTerm: Int32 = -2

    /// An estimate of the bytes this pool holds (array capacities, string bytes and a per-entry
    /// overhead for dictionaries; the shared alias tables not included), for a cache that keeps
    /// pools within a memory budget.
    public var estimatedBytes: Int {
        func arrayBytes<T>(_ array: [T]) -> Int { array.capacity * MemoryLayout<T>.stride }
        // A Swift String of up to 15 UTF-8 bytes is stored inline; longer ones own a buffer.
        func stringBytes(_ text: String) -> Int { 16 + (text.utf8.count > 15 ? 32 + text.utf8.count : 0) }
        var total = 512
        total += arrayBytes(ids) + arrayBytes(idKeys) + arrayBytes(years) + arrayBytes(lengthNorm)
        total += arrayBytes(names) + names.reduce(0) { $0 + stringBytes($1) - 16 }
        total += skillNumbers.count * 48 + skillNumbers.keys.reduce(0) { $0 + stringBytes($1) }
        total += arrayBytes(skillIDs) + skillIDs.reduce(0) { $0 + stringBytes($1) - 16 }
        total += arrayBytes(candidateSkillStart) + arrayBytes(candidateSkills) + arrayBytes(skillPostingStart) + arrayBytes(skillPostings)
        total += arrayBytes(placeNumber) + arrayBytes(placeParts) + placeParts.reduce(0) { $0 + 32 + $1.reduce(0) { $0 + stringBytes($1) } }
        total += vocabulary.estimatedBytes
        total += arrayBytes(termPostingStart) + arrayBytes(termPostingDocs) + arrayBytes(termPostingCounts)
        return total
    }

    /// Prepares `candidates`: normalizes their skills and places with the given tables and
    /// indexes their headline + résumé words. Their order does not affect any result.
    /// - Complexity: O(total text bytes), single-threaded; about 1.3 s of CPU for 100,000
    ///   candidates with 175 MB of text on the benchmark machine.
    public init(candidates: [CandidateProfile], aliases: SkillAliases = .bundled, places: PlaceAliases = .bundled) {
        self.aliases = aliases
        self.places = places
        let count = candidates.count
        ids = candidates.map(\.id)
        names = candidates.map(\.name)
        idKeys = candidates.flatMap { profile -> [UInt64] in
            let key = TopKSelector.idKey(profile.id)
            return [key.high, key.low]
        }
        years = candidates.map { JobQuery.cleanYears($0.yearsExperience) }

        // Skills.
        var skillNumbers: [String: Int32] = [:]
        var skillIDs: [String] = []
        var numbersOfWritten: [String: [Int32]] = [:]
        var candidateSkillStart: [Int32] = [0]
        var candidateSkills: [Int32] = []
        candidateSkillStart.reserveCapacity(count + 1)
        for profile in candidates {
            let start = candidateSkills.count
            for written in profile.skills {
                let numbers: [Int32]
                if let known = numbersOfWritten[written] {
                    numbers = known
                } else {
                    numbers = aliases.canonicalSkills(for: written).map { skill in
                        if let number = skillNumbers[skill.id] { return number }
                        let number = Int32(skillIDs.count)
                        skillNumbers[skill.id] = number
                        skillIDs.append(skill.id)
                        return number
                    }
                    numbersOfWritten[written] = numbers
                }
                for number in numbers where !candidateSkills[start...].contains(number) {
                    candidateSkills.append(number)
                }
            }
            candidateSkillStart.append(Int32(candidateSkills.count))
        }
        self.skillNumbers = skillNumbers
        self.skillIDs = skillIDs
        self.candidateSkillStart = candidateSkillStart
        self.candidateSkills = candidateSkills
        (skillPostingStart, skillPostings, _) = Self.invert(
            rowStart: candidateSkillStart, columns: candidateSkills, counts: nil, columnCount: skillIDs.count
        )

        // Places.
        var placeNumberOfText: [String: Int32] = [:]
        var placeNumberOfParts: [[String]: Int32] = [:]
        var placeParts: [[String]] = []
        placeNumber = candidates.map { profile in
            guard let location = profile.location else { return -1 }
            if let known = placeNumberOfText[location] { return known }
            let parts = places.parts(of: location)
            let number: Int32
            if parts.isEmpty {
                number = -1
            } else if let known = placeNumberOfParts[parts] {
                number = known
            } else {
                number = Int32(placeParts.count)
                placeNumberOfParts[parts] = number
                placeParts.append(parts)
            }
            placeNumberOfText[location] = number
            return number
        }
        self.placeParts = placeParts

        // Text.
        var vocabulary = TermTable(capacity: 1 << 16)
        var termCount: Int32 = 0
        for (spelling, id) in aliases.textTerms.sorted(by: { $0.key < $1.key }) {
            let term = vocabulary.insert(id, value: termCount)
            if term == termCount { termCount += 1 }
            vocabulary.insert(spelling, value: term)
        }
        for stopword in aliases.stopwords.sorted() {
            vocabulary.insert(stopword, value: Self.stopwordTerm)
        }
        var counter = VocabularyCounter(vocabulary: vocabulary, termCount: termCount)
        var documentStart: [Int32] = [0]
        var documentTerms: [Int32] = []
        var documentCounts: [Int32] = []
        var documentLength = [Int32](repeating: 0, count: count)
        var totalLength = 0
        documentStart.reserveCapacity(count + 1)
        let scratch = TextTokenizer.makeScratch()
        defer { scratch.deallocate() }
        for (index, profile) in candidates.enumerated() {
            counter.length = 0
            counter.count(profile.headline, scratch: scratch)
            counter.count(profile.resumeText, scratch: scratch)
            for term in counter.touched {
                documentTerms.append(term)
                documentCounts.append(counter.frequency[Int(term)])
                counter.frequency[Int(term)] = 0
            }
            counter.touched.removeAll(keepingCapacity: true)
            documentStart.append(Int32(documentTerms.count))
            documentLength[index] = counter.length
            totalLength += Int(counter.length)
        }
        vocabulary = counter.vocabulary
        termCount = counter.termCount
        self.vocabulary = vocabulary
        let inverted = Self.invert(
            rowStart: documentStart, columns: documentTerms, counts: documentCounts, columnCount: Int(termCount)
        )
        termPostingStart = inverted.start
        termPostingDocs = inverted.rows
        termPostingCounts = inverted.counts
        let averageLength = count > 0 ? Double(totalLength) / Double(count) : 0
        lengthNorm = documentLength.map { length in
            averageLength > 0 ? BM25.lengthNorm(length: length, averageLength: averageLength) : BM25.k1
        }
    }

    /// Turns rows of (column, count) into columns of (row, count), rows ascending (counting sort).
    private static func invert(
        rowStart: [Int32],
        columns: [Int32],
        counts: [Int32]?,
        columnCount: Int
    ) -> (start: [Int32], rows: [Int32], counts: [Int32]) {
        var start = [Int32](repeating: 0, count: columnCount + 1)
        for column in columns { start[Int(column) + 1] += 1 }
        for column in 0..<columnCount { start[column + 1] += start[column] }
        var next = start
        var rows = [Int32](repeating: 0, count: columns.count)
        var invertedCounts = [Int32](repeating: 0, count: counts == nil ? 0 : columns.count)
        for row in 0..<(rowStart.count - 1) {
            for entry in Int(rowStart[row])..<Int(rowStart[row + 1]) {
                let column = Int(columns[entry])
                let position = Int(next[column])
                rows[position] = Int32(row)
                if let counts { invertedCounts[position] = counts[entry] }
                next[column] += 1
            }
        }
        return (start, rows, invertedCounts)
    }
}

/// Counts one candidate's words by term number, adding unseen words to the vocabulary.
private struct VocabularyCounter: TextTokenizer.Sink {
    var vocabulary: TermTable
    var termCount: Int32
    /// Count per term for the current candidate; the caller resets the `touched` ones.
    var frequency: [Int32]
    /// Terms with a non-zero count, in first-seen order.
    var touched: [Int32] = []
    /// Words seen for the current candidate (BM25's |D|), stopwords included.
    var length: Int32 = 0

    init(vocabulary: TermTable, termCount: Int32) {
        self.vocabulary = vocabulary
        self.termCount = termCount
        frequency = [Int32](repeating: 0, count: Int(termCount))
    }

    mutating func count(_ text: String?, scratch: UnsafeMutableRawPointer) {
        guard var text else { return }
        text.withUTF8 { TextTokenizer.forEachWord(in: $0, scratch: scratch, into: &self) }
    }

    @inline(__always)
    mutating func word(_ token: UnsafeRawPointer, length tokenLength: Int) {
        length += 1
        let hash = TextTokenizer.hash(token, length: tokenLength)
        var term = vocabulary.value(token: token, length: tokenLength, hash: hash)
        if term == TermTable.missing {
            term = termCount
            termCount += 1
            vocabulary.insert(token: token, length: tokenLength, hash: hash, value: term)
            frequency.append(0)
        }
        if term >= 0 {
            if frequency[Int(term)] == 0 { touched.append(term) }
            frequency[Int(term)] += 1
        }
    }
}
