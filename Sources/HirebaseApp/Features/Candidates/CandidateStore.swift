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

    /// The fields matching reads of every candidate of the company (no e-mail, no creator), in
    /// pages of `pageSize` by id, résumés cut to `maxResumeCharacters`.
    func profiles(of companyID: UUID, pageSize: Int, maxResumeCharacters: Int, on db: any Database) async throws -> [CandidateProfile] {
        var profiles: [CandidateProfile] = []
        var after: UUID?
        while true {
            var query = Candidate.query(on: db).filter(\.$companyID == companyID)
            if let after { query = query.filter(\.$id > after) }
            let page = try await query
                .field(\.$id).field(\.$name).field(\.$headline).field(\.$skillList).field(\.$yearsExperience)
                .field(\.$location).field(\.$resumeText)
                .sort(\.$id).limit(pageSize).all()
            for candidate in page {
                guard let id = candidate.id else { continue }
                profiles.append(CandidateProfile(id: id, name: candidate.name, headline: candidate.headline, skills: candidate.skills,
                                                 yearsExperience: candidate.yearsExperience, location: candidate.location,
                                                 resumeText: candidate.resumeText.map { String($0.prefix(maxResumeCharacters)) }))
            }
            guard page.count == pageSize, let last = page.last?.id else { return profiles }
            after = last
        }
    }

    /// Count, newest creation and newest update of the company's candidates (no deletes exist),
    /// in one query: it changes whenever the company's candidates do.
    func fingerprint(of companyID: UUID, on db: any Database) async throws -> String {
        let row = try await db.sql.select()
            .column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")
            .column(SQLFunction("MAX", args: SQLColumn(Candidate.column(\.$createdAtMicros))), as: "created")
            .column(SQLFunction("MAX", args: SQLColumn(Candidate.column(\.$updatedAt))), as: "updated")
            .from(Candidate.schema)
            .where(Candidate.column(\.$companyID), .equal, SQLBind(companyID))
            .first()
        guard let row else { return "0" }
        let count = try row.decode(column: "n", as: Int.self)
        let created = try row.decode(column: "created", as: Int64?.self) ?? 0
        // PostgreSQL answers a timestamp; SQLite the number Fluent stored.
        let updated: Double
        if let date = try? row.decode(column: "updated", as: Date?.self) {
            updated = date.timeIntervalSince1970
        } else {
            updated = (try? row.decode(column: "updated", as: Double?.self)) ?? 0
        }
        return "\(count)|\(created)|\(updated)"
    }
}
