import Foundation

/// One immutable part of a ``CandidatePool``: candidates with their skills and places normalized
/// and an inverted index of their headline + résumé words.
///
/// A class so that the versions of a pool made by ``CandidatePool/updating(upserting:removing:)``
/// share the large base segment instead of copying it. Slots are numbered from 0 in the order the
/// candidates were added; term, skill and place numbers are private to the segment (a query looks
/// each term up in every segment), so two segments never need one vocabulary.
final class CandidatePoolSegment: Sendable {
    let ids: [UUID]
    let names: [String]
    /// Each id as two big-endian halves (``TopKSelector/idKey(_:)``): `[2i]`, `[2i+1]`.
    let idKeys: [UInt64]
    let years: [Double]
    /// Id -> slot.
    let slotOfID: [UUID: Int32]
    /// Canonical skill id -> segment skill number, and back.
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
    /// Count of the term in the candidate's text; `UInt16.max` means "look in
    /// `termPostingLargeCounts`" (a word 65,535 times in one résumé), so the common posting takes
    /// 6 bytes instead of 8.
    let termPostingCounts: [UInt16]
    /// Posting -> count, for the counts of `UInt16.max` or more.
    let termPostingLargeCounts: [Int32: Int32]
    /// Words per candidate (BM25's |D|), stopwords included.
    let documentLength: [Int32]
    /// Sum of `documentLength`.
    let totalLength: Int

    static let stopwordTerm: Int32 = -2

    var count: Int { ids.count }

    /// The postings of `term` (a query term: a word or a canonical skill id); empty when absent.
    @inline(__always)
    func postings(of term: String) -> Range<Int> {
        let number = vocabulary.value(for: term)
        guard number >= 0 else { return 0..<0 }
        return Int(termPostingStart[Int(number)])..<Int(termPostingStart[Int(number) + 1])
    }

    /// Candidates having the canonical skill `id`: a range of `skillPostings`.
    @inline(__always)
    func skillPostingRange(of id: String) -> Range<Int> {
        guard let number = skillNumbers[id] else { return 0..<0 }
        return Int(skillPostingStart[Int(number)])..<Int(skillPostingStart[Int(number) + 1])
    }

    /// Canonical skill ids of the candidate in `slot`.
    /// The count of posting `posting` of some term.
    @inline(__always)
    func frequency(ofPosting posting: Int) -> Int32 {
        let count = termPostingCounts[posting]
        return count == .max ? termPostingLargeCounts[Int32(posting)] ?? Int32(count) : Int32(count)
    }

    func skills(ofSlot slot: Int) -> [String] {
        candidateSkills[Int(candidateSkillStart[slot])..<Int(candidateSkillStart[slot + 1])].map { skillIDs[Int($0)] }
    }

    /// An estimate of the bytes held (array capacities, string bytes, dictionary entries).
    var estimatedBytes: Int {
        func arrayBytes<T>(_ array: [T]) -> Int { array.capacity * MemoryLayout<T>.stride }
        // A Swift String of up to 15 UTF-8 bytes is stored inline; longer ones own a buffer.
        func stringBytes(_ text: String) -> Int { 16 + (text.utf8.count > 15 ? 32 + text.utf8.count : 0) }
        var total = 512
        total += arrayBytes(ids) + arrayBytes(idKeys) + arrayBytes(years) + arrayBytes(documentLength)
        total += slotOfID.capacity * (MemoryLayout<UUID>.stride + MemoryLayout<Int32>.stride) + slotOfID.capacity / 8
        total += arrayBytes(names) + names.reduce(0) { $0 + stringBytes($1) - 16 }
        total += skillNumbers.count * 48 + skillNumbers.keys.reduce(0) { $0 + stringBytes($1) }
        total += arrayBytes(skillIDs) + skillIDs.reduce(0) { $0 + stringBytes($1) - 16 }
        total += arrayBytes(candidateSkillStart) + arrayBytes(candidateSkills) + arrayBytes(skillPostingStart) + arrayBytes(skillPostings)
        total += arrayBytes(placeNumber) + arrayBytes(placeParts) + placeParts.reduce(0) { $0 + 32 + $1.reduce(0) { $0 + stringBytes($1) } }
        total += vocabulary.estimatedBytes
        total += arrayBytes(termPostingStart) + arrayBytes(termPostingDocs) + arrayBytes(termPostingCounts)
        total += termPostingLargeCounts.count * 16
        return total
    }

