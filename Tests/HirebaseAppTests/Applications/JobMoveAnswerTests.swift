import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting
@testable import HirebaseApp

/// The answer of a job's move and of `GET /jobs/{id}`: the history is read straight from its
/// stored form into the API's entries (`StoredHistory`) and `at` is handed to the encoder as
/// text (`StageChangeDTO.encode(to:)`). Both must give what decoding `JSONList<StageChange>` and
/// encoding the synthesized form with the app's encoder gave.
@Suite("Job move answers")
struct JobMoveAnswerTests {
    /// The history entry as it was encoded before: the synthesized encoding of these members.
    struct ReferenceEntry: Encodable {
        var at: Date
        var actorId: String
        var from: String?
        var to: String
        var reason: String?
        var note: String?

        init(_ change: StageChange) {
            (at, actorId, from, to, reason, note) = (change.at, change.actorId.uuidString.lowercased(), change.from, change.to, change.reason, change.note)
        }
    }

    /// The app's JSON encoder (`configure` installs the same).
    func appEncoder() -> JSONEncoder {
        makeJSONEncoder()
    }

    /// Edge times: whole seconds, a hair below the next second (in both the reference date's and
    /// 1970's count), before 2001 and 1970, and now.
    static let edgeTimes: [TimeInterval] = [0, 786_612_345, 786_612_345.999_999_9, 786_612_345.5, 786_612_345.000_000_1, -1.5,
                                            -978_307_200.25, 1_000_000_000.999_999, Date().timeIntervalSinceReferenceDate]

    @Test func anEntryIsWrittenAsTheSynthesizedFormUnderTheAppsEncoder() throws {
        let encoder = appEncoder()
        encoder.outputFormatting.insert(.sortedKeys) // the encoder's member order is not fixed
        for (index, time) in Self.edgeTimes.enumerated() {
            let change = StageChange(at: Date(timeIntervalSinceReferenceDate: time), actorId: UUID(),
                                     from: index.isMultiple(of: 2) ? nil : "open", to: "closed",
                                     reason: index.isMultiple(of: 3) ? "filled \"quoted\" / é 🎉\n" : nil, note: index == 4 ? "" : nil)
            let written = try encoder.encode(change.toDTO())
            let reference = try encoder.encode(ReferenceEntry(change))
            #expect(String(decoding: written, as: UTF8.self) == String(decoding: reference, as: UTF8.self), "at \(time)")
        }
    }

    @Test func aStoredHistoryReadsAsTheMappedList() throws {
        let changes = Self.edgeTimes.enumerated().map { index, time in
            StageChange(at: Date(timeIntervalSinceReferenceDate: time), actorId: UUID(), from: index == 0 ? nil : "draft", to: "open",
                        reason: index == 2 ? "r" : nil, note: index == 3 ? "n" : nil)
        }
        let stored = try JSONEncoder().encode(JSONList(items: changes))
        let read = try JSONDecoder().decode(StoredHistory.self, from: stored).entries
        let mapped = try JSONDecoder().decode(JSONList<StageChange>.self, from: stored).items.map { $0.toDTO() }
        #expect(read.count == changes.count)
        for (got, expected) in zip(read, mapped) {
            #expect(got.at == expected.at && got.actorId == expected.actorId && got.from == expected.from && got.to == expected.to
                    && got.reason == expected.reason && got.note == expected.note)
        }
        // A stored `null` reads as absent; a missing required member is refused.
        let nulls = Data(#"{"items":[{"at":1.5,"actorId":"52282100-0274-4E41-9C02-B0544699272D","from":null,"to":"open","note":null}]}"#.utf8)
        let entry = try #require(try JSONDecoder().decode(StoredHistory.self, from: nulls).entries.first)
        #expect(entry.from == nil && entry.note == nil && entry.actorId == "52282100-0274-4e41-9c02-b0544699272d")
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(StoredHistory.self, from: Data(#"{"items":[{"at":1.5,"to":"open"}]}"#.utf8))
        }
    }

    @Test(arguments: TestDatabase.all)
    func aMoveShowsALongHistoryAsBefore(database: TestDatabase) async throws {
        try await withHirebase(on: database) { app in
            let scenario = try await Scenario.make(app)
            let job = try await scenario.job(app)
            let jobID = try #require(UUID(uuidString: job))
            // 499 changes, so that the move records the 500th (the most a job holds).
            let changes = (0..<(JSONList<StageChange>.maxChanges - 1)).map { index in
                let time = Self.edgeTimes[index % Self.edgeTimes.count] + Double(index)
                return StageChange(at: Date(timeIntervalSinceReferenceDate: time), actorId: UUID(),
                                   from: index.isMultiple(of: 5) ? nil : "open", to: "draft",
                                   reason: index.isMultiple(of: 3) ? "reason \(index) \"q\" / é\t" : nil, note: index.isMultiple(of: 7) ? "note \(index) 🎉" : nil)
            }
            try await app.db.sql.update(Job.schema).set(Job.column(\.$history), to: SQLBind(JSONList(items: changes)))
                .where(Job.column(\.$id), .equal, SQLBind(jobID)).run()

            let token = try await scenario.csrf(app)
            let moved = try await app.send(.POST, "/job-action", as: scenario.recruiter, headers: ["X-CSRF-Token": token],
                                           json: JSON(["jobId": job, "action": "publish", "reason": "go / now", "note": "ünïcode"]))
            #expect(moved.status == .ok)

            let stored = try #require(try await Job.find(jobID, on: app.db))
            #expect(stored.history.items.count == JSONList<StageChange>.maxChanges)
            let reference = try JSONSerialization.jsonObject(with: appEncoder().encode(stored.history.items.map(ReferenceEntry.init))) as? [Any]
            let history = try #require(moved.json["history"] as? [Any])
            #expect(history.count == JSONList<StageChange>.maxChanges)
            #expect(NSArray(array: history) == NSArray(array: try #require(reference)))
            let read = try stored.toDTOJSON(appEncoder())
            #expect(NSDictionary(dictionary: moved.json) == NSDictionary(dictionary: read))

            let shown = try await app.send(.GET, "/jobs/\(job)", as: scenario.recruiter)
            #expect(NSDictionary(dictionary: moved.json) == NSDictionary(dictionary: shown.json))
        }
    }
}

extension Job {
    /// The job's API shape encoded by `encoder` and read back as JSON values.
    func toDTOJSON(_ encoder: JSONEncoder) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: encoder.encode(toDTO())) as? [String: Any] ?? [:]
    }
}
