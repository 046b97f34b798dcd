import Fluent
import Foundation
import MatchingCore
import SQLKit
import Testing
import Vapor
import VaporTesting
@testable import HirebaseApp

/// The prepared pool follows the database by updates, not rebuilds, and sees every change made
/// through any instance on the next call.
@Suite("Matching: prepared pools kept up to date")
struct CandidatePoolCacheTests {
    static let job = JobProfile(title: "Backend engineer", description: "Go services on Kubernetes with Kafka",
                                skills: ["Go", "Kubernetes", "Kafka"])

    /// Ranks `pool` and a pool built afresh from the database (another cache: a full build) and
    /// expects the same results, scores included.
    private func expectSameAsARebuild(_ pool: CandidatePool, _ app: Application, company: UUID,
                                      sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let fresh = try await CandidatePoolCache(matcher: app.hirebase.matcher, heavyWork: app.hirebase.heavyWork).pool(for: company, on: app.db)
        let matcher = app.hirebase.matcher
        #expect(pool.count == fresh.count, sourceLocation: sourceLocation)
        #expect(matcher.rank(job: Self.job, pool: pool, limit: 100) == matcher.rank(job: Self.job, pool: fresh, limit: 100),
                sourceLocation: sourceLocation)
    }

    @Test(arguments: TestDatabase.all)
    func changesFromAnyInstanceAreAppliedWithoutARebuild(database: TestDatabase) async throws {
        try await withHirebase(on: database) { app in
            let scenario = try await Scenario.make(app)
            let company = try #require(UUID(uuidString: scenario.companyID))
            var ids: [String] = []
            for index in 0..<6 {
                ids.append(try await scenario.candidate(app, email: "c\(index)@example.com", name: "C\(index)", skills: index % 2 == 0 ? ["Go"] : ["Excel"],
                                                        extra: ["resumeText": "built services in go and kafka, team \(index)"]))
            }
            let cache = app.hirebase.candidatePools
            let first = try await cache.pool(for: company, on: app.db)
            #expect(first.count == 6)
            #expect(await cache.buildCount == 1)

            // Through this instance's API.
            let patched = try await app.send(.PATCH, "/candidates/\(ids[1])", as: scenario.recruiter,
                                             json: JSON(["skills": ["Go", "Kubernetes", "Kafka"], "resumeText": "kubernetes kubernetes kafka"]))
            #expect(patched.status == .ok)
            let afterPatch = try await cache.pool(for: company, on: app.db)
            try await expectSameAsARebuild(afterPatch, app, company: company)
            let best = try await app.send(.POST, "/match-candidates", as: scenario.recruiter, json: JSON(["jobId": try await scenario.job(app, skills: ["Go", "Kubernetes", "Kafka"])]))
            #expect((best.json["results"] as? [[String: Any]])?.first?["candidateId"] as? String == ids[1])

            // As another instance would: rows written straight to the shared database, behind
            // this instance's services (a change, a new candidate, a deletion).
            let other = try #require(try await Candidate.find(UUID(uuidString: ids[2]), on: app.db))
            other.resumeText = "kafka kafka kafka go go kubernetes"
            try await other.update(on: app.db)
            let added = Candidate()
            added.companyID = company
            added.email = "other@example.com"
            added.emailKey = "other@example.com"
            added.name = "From elsewhere"
            added.skills = ["golang", "k8s"]
            added.resumeText = "a word nobody used before: zyzzyva"
            added.createdBy = scenario.recruiter.id
            added.createdAtMicros = 1
            try await added.create(on: app.db)
            try await app.db.sql.delete(from: Candidate.schema).where(Candidate.column(\.$id), .equal, SQLBind(UUID(uuidString: ids[4])!)).run()
            let afterOthers = try await cache.pool(for: company, on: app.db)
            #expect(afterOthers.count == 6)
            #expect(afterOthers.contains(try #require(added.id)))
            #expect(!afterOthers.contains(UUID(uuidString: ids[4])!))
            try await expectSameAsARebuild(afterOthers, app, company: company)

            // A write that commits after a newer one was seen, stamped a little earlier (another
            // instance's clock behind, or a slow transaction): within the change window, still seen.
            let late = try #require(try await Candidate.find(UUID(uuidString: ids[3]), on: app.db))
            let stamp = try #require(try await Candidate.find(added.id, on: app.db)?.updatedAt).addingTimeInterval(-5)
            try await app.db.sql.update(Candidate.schema)
                .set(Candidate.column(\.$skillList), to: SQLBind(JSONList(items: ["Go", "Kafka"])))
                .set(Candidate.column(\.$updatedAt), to: SQLBind(stamp))
                .where(Candidate.column(\.$id), .equal, SQLBind(try #require(late.id)))
                .run()
            let afterLate = try await cache.pool(for: company, on: app.db)
            try await expectSameAsARebuild(afterLate, app, company: company)
            #expect(app.hirebase.matcher.rank(job: Self.job, pool: afterLate, limit: 10).first { $0.candidateId == late.id }?.matchedSkills.count == 2)

            // Nothing changed: the same pool, no update.
            let updates = await cache.updateCount
            #expect(try await cache.pool(for: company, on: app.db).isSameVersion(as: afterLate))
            #expect(await cache.updateCount == updates)
            #expect(updates >= 3)
            #expect(await cache.buildCount == 1)
        }
    }

    /// An instance whose clock runs ahead (here an hour) stamps a candidate in the future. The
    /// pool's watermark must not follow it there: the changes written afterwards by instances
    /// with the right time (stamped now, long "before" that watermark) must still be seen.
    @Test(arguments: TestDatabase.all)
    func aCandidateStampedInTheFutureDoesNotBlindThePool(database: TestDatabase) async throws {
        try await withHirebase(on: database) { app in
            let scenario = try await Scenario.make(app)
            let company = try #require(UUID(uuidString: scenario.companyID))
            var ids: [String] = []
            for index in 0..<3 {
                ids.append(try await scenario.candidate(app, email: "f\(index)@example.com", name: "F\(index)", skills: ["Excel"]))
            }
            let cache = app.hirebase.candidatePools
            #expect(try await cache.pool(for: company, on: app.db).count == 3)
            try await app.db.sql.update(Candidate.schema)
                .set(Candidate.column(\.$resumeText), to: SQLBind("spreadsheets"))
                .set(Candidate.column(\.$updatedAt), to: SQLBind(Date().addingTimeInterval(3600)))
                .where(Candidate.column(\.$id), .equal, SQLBind(UUID(uuidString: ids[0])!))
                .run()
            _ = try await cache.pool(for: company, on: app.db)
            let patched = try await app.send(.PATCH, "/candidates/\(ids[1])", as: scenario.recruiter,
                                             json: JSON(["skills": ["Go", "Kubernetes", "Kafka"]]))
            #expect(patched.status == .ok)
            let pool = try await cache.pool(for: company, on: app.db)
            try await expectSameAsARebuild(pool, app, company: company)
            #expect(app.hirebase.matcher.rank(job: Self.job, pool: pool, limit: 10).first?.candidateId == UUID(uuidString: ids[1]))
        }
    }

    /// Matches racing a burst of edits (the cache's calls interleave at every await): once the
    /// burst is over, the next call ranks as a rebuild does.
    @Test(arguments: TestDatabase.all)
    func matchesDuringABurstOfEditsEndUpToDate(database: TestDatabase) async throws {
        try await withHirebase(on: database) { app in
            let scenario = try await Scenario.make(app)
            let company = try #require(UUID(uuidString: scenario.companyID))
            var ids: [String] = []
            for index in 0..<12 {
                ids.append(try await scenario.candidate(app, email: "b\(index)@example.com", name: "B\(index)", skills: ["Excel"]))
            }
            let cache = app.hirebase.candidatePools
            _ = try await cache.pool(for: company, on: app.db)
            let skills = [["Go"], ["Go", "Kafka"], ["Kubernetes"], ["Go", "Kubernetes", "Kafka"], ["Excel"]]
            try await withThrowingTaskGroup(of: Void.self) { group in
                for round in 0..<36 {
                    let id = ids[round % ids.count]
                    group.addTask {
                        let patched = try await app.send(.PATCH, "/candidates/\(id)", as: scenario.recruiter,
                                                         json: JSON(["skills": skills[round % skills.count], "resumeText": "round \(round) kafka go"]))
                        #expect(patched.status == .ok)
                    }
                    if round % 3 == 0 { group.addTask { _ = try await cache.pool(for: company, on: app.db) } }
                }
                try await group.waitForAll()
            }
            try await expectSameAsARebuild(try await cache.pool(for: company, on: app.db), app, company: company)
        }
    }

    @Test func deletingEveryCandidateEmptiesThePool() async throws {
        try await withHirebase(on: .sqlite) { app in
            let scenario = try await Scenario.make(app)
            let company = try #require(UUID(uuidString: scenario.companyID))
            for index in 0..<3 { _ = try await scenario.candidate(app, email: "d\(index)@example.com") }
            let cache = app.hirebase.candidatePools
            #expect(try await cache.pool(for: company, on: app.db).count == 3)
            try await app.db.sql.delete(from: Candidate.schema).where(Candidate.column(\.$companyID), .equal, SQLBind(company)).run()
            #expect(try await cache.pool(for: company, on: app.db).count == 0)
            _ = try await scenario.candidate(app, email: "again@example.com")
            #expect(try await cache.pool(for: company, on: app.db).count == 1)
            #expect(await cache.buildCount == 1)
        }
    }

    /// A candidate of `company` with the given id, written as another instance would (straight
    /// to the database); `stamped: false` leaves `updated_at` NULL, as a row written in SQL may.
    private func insertCandidate(_ id: UUID, company: UUID, by user: UUID, resume: String, stamped: Bool = true, on app: Application) async throws {
        let candidate = Candidate()
        candidate.id = id
        candidate.companyID = company
        candidate.email = "\(id.uuidString.lowercased())@example.com"
        candidate.emailKey = candidate.email
        candidate.name = "Candidate \(id.uuidString.prefix(4))"
        candidate.skills = ["Go"]
        candidate.resumeText = resume
        candidate.createdBy = user
        candidate.createdAtMicros = 1
        try await candidate.create(on: app.db)
        if !stamped {
            try await app.db.sql.update(Candidate.schema).set(Candidate.column(\.$updatedAt), to: SQLLiteral.null)
                .where(Candidate.column(\.$id), .equal, SQLBind(id)).run()
        }
    }

    /// Ids whose first byte (the id bucket) is each of `buckets`, `perBucket` of each.
    private static func ids(inBuckets buckets: [UInt8], perBucket: Int) -> [UUID] {
        buckets.flatMap { bucket in
            (0..<perBucket).map { index in
                let random = UUID().uuid
                return UUID(uuid: (bucket, UInt8(index), random.2, random.3, random.4, random.5, random.6, random.7, random.8,
                                   random.9, random.10, random.11, random.12, random.13, random.14, random.15))
            }
        }
    }

    /// The store's id buckets and check sums are those `CandidateIDBuckets` computes from the
    /// ids on both databases (PostgreSQL's `uuid` bytes, SQLite's upper-case text), the first and
    /// last buckets included, and reading some buckets returns exactly their ids.
    @Test(arguments: TestDatabase.all)
    func idBucketsAreTheFirstByteOfTheID(database: TestDatabase) async throws {
        try await withHirebase(on: database) { app in
            let scenario = try await Scenario.make(app)
            let company = try #require(UUID(uuidString: scenario.companyID))
            let ids = Self.ids(inBuckets: [0x00, 0x09, 0x0A, 0x7F, 0xA0, 0xFE, 0xFF], perBucket: 2)
            for id in ids { try await insertCandidate(id, company: company, by: scenario.recruiter.id, resume: "go", on: app) }
            let store = CandidateStore()
            var expected = CandidateIDBuckets()
            for id in ids { expected.add(id) }
            #expect(try await store.idBuckets(of: company, on: app.db) == expected)
            for buckets in [[0x00], [0xFF], [0x09, 0x0A], [0x7F, 0xFE, 0xFF], [0x01, 0x80]] {
                let read = try await store.ids(of: company, inBuckets: buckets, on: app.db)
                #expect(Set(read) == Set(ids.filter { buckets.contains(CandidateIDBuckets.bucket(of: $0)) }), "buckets \(buckets)")
                #expect(read.count == Set(read).count)
            }
            // Another company's candidates in the same buckets are not counted or read.
            let other = try await app.send(.POST, "/companies", as: scenario.recruiter, json: JSON(["name": "Other"]))
            let otherText = try #require(other["id"])
            let otherID = try #require(UUID(uuidString: otherText))
            try await insertCandidate(Self.ids(inBuckets: [0xFF], perBucket: 1)[0], company: otherID, by: scenario.recruiter.id, resume: "go", on: app)
            #expect(try await store.idBuckets(of: company, on: app.db) == expected)
            #expect(try await store.ids(of: company, inBuckets: [0xFF], on: app.db).count == 2)
        }
    }

    /// The store's window summaries per id bucket, and the census's summary of the whole window,
    /// are those `CandidateWindowBuckets` computes from the window's rows (their ids and the
    /// database's stamps) on both databases, the first and last buckets included; reading some
    /// buckets' window rows returns exactly theirs, and a window that starts later holds none.
    @Test(arguments: TestDatabase.all)
    func windowSummariesPerBucketAreThoseOfTheWindowRows(database: TestDatabase) async throws {
        try await withHirebase(on: database) { app in
            let scenario = try await Scenario.make(app)
            let company = try #require(UUID(uuidString: scenario.companyID))
            let ids = Self.ids(inBuckets: [0x00, 0x09, 0x0A, 0x7F, 0xA0, 0xFE, 0xFF], perBucket: 2)
            for id in ids { try await insertCandidate(id, company: company, by: scenario.recruiter.id, resume: "go", on: app) }
            let store = CandidateStore()
            let since = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 - 600).rounded(.down))
            let rows = try await store.changes(of: company, since: since, on: app.db)
            #expect(Set(rows.keys) == Set(ids))
            var expected = CandidateWindowBuckets()
            for (id, row) in rows { expected.add(id: id, stamp: row.stamp) }
            #expect(try await store.windowBuckets(of: company, since: since, on: app.db) == expected)
            let census = try await store.census(of: company, windowFrom: since, on: app.db)
            #expect(census.count == ids.count && census.window == expected.total)
            for buckets in [[0x00], [0xFF], [0x09, 0x0A], [0x01]] {
                let read = try await store.changes(of: company, since: since, inBuckets: buckets, on: app.db)
                #expect(Set(read.keys) == Set(ids.filter { buckets.contains(CandidateIDBuckets.bucket(of: $0)) }), "buckets \(buckets)")
                #expect(read.allSatisfy { rows[$0.key] == $0.value })
            }
            let later = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 + 600).rounded(.down))
            #expect(try await store.windowBuckets(of: company, since: later, on: app.db) == CandidateWindowBuckets())
            #expect(try await store.census(of: company, windowFrom: later, on: app.db).window == CandidateWindowSummary())
        }
    }

    /// Deletions found by id bucket: two deletions in different buckets, one in a bucket where a
    /// candidate written without `updated_at` (invisible to the change window) arrived, keeping
    /// its count, and a patch, all in one check. The pool is updated, not rebuilt, and ranks
    /// like a rebuild.
    @Test(arguments: TestDatabase.all)
    func deletionsAreFoundByBucketAndApplied(database: TestDatabase) async throws {
        try await withHirebase(on: database) { app in
            let scenario = try await Scenario.make(app)
            let company = try #require(UUID(uuidString: scenario.companyID))
            let ids = Self.ids(inBuckets: [0x00, 0x10, 0x42, 0x80, 0xC3, 0xFF], perBucket: 4)
            for (index, id) in ids.enumerated() {
                try await insertCandidate(id, company: company, by: scenario.recruiter.id,
                                          resume: "kafka go services \(index % 3 == 0 ? "kubernetes" : "excel") team \(index)", on: app)
            }
            let cache = app.hirebase.candidatePools
            #expect(try await cache.pool(for: company, on: app.db).count == ids.count)

            let (gone, alsoGone, sharing) = (ids[1], ids[13], ids[20])  // buckets 0x00, 0x42, 0xC3
            try await app.db.sql.delete(from: Candidate.schema)
                .where(Candidate.column(\.$id), .in, SQLGroupExpression(SQLList([SQLBind(gone), SQLBind(alsoGone), SQLBind(sharing)]))).run()
            // In the bucket of `sharing`, same count: told apart by the check sum (another byte 1).
            let unstamped = UUID(uuid: (0xC3, 0x77, 0, 0, 0, 0, 0x40, 0, 0x80, 0, 0, 0, 0, 0, 0, 1))
            try await insertCandidate(unstamped, company: company, by: scenario.recruiter.id, resume: "kubernetes kubernetes kafka", stamped: false, on: app)
            let patched = try await app.send(.PATCH, "/candidates/\(ids[5].uuidString.lowercased())", as: scenario.recruiter,
                                             json: JSON(["skills": ["Go", "Kubernetes", "Kafka"], "resumeText": "kubernetes kafka go"]))
            #expect(patched.status == .ok)

            let pool = try await cache.pool(for: company, on: app.db)
            #expect(pool.count == ids.count - 2)
            #expect(!pool.contains(gone) && !pool.contains(alsoGone) && !pool.contains(sharing))
            #expect(pool.contains(unstamped))
            try await expectSameAsARebuild(pool, app, company: company)
            #expect(await cache.buildCount == 1)
            #expect(await cache.updateCount >= 1)

            // And the next check finds nothing more to do.
            let updates = await cache.updateCount
            #expect(try await cache.pool(for: company, on: app.db).isSameVersion(as: pool))
            #expect(await cache.updateCount == updates)
        }
    }

    /// Every kind of change crowded into one id bucket in one check: three deletions, two new
    /// candidates, an update, a candidate deleted and written again under its id, one moved to
    /// another company, and one written without `updated_at`. The pool is updated, not rebuilt,
    /// and ranks like a rebuild; the other company's pool sees the one that moved in.
    @Test(arguments: TestDatabase.all)
    func mixedChangesCrowdedIntoOneBucketRankLikeARebuild(database: TestDatabase) async throws {
        try await withHirebase(on: database) { app in
            let scenario = try await Scenario.make(app)
            let company = try #require(UUID(uuidString: scenario.companyID))
            let otherText = try #require(try await app.send(.POST, "/companies", as: scenario.recruiter, json: JSON(["name": "Other"]))["id"])
            let otherCompany = try #require(UUID(uuidString: otherText))
            let ids = Self.ids(inBuckets: [0x42], perBucket: 10) + Self.ids(inBuckets: [0x43], perBucket: 2)
            for (index, id) in ids.enumerated() {
                try await insertCandidate(id, company: company, by: scenario.recruiter.id,
                                          resume: "kafka go services \(index % 2 == 0 ? "kubernetes" : "excel") team \(index)", on: app)
            }
            let cache = app.hirebase.candidatePools
            #expect(try await cache.pool(for: company, on: app.db).count == ids.count)
            #expect(try await cache.pool(for: otherCompany, on: app.db).count == 0)

            try await app.db.sql.delete(from: Candidate.schema)
                .where(Candidate.column(\.$id), .in, SQLGroupExpression(SQLList(ids[0..<3].map { SQLBind($0) }))).run()
            let added = Self.ids(inBuckets: [0x42], perBucket: 12).suffix(2)
            for id in added { try await insertCandidate(id, company: company, by: scenario.recruiter.id, resume: "kubernetes kafka go go", on: app) }
            let updated = try #require(try await Candidate.find(ids[3], on: app.db))
            updated.resumeText = "kubernetes kubernetes kafka go"
            try await updated.update(on: app.db)
            try await app.db.sql.delete(from: Candidate.schema).where(Candidate.column(\.$id), .equal, SQLBind(ids[4])).run()
            try await insertCandidate(ids[4], company: company, by: scenario.recruiter.id, resume: "kubernetes go kafka written again", on: app)
            let moved = try #require(try await Candidate.find(ids[5], on: app.db))
            moved.companyID = otherCompany
            try await moved.update(on: app.db)
            let unstamped = UUID(uuid: (0x42, 0xEE, 0x12, 0, 0, 0, 0x40, 0, 0x80, 0, 0, 0, 0, 0, 0, 7))
            try await insertCandidate(unstamped, company: company, by: scenario.recruiter.id, resume: "kafka kubernetes", stamped: false, on: app)

            let pool = try await cache.pool(for: company, on: app.db)
            #expect(pool.count == ids.count - 3 + 2 - 1 + 1)
            #expect(ids[0..<3].allSatisfy { !pool.contains($0) } && !pool.contains(ids[5]))
            #expect(added.allSatisfy { pool.contains($0) } && pool.contains(ids[4]) && pool.contains(unstamped))
            try await expectSameAsARebuild(pool, app, company: company)
            let otherPool = try await cache.pool(for: otherCompany, on: app.db)
            #expect(otherPool.count == 1 && otherPool.contains(ids[5]))
            try await expectSameAsARebuild(otherPool, app, company: otherCompany)
            #expect(await cache.buildCount == 2, "one build per company, then updates")
        }
    }

    /// A deletion in one bucket and a candidate written without `updated_at` in another, in one
    /// check: the company's count is what the pool expects (one left, one arrived unseen), so
    /// the id buckets are never compared, and the pool keeps the deleted candidate and lacks the
    /// new one until it is rebuilt. The per-bucket check sums only tell the two apart when they
    /// share a bucket. Seeing it needs a whole-company figure beyond the count in the census
    /// (e.g. the sum of the ids' check values, the pool keeping its own), a per-row cost on
    /// every match call.
    @Test(.disabled("a deletion and an unseen arrival in two buckets cancel out in the census count; see the doc comment"),
          arguments: TestDatabase.all)
    func aDeletionAndAnUnseenArrivalInOtherBucketsAreBothFound(database: TestDatabase) async throws {
        try await withHirebase(on: database) { app in
            let scenario = try await Scenario.make(app)
            let company = try #require(UUID(uuidString: scenario.companyID))
            let ids = Self.ids(inBuckets: [0x10, 0x20], perBucket: 3)
            for (index, id) in ids.enumerated() {
                try await insertCandidate(id, company: company, by: scenario.recruiter.id, resume: "kafka go team \(index)", on: app)
            }
            let cache = app.hirebase.candidatePools
            #expect(try await cache.pool(for: company, on: app.db).count == ids.count)
            try await app.db.sql.delete(from: Candidate.schema).where(Candidate.column(\.$id), .equal, SQLBind(ids[0])).run()
            let unstamped = UUID(uuid: (0x20, 0xEE, 0x12, 0, 0, 0, 0x40, 0, 0x80, 0, 0, 0, 0, 0, 0, 9))
            try await insertCandidate(unstamped, company: company, by: scenario.recruiter.id, resume: "kubernetes kafka", stamped: false, on: app)
            let pool = try await cache.pool(for: company, on: app.db)
            #expect(!pool.contains(ids[0]), "a deleted candidate is still ranked")
            #expect(pool.contains(unstamped), "a new candidate is not ranked")
            try await expectSameAsARebuild(pool, app, company: company)
        }
    }

    /// Within the change window (here every candidate: all were just written, as after a bulk
    /// import) a check whose window summary is the one recorded reads none of the window's rows;
    /// another company's writes in the same seconds change nothing; a late commit inside the
    /// window (stamped before the newest seen) and a candidate deleted while another arrives
    /// with its very `updated_at` are still read and applied.
    @Test(arguments: TestDatabase.all)
    func aCheckInTheWindowReadsItsRowsOnlyWhenItsSummaryChanged(database: TestDatabase) async throws {
        try await withHirebase(on: database) { app in
            let scenario = try await Scenario.make(app)
            let other = try await Scenario.make(app)
            let company = try #require(UUID(uuidString: scenario.companyID))
            var ids: [UUID] = []
            for index in 0..<5 {
                let id = try await scenario.candidate(app, email: "w\(index)@example.com", name: "W\(index)", skills: index % 2 == 0 ? ["Go"] : ["Excel"],
                                                      extra: ["resumeText": "services in go, team \(index)"])
                ids.append(try #require(UUID(uuidString: id)))
            }
            let cache = app.hirebase.candidatePools
            let first = try await cache.pool(for: company, on: app.db)
            #expect(await cache.windowReadCount == 1)  // the check after the build

            // Nothing changed: the summary only, the same pool, ranked like a rebuild.
            let again = try await cache.pool(for: company, on: app.db)
            #expect(again.isSameVersion(as: first))
            #expect(await cache.windowReadCount == 1)
            try await expectSameAsARebuild(again, app, company: company)

            // Another company's candidate written and changed in the same seconds.
            let foreign = try await other.candidate(app, email: "x@example.com", name: "X", skills: ["Go"])
            let patchedForeign = try await app.send(.PATCH, "/candidates/\(foreign)", as: other.recruiter, json: JSON(["skills": ["Kafka"]]))
            #expect(patchedForeign.status == .ok)
            #expect(try await cache.pool(for: company, on: app.db).isSameVersion(as: first))
            #expect(await cache.windowReadCount == 1)

            // A late commit: stamped 5 s before the newest candidate seen, inside the window.
            let newest = try #require(try await Candidate.find(ids[4], on: app.db)?.updatedAt)
            try await app.db.sql.update(Candidate.schema)
                .set(Candidate.column(\.$skillList), to: SQLBind(JSONList(items: ["Go", "Kubernetes", "Kafka"])))
                .set(Candidate.column(\.$updatedAt), to: SQLBind(newest.addingTimeInterval(-5)))
                .where(Candidate.column(\.$id), .equal, SQLBind(ids[1]))
                .run()
            let afterLate = try await cache.pool(for: company, on: app.db)
            #expect(await cache.windowReadCount == 2)
            #expect(!afterLate.isSameVersion(as: first))
            try await expectSameAsARebuild(afterLate, app, company: company)
            #expect(app.hirebase.matcher.rank(job: Self.job, pool: afterLate, limit: 10).first?.candidateId == ids[1])
            #expect(try await cache.pool(for: company, on: app.db).isSameVersion(as: afterLate))
            #expect(await cache.windowReadCount == 2)

            // One candidate deleted and another written with its `updated_at`: the same count and
            // stamps in the window, other ids.
            let gone = ids[3]
            let goneStamp = try #require(try await Candidate.find(gone, on: app.db)?.updatedAt)
            try await app.db.sql.delete(from: Candidate.schema).where(Candidate.column(\.$id), .equal, SQLBind(gone)).run()
            let arrived = UUID()
            try await insertCandidate(arrived, company: company, by: scenario.recruiter.id, resume: "kafka and go", on: app)
            try await app.db.sql.update(Candidate.schema).set(Candidate.column(\.$updatedAt), to: SQLBind(goneStamp))
                .where(Candidate.column(\.$id), .equal, SQLBind(arrived)).run()
            let afterSwap = try await cache.pool(for: company, on: app.db)
            #expect(afterSwap.contains(arrived))
            #expect(!afterSwap.contains(gone))
            try await expectSameAsARebuild(afterSwap, app, company: company)
            #expect(await cache.buildCount == 1)
        }
    }

    /// 160 candidates of `company` written as an import would (straight to the database), two in
    /// each of 80 id buckets 0x00, 0x03 ... 0xED (more than `maxIDBucketsRead`), a third of them
    /// with "kubernetes" in the résumé.
    /// - Returns: their ids, in bucket order.
    private func insertImport(company: UUID, by user: UUID, on app: Application) async throws -> [UUID] {
        let ids = Self.ids(inBuckets: (0..<80).map { UInt8($0 * 3) }, perBucket: 2)
        for (index, id) in ids.enumerated() {
            try await insertCandidate(id, company: company, by: user,
                                      resume: "kafka go services \(index % 3 == 0 ? "kubernetes" : "excel") team \(index)", on: app)
        }
        return ids
    }

    /// Within the change window (every candidate just written, as after a bulk import, spread
    /// over more id buckets than one read takes by ranges), one edit reads only its bucket's rows,
    /// and the next check none (the window moved: the pool's summaries come from the stamps it
    /// holds). Then, in one check, an arrival written in SQL with an `updated_at` 5 s before the
    /// newest (inside the window), a deletion and an edit, in three other buckets: only those
    /// buckets are read and all three are applied; an arrival stamped an hour back (outside the
    /// window) is found by the count. Each time the pool ranks like a rebuild, without a rebuild.
    @Test(arguments: TestDatabase.all)
    func oneEditInAFullWindowReadsOnlyTheBucketsThatChanged(database: TestDatabase) async throws {
        try await withHirebase(on: database) { app in
            let scenario = try await Scenario.make(app)
            let company = try #require(UUID(uuidString: scenario.companyID))
            let ids = try await insertImport(company: company, by: scenario.recruiter.id, on: app)
            // As a window of 100,000 rows would be: read by bucket, not whole.
            let cache = CandidatePoolCache(matcher: app.hirebase.matcher, heavyWork: app.hirebase.heavyWork, wholeWindowRows: 0)
            #expect(try await cache.pool(for: company, on: app.db).count == ids.count)
            #expect(await cache.windowReadCount == 1)
            let afterBuild = await cache.windowRowsRead  // after the build: the whole window
            #expect(afterBuild > 0 && afterBuild <= ids.count)  // fewer if the first rows left the window (a slow machine)

            // One edit through the API: its bucket's two rows read.
            let edited = ids[10]
            let patched = try await app.send(.PATCH, "/candidates/\(edited.uuidString.lowercased())", as: scenario.recruiter,
                                             json: JSON(["skills": ["Go", "Kubernetes", "Kafka"], "resumeText": "kubernetes kafka go"]))
            #expect(patched.status == .ok)
            let afterEdit = try await cache.pool(for: company, on: app.db)
            #expect(await cache.windowReadCount == 2)
            #expect(await cache.windowRowsRead - afterBuild <= 2)
            try await expectSameAsARebuild(afterEdit, app, company: company)
            #expect(app.hirebase.matcher.rank(job: Self.job, pool: afterEdit, limit: 1).first?.candidateId == edited)
            #expect(try await cache.pool(for: company, on: app.db).isSameVersion(as: afterEdit))
            #expect(await cache.windowReadCount == 2)

            // A late arrival inside the window, a deletion and an edit, in three other buckets.
            let newest = try #require(try await Candidate.find(edited, on: app.db)?.updatedAt)
            let late = UUID(uuid: (0x01, 0x77, 0x12, 0, 0, 0, 0x40, 0, 0x80, 0, 0, 0, 0, 0, 0, 3))  // bucket 0x01: none before
            try await insertCandidate(late, company: company, by: scenario.recruiter.id, resume: "kubernetes kubernetes kafka go", on: app)
            try await app.db.sql.update(Candidate.schema).set(Candidate.column(\.$updatedAt), to: SQLBind(newest.addingTimeInterval(-5)))
                .where(Candidate.column(\.$id), .equal, SQLBind(late)).run()
            let gone = ids[41]
            try await app.db.sql.delete(from: Candidate.schema).where(Candidate.column(\.$id), .equal, SQLBind(gone)).run()
            let changed = try #require(try await Candidate.find(ids[100], on: app.db))
            changed.resumeText = "excel only"
            try await changed.update(on: app.db)
            let reads = await (cache.windowReadCount, cache.windowRowsRead)
            let afterThree = try await cache.pool(for: company, on: app.db)
            #expect(afterThree.contains(late) && !afterThree.contains(gone))
            #expect(afterThree.count == ids.count)
            #expect(await cache.windowReadCount == reads.0 + 1)
            #expect(await cache.windowRowsRead - reads.1 <= 1 + 1 + 2)  // late's bucket, gone's (one left), the edit's
            try await expectSameAsARebuild(afterThree, app, company: company)

            // An arrival stamped an hour back: outside the window, found by the count.
            let old = UUID(uuid: (0xF0, 0x01, 0x02, 0, 0, 0, 0x40, 0, 0x80, 0, 0, 0, 0, 0, 0, 4))
            try await insertCandidate(old, company: company, by: scenario.recruiter.id, resume: "kafka kubernetes go go", on: app)
            try await app.db.sql.update(Candidate.schema).set(Candidate.column(\.$updatedAt), to: SQLBind(newest.addingTimeInterval(-3_600)))
                .where(Candidate.column(\.$id), .equal, SQLBind(old)).run()
            let afterOld = try await cache.pool(for: company, on: app.db)
            #expect(afterOld.contains(old) && afterOld.count == ids.count + 1)
            try await expectSameAsARebuild(afterOld, app, company: company)
            #expect(await cache.buildCount == 1)
        }
    }

    /// A bulk import five minutes old is outside every check's window though nothing was written
    /// since (the window starts no earlier than `lateCommitBound` before the previous check): the
    /// check after the build reads no window row; a write committed 40 s after its `updated_at`
    /// (within the bound) is seen; and the first edit after the import reads no row of it.
    @Test(arguments: TestDatabase.all)
    func aBulkImportMinutesOldLeavesTheWindow(database: TestDatabase) async throws {
        try await withHirebase(on: database) { app in
            let scenario = try await Scenario.make(app)
            let company = try #require(UUID(uuidString: scenario.companyID))
            let ids = try await insertImport(company: company, by: scenario.recruiter.id, on: app)
            let imported = Date().addingTimeInterval(-300)
            try await app.db.sql.update(Candidate.schema).set(Candidate.column(\.$updatedAt), to: SQLBind(imported))
                .where(Candidate.column(\.$companyID), .equal, SQLBind(company)).run()
            let cache = CandidatePoolCache(matcher: app.hirebase.matcher, heavyWork: app.hirebase.heavyWork, wholeWindowRows: 0)
            let built = try await cache.pool(for: company, on: app.db)
            #expect(built.count == ids.count)
            #expect(await cache.windowReadCount == 0)
            #expect(try await cache.pool(for: company, on: app.db).isSameVersion(as: built))
            #expect(await cache.windowReadCount == 0)

            // A write stamped 40 s before it committed (another instance's slow transaction): older
            // than the checks, newer than the bound before them.
            let slow = ids[100]
            try await app.db.sql.update(Candidate.schema)
                .set(Candidate.column(\.$resumeText), to: SQLBind("kubernetes kubernetes kafka kafka go go"))
                .set(Candidate.column(\.$skillList), to: SQLBind(JSONList(items: ["Go", "Kubernetes", "Kafka"])))
                .set(Candidate.column(\.$updatedAt), to: SQLBind(Date().addingTimeInterval(-40)))
                .where(Candidate.column(\.$id), .equal, SQLBind(slow)).run()
            let afterSlow = try await cache.pool(for: company, on: app.db)
            #expect(!afterSlow.isSameVersion(as: built))
            #expect(await cache.windowRowsRead == 1)
            try await expectSameAsARebuild(afterSlow, app, company: company)

            // The first edit after the import: its own row read, nothing else of the import.
            let edited = ids[10]
            let patched = try await app.send(.PATCH, "/candidates/\(edited.uuidString.lowercased())", as: scenario.recruiter,
                                             json: JSON(["skills": ["Go", "Kubernetes", "Kafka"], "resumeText": "kubernetes kafka go"]))
            #expect(patched.status == .ok)
            let afterEdit = try await cache.pool(for: company, on: app.db)
            #expect(await cache.windowRowsRead <= 1 + 2)  // the slow row's bucket again at most, and the edit
            #expect(app.hirebase.matcher.rank(job: Self.job, pool: afterEdit, limit: 2).map(\.candidateId) == [slow, edited])
            try await expectSameAsARebuild(afterEdit, app, company: company)
            #expect(await cache.buildCount == 1)
        }
    }

    /// The summary's arithmetic: 32-bit terms whose sums cannot overflow, the same on any stamp
    /// (before 1970 too: remainders and quotients truncate toward zero, as in SQL).
    @Test func windowSummaryTermsStayWithin32Bits() {
        var summary = CandidateWindowSummary()
        let id = UUID(uuid: (0xFF, 0xFF, 0xFF, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14))
        summary.add(id: id, stamp: 1_764_921_600_123_456)
        summary.add(id: id, stamp: -62_135_596_800_000_000)
        #expect(summary.count == 2)
        #expect(summary.idSum == 2 * 65_535)
        #expect(summary.stampLow == Int(1_764_921_600_123_456 % 4_294_967_296) + Int(-62_135_596_800_000_000 % 4_294_967_296))
        #expect(summary.stampHigh == 1_764_921_600_123_456 / 4_294_967_296 + -62_135_596_800_000_000 / 4_294_967_296)
        #expect(summary != CandidateWindowSummary())
    }
}
