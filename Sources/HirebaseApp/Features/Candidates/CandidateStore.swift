import Fluent
import Foundation
import MatchingCore
import SQLKit

/// Every query of the candidates feature, matching's reads included. Column names come from
/// `Candidate`'s fields (`Model.path(for:)`), never strings.
struct CandidateStore: Sendable {
    /// The candidate with `id`, if any.
    func find(_ id: UUID, on db: any Database) async throws -> Candidate? {
        try await Candidate.find(id, on: db)
    }

    /// Inserts `candidate`.
    /// - Throws: the driver's constraint failure when the company has the e-mail already.
    func create(_ candidate: Candidate, on db: any Database) async throws {
        try await candidate.create(on: db)
    }

    /// Saves the changed fields of `candidate`.
    /// - Throws: the driver's constraint failure when the company has the e-mail already.
    func update(_ candidate: Candidate, on db: any Database) async throws {
        try await candidate.update(on: db)
    }

    /// The company's candidate with the e-mail key (the address lower-cased), if any.
    func find(companyID: UUID, emailKey: String, on db: any Database) async throws -> Candidate? {
        try await Candidate.query(on: db).filter(\.$companyID == companyID).filter(\.$emailKey == emailKey).first()
    }

    /// One page of a company's candidates, newest first.
    func page(companyID: UUID, _ page: PageRequest, on db: any Database) async throws -> (items: [Candidate], nextCursor: String?) {
        try await Candidate.query(on: db).filter(\.$companyID == companyID).page(page)
    }

    /// The fields matching reads of every candidate of the company (no e-mail, no creator), with
    /// each row's `updated_at`, passed to `body` in pages of `pageSize` by id, résumés cut to
    /// `maxResumeCharacters`. Each page is read by its own query: a row changed while the pages
    /// are read may come in either version (the caller's change checks catch up with it).
    func forEachProfilePage(of companyID: UUID, pageSize: Int, maxResumeCharacters: Int, on db: any Database,
                            _ body: ([CandidateProfileRow]) async throws -> Void) async throws {
        var after: UUID?
        while true {
            var query = profileQuery(on: db).filter(\.$companyID == companyID)
            if let after { query = query.filter(\.$id > after) }
            let page = try await query.sort(\.$id).limit(pageSize).all()
            try await body(page.compactMap { $0.profileRow(maxResumeCharacters: maxResumeCharacters) })
            guard page.count == pageSize, let last = page.last?.id else { return }
            after = last
        }
    }

    /// The matching fields and `updated_at` of the company's candidates among `ids` (those that
    /// exist), read in chunks of 500 ids.
    func profiles(ids: [UUID], of companyID: UUID, maxResumeCharacters: Int, on db: any Database) async throws -> [CandidateProfileRow] {
        var rows: [CandidateProfileRow] = []
        for start in stride(from: 0, to: ids.count, by: 500) {
            let chunk = Array(ids[start..<min(start + 500, ids.count)])
            let page = try await profileQuery(on: db).filter(\.$companyID == companyID).filter(\.$id ~~ chunk).all()
            rows += page.compactMap { $0.profileRow(maxResumeCharacters: maxResumeCharacters) }
        }
        return rows
    }

    private func profileQuery(on db: any Database) -> QueryBuilder<Candidate> {
        Candidate.query(on: db)
            .field(\.$id).field(\.$name).field(\.$headline).field(\.$skillList).field(\.$yearsExperience)
            .field(\.$location).field(\.$resumeText).field(\.$updatedAt)
    }

    /// Id and `updated_at` of the company's candidates updated (or created: Fluent stamps both)
    /// at or after `since`, or of all of them when `since` is nil. One range of the index
    /// `candidates_company_updated_idx`.
    func changes(of companyID: UUID, since: Date?, on db: any Database) async throws -> [UUID: Date] {
        var select = try db.sql.select()
            .column(Candidate.column(\.$id)).column(Candidate.column(\.$updatedAt))
            .from(Candidate.schema)
            .where(Candidate.column(\.$companyID), .equal, SQLBind(companyID))
        if let since { select = select.where(Candidate.column(\.$updatedAt), .greaterThanOrEqual, SQLBind(since)) }
        var changes: [UUID: Date] = [:]
        for row in try await select.all() {
            let id = try row.decode(column: Candidate.column(\.$id).string, as: UUID.self)
            changes[id] = try row.decode(column: Candidate.column(\.$updatedAt).string, as: Date?.self) ?? .distantPast
        }
        return changes
    }

    /// How many candidates the company has, and the newest `updated_at` among them (nil when none
    /// has one), in one query over the index `candidates_company_updated_idx`.
    func census(of companyID: UUID, on db: any Database) async throws -> (count: Int, newest: Date?) {
        let row = try await db.sql.select()
            .column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")
            .column(SQLFunction("MAX", args: SQLColumn(Candidate.column(\.$updatedAt))), as: "newest")
            .from(Candidate.schema)
            .where(Candidate.column(\.$companyID), .equal, SQLBind(companyID))
            .first()
        guard let row else { return (0, nil) }
        return (try row.decode(column: "n", as: Int.self), try row.decode(column: "newest", as: Date?.self))
    }

    /// The ids of every candidate of the company (about 16 bytes each; used to find deletions).
    func ids(of companyID: UUID, on db: any Database) async throws -> [UUID] {
        try await db.sql.select()
            .column(Candidate.column(\.$id))
            .from(Candidate.schema)
            .where(Candidate.column(\.$companyID), .equal, SQLBind(companyID))
            .all()
            .map { try $0.decode(column: Candidate.column(\.$id).string, as: UUID.self) }
    }
}

/// A candidate as matching reads it, with the `updated_at` that tells its versions apart.
struct CandidateProfileRow: Sendable {
    var profile: CandidateProfile
    /// `nil` for a row written without Fluent's timestamps.
    var updatedAt: Date?
}

extension Candidate {
    /// The matching profile of a row read with the profile fields, résumé cut to `maxResumeCharacters`.
    fileprivate func profileRow(maxResumeCharacters: Int) -> CandidateProfileRow? {
        guard let id else { return nil }
        let profile = CandidateProfile(id: id, name: name, headline: headline, skills: skills, yearsExperience: yearsExperience,
                                       location: location, resumeText: resumeText.map { String($0.prefix(maxResumeCharacters)) })
        return CandidateProfileRow(profile: profile, updatedAt: updatedAt)
    }
}