    fileprivate init(builder: consuming Builder) {
        ids = builder.ids
        names = builder.names
        idKeys = builder.idKeys
        years = builder.years
        slotOfID = builder.slotOfID
        skillNumbers = builder.skillNumbers
        skillIDs = builder.skillIDs
        candidateSkillStart = builder.candidateSkillStart
        candidateSkills = builder.candidateSkills
        (skillPostingStart, skillPostings, _, _) = Self.invert(
            rowStart: builder.candidateSkillStart, columns: builder.candidateSkills, counts: nil, largeCounts: [:],
            columnCount: builder.skillIDs.count
        )
        placeNumber = builder.placeNumber
        placeParts = builder.placeParts
        vocabulary = builder.counter.vocabulary
        documentLength = builder.documentLength
        totalLength = builder.totalLength
        // The forward index is dropped term by term as it is inverted: the builder is consumed.
        let inverted = Self.invert(
            rowStart: builder.documentStart, columns: builder.documentTerms, counts: builder.documentCounts,
            largeCounts: builder.largeCounts, columnCount: Int(builder.counter.termCount)
        )
        termPostingStart = inverted.start
        termPostingDocs = inverted.rows
        termPostingCounts = inverted.counts
        termPostingLargeCounts = inverted.largeCounts
    }

    /// Turns rows of (column, count) into columns of (row, count), rows ascending (counting sort).
    /// `largeCounts` (entry -> count, for entries whose count is `UInt16.max`) comes back keyed
    /// by the inverted position.
    private static func invert(
        rowStart: [Int32],
        columns: [Int32],
        counts: [UInt16]?,
        largeCounts: [Int32: Int32],
        columnCount: Int
    ) -> (start: [Int32], rows: [Int32], counts: [UInt16], largeCounts: [Int32: Int32]) {
        var start = [Int32](repeating: 0, count: columnCount + 1)
        for column in columns { start[Int(column) + 1] += 1 }
        for column in 0..<columnCount { start[column + 1] += start[column] }
        var next = start
        var rows = [Int32](repeating: 0, count: columns.count)
        var invertedCounts = [UInt16](repeating: 0, count: counts == nil ? 0 : columns.count)
        var invertedLargeCounts: [Int32: Int32] = [:]
        for row in 0..<(rowStart.count - 1) {
            for entry in Int(rowStart[row])..<Int(rowStart[row + 1]) {
                let column = Int(columns[entry])
                let position = Int(next[column])
                rows[position] = Int32(row)
                if let counts {
                    invertedCounts[position] = counts[entry]
                    if counts[entry] == .max { invertedLargeCounts[Int32(position)] = largeCounts[Int32(entry)] }
                }
                next[column] += 1
            }
        }
        return (start, rows, invertedCounts, invertedLargeCounts)
    }

    /// Collects candidates one at a time (so a caller can feed pages and drop each page's text
    /// once added), then inverts them into a segment.
    struct Builder: Sendable {
        let aliases: SkillAliases
        let places: PlaceAliases
        fileprivate var ids: [UUID] = []
        fileprivate var names: [String] = []
        fileprivate var idKeys: [UInt64] = []
        fileprivate var years: [Double] = []
        fileprivate var slotOfID: [UUID: Int32] = [:]
        fileprivate var skillNumbers: [String: Int32] = [:]
        fileprivate var skillIDs: [String] = []
        private var numbersOfWritten: [String: [Int32]] = [:]
        fileprivate var candidateSkillStart: [Int32] = [0]
        fileprivate var candidateSkills: [Int32] = []
        private var placeNumberOfText: [String: Int32] = [:]
        private var placeNumberOfParts: [[String]: Int32] = [:]
        fileprivate var placeNumber: [Int32] = []
        fileprivate var placeParts: [[String]] = []
        fileprivate var counter: VocabularyCounter
        fileprivate var documentStart: [Int32] = [0]
        fileprivate var documentTerms: [Int32] = []
        fileprivate var documentCounts: [UInt16] = []
        /// Forward entry -> count, for counts of `UInt16.max` or more.
        fileprivate var largeCounts: [Int32: Int32] = [:]
        fileprivate var documentLength: [Int32] = []
        fileprivate var totalLength = 0

