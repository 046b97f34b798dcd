import Foundation
import NIOConcurrencyHelpers
import Vapor

/// The answer of a job's move (`ApplicationStore.moveJob`): the job as the API shows it, with its
/// history kept as encoded JSON instead of `StageChangeDTO` values.
///
/// A job's history grows with every move (40-80 entries a job in the `csrf-job-action` bench);
/// decoding it from the row and encoding it again was about a fifth of a guarded job move's CPU.
/// The encoded entries of the job's last answer are kept (`JobHistoryCache`), and the next move
/// of that job appends its one new entry to them.
struct MovedJobAnswer: Sendable, AsyncResponseEncodable {
    /// The job as the API shows it, with `history` empty: the entries are `encodedHistory`.
    var job: JobDTO
    /// The history's entries, oldest first, each as the response's encoder writes a
    /// `StageChangeDTO`, joined by commas, without the brackets of the array.
    var encodedHistory: [UInt8]

    /// The members `encoder` writes for `job`'s empty history; the entries go between the brackets.
    private static let emptyHistory = Array(#""history":[]"#.utf8)

    /// The body: `job` as `encoder` writes a `JobDTO`, with the entries in its history.
    /// Byte for byte what `encoder` writes for the `JobDTO` holding the entries, when the entries
    /// were written by an encoder of the same settings (`MovedJobAnswerTests`).
    ///
    /// `"history":[]` occurs once in the encoded job: a key is written unescaped, and every `"`
    /// within a string value is escaped.
    /// - Throws: the encoder's error; `AppError` 500 if the encoded job has no
    ///   empty history (a `JobDTO` always has the member).
    func body(using encoder: any ContentEncoder, headers: inout HTTPHeaders, allocator: ByteBufferAllocator) throws -> ByteBuffer {
        var encoded = allocator.buffer(capacity: 1024)
        try encoder.encode(job, to: &encoded, headers: &headers)
        guard let end = Self.endOfEmptyHistory(in: encoded) else {
            throw AppError(.internalServerError, detail: "The encoded job has no empty history")
        }
        // `end` is the offset of the history's `]` in the readable bytes.
        var body = allocator.buffer(capacity: encoded.readableBytes + encodedHistory.count)
        body.writeImmutableBuffer(encoded.getSlice(at: encoded.readerIndex, length: end) ?? ByteBuffer())
        body.writeBytes(encodedHistory)
        body.writeImmutableBuffer(encoded.getSlice(at: encoded.readerIndex + end, length: encoded.readableBytes - end) ?? ByteBuffer())
        return body
    }

    /// The offset, in `encoded`'s readable bytes, of the `]` of the first `"history":[]`; `nil`
    /// when there is none. A plain byte search (`ByteSearch`): `DataProtocol.firstRange(of:)` on
    /// the buffer's view was about 2.5% of a guarded job move's CPU.
    private static func endOfEmptyHistory(in encoded: ByteBuffer) -> Int? {
        encoded.withUnsafeReadableBytes { ByteSearch.firstOffset(of: emptyHistory, in: $0) }.map { $0 + emptyHistory.count - 1 }
    }

    /// 200 with `body(using:headers:allocator:)` under the app's JSON encoder and its headers
    /// (`Content-Type: application/json; charset=utf-8`), as `JobDTO.encodeResponse` answers.
    func encodeResponse(for request: Request) async throws -> Response {
        var headers = HTTPHeaders()
        let body = try body(using: try ContentConfiguration.global.requireEncoder(for: .json), headers: &headers,
                            allocator: request.byteBufferAllocator)
        return Response(status: .ok, headers: headers, body: .init(buffer: body))
    }
}

/// The encoded history of the latest job answers of this process (`MovedJobAnswer`), per job, at
/// the job's `version`.
///
/// Sound across instances because the history is a function of the version: every change of a
/// job's history bumps its `version` (`ApplicationStore.moveJob` and the version-checked `move`
/// append one entry and add 1, atomically), and nothing else writes the history after creation.
/// A move that returns version `v + 1` for a job kept at `v` therefore appended exactly its own
/// entry to the kept history; any other version (another instance's move, the checked path) and
/// the statement returns the stored history instead, which replaces the entry.
final class JobHistoryCache: Sendable {
    /// One job's kept history.
    struct Entry: Sendable {
        /// The job's `version` with this history.
        var version: Int
        /// As `MovedJobAnswer.encodedHistory`.
        var encodedHistory: [UInt8]
    }

    /// The kept entries and their size, under one lock.
    private struct State {
        /// Per job id.
        var entries: [UUID: Entry] = [:]
        /// Summed bytes of the entries' histories.
        var bytes = 0
    }

    /// Bytes of encoded histories kept at most; beyond it, entries are dropped (any of them).
    let budgetBytes: Int
    /// Whether entries are encoded with sorted keys (tests compare bytes; the app's encoder does
    /// not sort, `makeJSONEncoder`).
    let sortedKeys: Bool
    private let state = NIOLockedValueBox(State())

    /// - Parameters:
    ///   - budgetBytes: see the property (default 4 MiB: some 300 jobs of 100 entries).
    ///   - sortedKeys: see the property; entries are encoded as `makeJSONEncoder` does otherwise.
    init(budgetBytes: Int = 4 << 20, sortedKeys: Bool = false) {
        self.budgetBytes = budgetBytes
        self.sortedKeys = sortedKeys
    }

    /// The kept history of `jobID`, if any.
    func entry(for jobID: UUID) -> Entry? {
        state.withLockedValue { $0.entries[jobID] }
    }

    /// Keeps `entry` as the history of `jobID` (replacing an older one; a newer one stays), then drops other jobs' entries
    /// while over budget (a history larger than the budget is kept alone: at most
    /// `JSONList<StageChange>.maxChanges` entries).
    func keep(_ entry: Entry, for jobID: UUID) {
        state.withLockedValue { state in
            // Concurrent moves of one job may keep their answers in either order: the newer stays.
            if let old = state.entries[jobID], old.version > entry.version { return }
            if let old = state.entries.updateValue(entry, forKey: jobID) { state.bytes -= old.encodedHistory.count }
            state.bytes += entry.encodedHistory.count
            while state.bytes > budgetBytes, let victim = state.entries.first(where: { $0.key != jobID }) {
                state.entries.removeValue(forKey: victim.key)
                state.bytes -= victim.value.encodedHistory.count
            }
        }
    }

    /// `entries` as `MovedJobAnswer.encodedHistory` (the app's encoder's settings).
    /// - Throws: the encoder's error.
    func encode(_ entries: [StageChangeDTO]) throws -> [UInt8] {
        let array = try makeJSONEncoder(sortedKeys: sortedKeys).encode(entries)
        return Array(array.dropFirst().dropLast())
    }

    /// `history` (as `MovedJobAnswer.encodedHistory`) with `entry` appended.
    /// - Throws: the encoder's error.
    func encode(_ history: [UInt8], appending entry: StageChangeDTO) throws -> [UInt8] {
        let added = try encode([entry])
        if history.isEmpty { return added }
        var joined = history
        joined.reserveCapacity(history.count + 1 + added.count)
        joined.append(UInt8(ascii: ","))
        joined.append(contentsOf: added)
        return joined
    }
}