        /// The vocabulary starts with every skill spelling (mapped to its skill's term) and the
        /// stopwords, in a fixed order.
        init(aliases: SkillAliases, places: PlaceAliases, expectedCount: Int = 0) {
            self.aliases = aliases
            self.places = places
            var vocabulary = TermTable(capacity: expectedCount > 1_000 ? 1 << 16 : 1 << 12)
            var termCount: Int32 = 0
            for (spelling, id) in aliases.textTerms.sorted(by: { $0.key < $1.key }) {
                let term = vocabulary.insert(id, value: termCount)
                if term == termCount { termCount += 1 }
                vocabulary.insert(spelling, value: term)
            }
            for stopword in aliases.stopwords.sorted() {
                vocabulary.insert(stopword, value: CandidatePoolSegment.stopwordTerm)
            }
            counter = VocabularyCounter(vocabulary: vocabulary, termCount: termCount)
            if expectedCount > 0 {
                ids.reserveCapacity(expectedCount)
                idKeys.reserveCapacity(2 * expectedCount)
                years.reserveCapacity(expectedCount)
                names.reserveCapacity(expectedCount)
                placeNumber.reserveCapacity(expectedCount)
                documentLength.reserveCapacity(expectedCount)
                documentStart.reserveCapacity(expectedCount + 1)
                candidateSkillStart.reserveCapacity(expectedCount + 1)
                slotOfID.reserveCapacity(expectedCount)
            }
        }

        /// Adds `profiles` in order. An id must not be added twice.
        mutating func add(contentsOf profiles: some Sequence<CandidateProfile>) {
            let scratch = TextTokenizer.makeScratch()
            defer { scratch.deallocate() }
            for profile in profiles { add(profile, scratch: scratch) }
        }

        /// Adds `profiles` in order, their text tokenized in `parts` concurrent parts
        /// (``Parallel``) against the vocabulary as it stands, then merged in order: the words new
        /// to the vocabulary get their numbers in the merge, in the order a single pass meets
        /// them, so the segment is the one ``add(contentsOf:)`` makes. Tokenizing is most of the
        /// cost of a build; the merge touches each candidate's distinct words once.
        /// - Parameter parts: 1 or less (or a small batch) adds in one pass.
        mutating func add(contentsOf profiles: [CandidateProfile], parts: Int) {
            let parts = min(parts, profiles.count / Self.minimumPerPart)
            guard parts > 1 else { return add(contentsOf: profiles) }
            let ranges = Parallel.ranges(count: profiles.count, parts: parts)
            let bags = Self.tokenize(profiles, in: ranges, against: counter.vocabulary, terms: counter.termCount)
            for (range, bag) in zip(ranges, bags) {
                var resolved = [Int32](repeating: -1, count: bag.newCount)
                for (document, profile) in zip(0..., profiles[range]) {
                    addFields(profile)
                    for entry in Int(bag.documentStart[document])..<Int(bag.documentStart[document + 1]) {
                        var term = bag.terms[entry]
                        if term < 0 {
                            let local = Int(-1 - term)
                            if resolved[local] < 0 { resolved[local] = bag.withNewWord(local) { counter.term(token: $0, length: $1, hash: $2) } }
                            term = resolved[local]
                        }
                        appendPosting(term: term, frequency: bag.counts[entry])
                    }
                    endDocument(length: bag.lengths[document])
                }
            }
        }

        /// Below this many candidates a part is not worth a thread.
        static let minimumPerPart = 256

        /// The text of each range of `profiles` tokenized on its own thread, `vocabulary` (of
        /// `terms` terms) read only.
        private static func tokenize(_ profiles: [CandidateProfile], in ranges: [Range<Int>], against vocabulary: TermTable,
                                     terms: Int32) -> [WordBag] {
            Parallel.map(ranges.count) { part in
                var bag = WordBag(vocabulary: vocabulary, terms: terms)
                let scratch = TextTokenizer.makeScratch()
                defer { scratch.deallocate() }
                for profile in profiles[ranges[part]] {
                    bag.count(profile.headline, scratch: scratch)
                    bag.count(profile.resumeText, scratch: scratch)
                    bag.endDocument()
                }
                // The builder adds to the vocabulary next: no other reference may make it copy it.
                bag.dropVocabulary()
                return bag
            }
        }

        private mutating func add(_ profile: CandidateProfile, scratch: UnsafeMutableRawPointer) {
            addFields(profile)
            counter.length = 0
            counter.count(profile.headline, scratch: scratch)
            counter.count(profile.resumeText, scratch: scratch)
            for term in counter.touched {
                appendPosting(term: term, frequency: counter.frequency[Int(term)])
                counter.frequency[Int(term)] = 0
            }
            counter.touched.removeAll(keepingCapacity: true)
            endDocument(length: counter.length)
        }

        /// One entry of the current candidate's forward index.
        @inline(__always)
        private mutating func appendPosting(term: Int32, frequency: Int32) {
            if frequency >= Int32(UInt16.max) { largeCounts[Int32(documentTerms.count)] = frequency }
            documentTerms.append(term)
            documentCounts.append(UInt16(clamping: frequency))
        }

        /// Closes the current candidate's forward index; `length` is its word count (BM25's |D|).
        private mutating func endDocument(length: Int32) {
            documentStart.append(Int32(documentTerms.count))
            documentLength.append(length)
            totalLength += Int(length)
        }

        /// Everything of `profile` but its text: id, name, years, skills, place.
        private mutating func addFields(_ profile: CandidateProfile) {
            slotOfID[profile.id] = Int32(ids.count)
            ids.append(profile.id)
            names.append(profile.name)
            let key = TopKSelector.idKey(profile.id)
            idKeys.append(key.high)
            idKeys.append(key.low)
            years.append(JobQuery.cleanYears(profile.yearsExperience))

            // Skills.
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

            // Place.
            placeNumber.append(number(ofPlace: profile.location))
        }

        private mutating func number(ofPlace location: String?) -> Int32 {
            guard let location else { return -1 }
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

        /// The segment of the candidates added.
        /// - Complexity: O(postings): a counting sort of the forward index.
        consuming func finish() -> CandidatePoolSegment {
            CandidatePoolSegment(builder: self)
        }
    }
}

/// Counts one candidate's words by term number, adding unseen words to the vocabulary.
struct VocabularyCounter: TextTokenizer.Sink, Sendable {
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

    @inline(__always)
    mutating func word(_ token: UnsafeRawPointer, length tokenLength: Int) {
        length += 1
        let term = self.term(token: token, length: tokenLength, hash: TextTokenizer.hash(token, length: tokenLength))
        if term >= 0 {
            if frequency[Int(term)] == 0 { touched.append(term) }
            frequency[Int(term)] += 1
        }
    }
}

extension VocabularyCounter {
    /// The term number of a token (a zero-padded word and its ``TextTokenizer/hash(_:length:)``),
    /// numbered next when the vocabulary does not hold it yet; a stopword's is negative.
    @inline(__always)
    mutating func term(token: UnsafeRawPointer, length: Int, hash: UInt64) -> Int32 {
        var term = vocabulary.value(token: token, length: length, hash: hash)
        if term == TermTable.missing {
            term = termCount
            termCount += 1
            vocabulary.insert(token: token, length: length, hash: hash, value: term)
            frequency.append(0)
        }
        return term
    }
}

/// One part's candidates tokenized against a vocabulary it only reads
/// (``CandidatePoolSegment/Builder/add(contentsOf:parts:)``): per candidate, its distinct words
/// in the order first met, each a term of the vocabulary or one of the part's new words, with
/// counts and the candidate's word count.
struct WordBag: TextTokenizer.Sink, Sendable {
    private var vocabulary: TermTable
    /// Each candidate's entries: `terms[documentStart[i]..<documentStart[i+1]]`.
    private(set) var documentStart: [Int32] = [0]
    /// A vocabulary term (>= 0), or -1 - the index of a new word of this part.
    private(set) var terms: [Int32] = []
    private(set) var counts: [Int32] = []
    /// Words per candidate (BM25's |D|), stopwords included.
    private(set) var lengths: [Int32] = []
    /// The part's new words -> their index, and each one's zero-padded bytes, length and hash.
    private var newWords = TermTable()
    private var newWordBytes: [UInt64] = []
    private var newWordStart: [Int32] = []
    private var newWordLength: [Int32] = []
    private var newWordHash: [UInt64] = []
    /// Count per slot (a vocabulary term, then `vocabularyTerms` + a new word's index) for the
    /// current candidate; the touched slots go back to 0 at its end.
    private var frequency: [Int32]
    private var touched: [Int32] = []
    private var length: Int32 = 0
    private let vocabularyTerms: Int32

    /// Number of words new to the vocabulary.
    var newCount: Int { newWordLength.count }

    /// An empty bag reading `vocabulary`, whose term numbers are below `terms`.
    init(vocabulary: TermTable, terms: Int32) {
        self.vocabulary = vocabulary
        vocabularyTerms = terms
        frequency = [Int32](repeating: 0, count: Int(terms))
    }

    /// Lets go of the vocabulary (after the last word).
    mutating func dropVocabulary() {
        vocabulary = TermTable(capacity: 0)
    }

    @inline(__always)
    mutating func word(_ token: UnsafeRawPointer, length tokenLength: Int) {
        length += 1
        let hash = TextTokenizer.hash(token, length: tokenLength)
        var slot = vocabulary.value(token: token, length: tokenLength, hash: hash)
        if slot == TermTable.missing {
            var local = newWords.value(token: token, length: tokenLength, hash: hash)
            if local == TermTable.missing {
                local = Int32(newWordLength.count)
                newWords.insert(token: token, length: tokenLength, hash: hash, value: local)
                newWordStart.append(Int32(newWordBytes.count))
                newWordLength.append(Int32(tokenLength))
                newWordHash.append(hash)
                var offset = 0
                repeat {
                    newWordBytes.append(token.load(fromByteOffset: offset, as: UInt64.self))
                    offset += 8
                } while offset < tokenLength
                frequency.append(0)
            }
            slot = vocabularyTerms + local
        }
        guard slot >= 0 else { return }  // a stopword: counted in the length only
        if frequency[Int(slot)] == 0 { touched.append(slot) }
        frequency[Int(slot)] += 1
    }

    /// Closes the current candidate.
    mutating func endDocument() {
        for slot in touched {
            terms.append(slot < vocabularyTerms ? slot : -1 - (slot - vocabularyTerms))
            counts.append(frequency[Int(slot)])
            frequency[Int(slot)] = 0
        }
        touched.removeAll(keepingCapacity: true)
        documentStart.append(Int32(terms.count))
        lengths.append(length)
        length = 0
    }

    /// `body` with new word `index` as a token: its zero-padded bytes, length and hash.
    func withNewWord<R>(_ index: Int, _ body: (UnsafeRawPointer, Int, UInt64) -> R) -> R {
        newWordBytes.withUnsafeBytes { bytes in
            body(bytes.baseAddress! + Int(newWordStart[index]) * 8, Int(newWordLength[index]), newWordHash[index])
        }
    }
}
