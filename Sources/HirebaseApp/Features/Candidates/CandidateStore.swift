import Fluent
import Foundation
import MatchingCore
import PostgresNIO
import SQLKit

/// Every query of the candidates feature, matching's reads included. Column names come from
/// `Candidate`'s fields (`Model.path(for:)`), never strings.
struct CandidateStore: Sendable {
    /// The candidate with `id`, if any.
    func find(_ id: UUID, on db: any Database) async throws -> Candidate? {
        try await Candidate.find(id, on: db)
    }

    /// Inserts `new` as the candidate `id`, created by `createdBy` at `now` (`created_at`,
    /// `updated_at` and `created_at_us` all from that one instant; matching's pool sees the row
    /// by its `updated_at`, as it sees one saved through the model), in one statement:
    ///
    ///     INSERT INTO candidates (...) SELECT $1, ... WHERE EXISTS (membership)
    ///     ON CONFLICT (company_id, email_key) DO NOTHING RETURNING id
    ///
    /// Nothing is inserted when the company has the e-mail key already (the unique constraint
    /// `candidates_company_email_key`, so also under concurrent requests on several instances) or,
    /// with `roles` given, when `createdBy` is not a member of the company with one of them: the
    /// membership is checked in the statement that inserts, so a create costs one round trip
    /// (it was a role read, then the insert through the model, whose saving reflects over it).
    /// SQLite's upsert needs the `WHERE` on its `SELECT`; with `roles` nil it is `WHERE 1 = 1`.
    /// - Parameters:
    ///   - emailKey: `EmailLookupKey.of(new.email)`.
    ///   - roles: the roles that may create (`nil`: no membership needed, a platform admin).
    /// - Returns: whether the row was inserted.
    func insert(_ new: NewCandidate, id: UUID, emailKey: String, createdBy: UUID, at now: Date, ifMemberWithRoleIn roles: [CompanyRole]?,
                on db: any Database) async throws -> Bool {
        let columns = Self.insertColumns
        let member: SQLQueryString
        if let roles {
            member = """
                EXISTS (SELECT 1 FROM \(ident: CompanyMember.schema) WHERE \(columns.memberCompany) = \(bind: new.companyID) \
                AND \(columns.memberUser) = \(bind: createdBy) AND \(columns.memberRole) IN \(SQLGroupExpression(roles.map { SQLBind($0.rawValue) })))
                """
        } else {
            member = "1 = 1"
        }
        let insert: SQLQueryString = """
            INSERT INTO \(ident: Candidate.schema) (\(unsafeRaw: columns.list)) \
            SELECT \(bind: id), \(bind: new.companyID), \(bind: new.email), \(bind: emailKey), \(bind: new.name), \(bind: new.headline), \
            \(bind: JSONList(items: new.skills)), \(bind: new.yearsExperience), \(bind: new.location), \(bind: new.resumeText), \(bind: createdBy), \
            \(bind: now.microsecondsSince1970), \(bind: now), \(bind: now) \
            WHERE \(member) \
            ON CONFLICT (\(unsafeRaw: columns.conflict)) DO NOTHING RETURNING \(columns.id)
            """
        return try await db.sql.raw(insert).first() != nil
    }

    /// The names `insert` writes, read once from the models: the inserted columns (quoted, in
    /// the order of its values), the conflict target, and the membership columns.
    private static let insertColumns = {
        let list = [Candidate.column(\.$id), Candidate.column(\.$companyID), Candidate.column(\.$email), Candidate.column(\.$emailKey),
                    Candidate.column(\.$name), Candidate.column(\.$headline), Candidate.column(\.$skillList), Candidate.column(\.$yearsExperience),
                    Candidate.column(\.$location), Candidate.column(\.$resumeText), Candidate.column(\.$createdBy),
                    Candidate.column(\.$createdAtMicros), Candidate.column(\.$createdAt), Candidate.column(\.$updatedAt)]
        func quoted(_ names: [SQLIdentifier]) -> String { names.map(\.quotedText).joined(separator: ", ") }
        return (list: quoted(list), conflict: quoted([Candidate.column(\.$companyID), Candidate.column(\.$emailKey)]), id: Candidate.column(\.$id),
                memberCompany: CompanyMember.column(\.$companyID), memberUser: CompanyMember.column(\.$userID), memberRole: CompanyMember.column(\.$role))
    }()

    /// Saves the changed fields of `candidate`.
    /// - Throws: the driver's constraint failure when the company has the e-mail already.
    func update(_ candidate: Candidate, on db: any Database) async throws {
        try await candidate.update(on: db)
    }

    /// The company's candidate with the e-mail key (the address lower-cased), if any.
    func find(companyID: UUID, emailKey: String, on db: any Database) async throws -> Candidate? {
        try await Candidate.query(on: db).filter(\.$companyID == companyID).filter(\.$emailKey == emailKey).first()
    }

    /// One page of a company's candidates, newest first, read straight into `CandidateDTO`s
    /// (`KeysetPageQuery`: no Fluent model per row; the table has no soft-delete column).
    func page(companyID: UUID, _ page: PageRequest, on db: any Database) async throws -> (items: [CandidateDTO], nextCursor: String?) {
        try await Self.listQuery(companyID: companyID).read(page, on: db)
    }

    /// The columns of a `CandidateDTO`, then `created_at_us`; `skills` as stored on SQLite (JSON
    /// text) and as a `text[]` in stored order on PostgreSQL.
    private static let listColumns: (sqlite: [SQLIdentifier], postgres: [any SQLExpression]) = {
        let leading = [Candidate.column(\.$id), Candidate.column(\.$companyID), Candidate.column(\.$email), Candidate.column(\.$name),
                       Candidate.column(\.$headline)]
        let trailing = [Candidate.column(\.$yearsExperience), Candidate.column(\.$location), Candidate.column(\.$resumeText),
                        Candidate.column(\.$createdAt), Candidate.column(\.$updatedAt), Candidate.column(\.$createdAtMicros)]
        let skills = Candidate.column(\.$skillList).string
        let skillArray = SQLRaw("ARRAY(SELECT e FROM jsonb_array_elements_text(\"\(skills)\"->'items') WITH ORDINALITY AS t(e, n) ORDER BY n)")
        return (leading + [Candidate.column(\.$skillList)] + trailing, leading + [skillArray] + trailing)
    }()

    /// `page`'s query: the company's rows, decoded into `CandidateDTO`s (PostgreSQL: typed, by position).
    private static func listQuery(companyID: UUID) -> KeysetPageQuery<CandidateDTO> {
        let columns = listColumns
        let name = columns.sqlite.map(\.string)
        return KeysetPageQuery(
            table: Candidate.schema, createdAtColumn: Candidate.column(\.$createdAtMicros).string, idColumn: Candidate.column(\.$id).string,
            filters: [SQLBinaryExpression(Candidate.column(\.$companyID), .equal, SQLBind(companyID))],
            sqliteColumns: columns.sqlite,
            decodeSQLRow: { row in
                let id = try row.decode(column: name[0], as: UUID.self)
                let micros = try row.decode(column: name[11], as: Int64.self)
                let dto = CandidateDTO(
                    id: id.lowercased, companyId: try row.decode(column: name[1], as: UUID.self).lowercased,
                    email: try row.decode(column: name[2], as: String.self), name: try row.decode(column: name[3], as: String.self),
                    headline: try row.decode(column: name[4], as: String?.self), skills: try row.decode(column: name[5], as: JSONList<String>.self).items,
                    yearsExperience: try row.decode(column: name[6], as: Double?.self), location: try row.decode(column: name[7], as: String?.self),
                    resumeText: try row.decode(column: name[8], as: String?.self), createdAt: try row.decode(column: name[9], as: Date?.self),
                    updatedAt: try row.decode(column: name[10], as: Date?.self)
                )
                return KeysetRow(item: dto, micros: micros, id: id)
            },
            postgresColumns: columns.postgres,
            decodePostgresRow: { row in
                let (id, company, email, name, headline, skills, years, location, resume, createdAt, updatedAt, micros) = try row.decode(
                    (UUID, UUID, String, String, String?, [String], Double?, String?, String?, Date?, Date?, Int64).self, context: .default
                )
                let dto = CandidateDTO(id: id.lowercased, companyId: company.lowercased, email: email, name: name, headline: headline, skills: skills,
                                       yearsExperience: years, location: location, resumeText: resume, createdAt: createdAt, updatedAt: updatedAt)
                return KeysetRow(item: dto, micros: micros, id: id)
            }
        )
    }

    /// The fields matching reads of every candidate of the company (no e-mail, no creator), with
    /// each row's `updated_at`, passed to `body` in pages of `pageSize`, résumés cut to
    /// `maxResumeCharacters`. Each page is read by its own query: a row changed while the pages
    /// are read may come in either version (the caller's change checks catch up with it).
    ///
    /// Pages go by (`created_at_us`, `id`) on the index `candidates_company_page_idx`, the order
    /// rows were written in and so about their order on disk: paging by `id` alone (random
    /// UUIDs) read the table in random order, about 100 ms a page of 2,000 on PostgreSQL at
    /// 100,000 candidates, against 10 ms this way.
    func forEachProfilePage(of companyID: UUID, pageSize: Int, maxResumeCharacters: Int, on db: any Database,
                            _ body: ([CandidateProfileRow]) async throws -> Void) async throws {
        if let postgres = db as? any PostgresDatabase {
            try await forEachProfilePage(of: companyID, pageSize: pageSize, maxResumeCharacters: maxResumeCharacters, on: postgres, body)
            return
        }
        let createdAt = Candidate.column(\.$createdAtMicros)
        var after: (createdAt: Int64, id: UUID)?
        while true {
            var select = try profileSelect(on: db).column(createdAt)
                .where(Candidate.column(\.$companyID), .equal, SQLBind(companyID))
            if let after {
                select = select.where(SQLGroupExpression([createdAt, Candidate.column(\.$id)]), .greaterThan,
                                      SQLGroupExpression([SQLBind(after.createdAt), SQLBind(after.id)]))
            }
            let rows = try await select.orderBy(createdAt).orderBy(Candidate.column(\.$id)).limit(pageSize).all()
            let page = try rows.map { try Self.profileRow($0, maxResumeCharacters: maxResumeCharacters) }
            try await body(page)
            guard page.count == pageSize, let last = rows.last, let id = page.last?.profile.id else { return }
            after = (try last.decode(column: createdAt.string, as: Int64.self), id)
        }
    }

    /// `forEachProfilePage` on PostgreSQL, with PostgresNIO's typed row decoding: SQLKit's
    /// by-name, `Codable` decoding of each column cost about 1.5 s of CPU at 100,000 rows, a third
    /// of a cold build. Same query and order; the skills come as a `text[]`.
    private func forEachProfilePage(of companyID: UUID, pageSize: Int, maxResumeCharacters: Int, on db: any PostgresDatabase,
                                    _ body: ([CandidateProfileRow]) async throws -> Void) async throws {
        func name<Property: AnyQueryableProperty>(_ property: KeyPath<Candidate, Property>) -> String {
            Candidate.column(property).quotedText
        }
        let (id, createdAt) = (name(\.$id), name(\.$createdAtMicros))
        let columns = [id, name(\.$name), name(\.$headline),
                       "ARRAY(SELECT jsonb_array_elements_text(\(name(\.$skillList))->'items'))",
                       name(\.$yearsExperience), name(\.$location), name(\.$resumeText), name(\.$updatedAt), createdAt]
        let select = "SELECT \(columns.joined(separator: ", ")) FROM \"\(Candidate.schema)\" WHERE \(name(\.$companyID)) = $1"
        let order = " ORDER BY \(createdAt), \(id) LIMIT \(pageSize)"
        func page(after: (createdAt: Int64, id: UUID)?) -> EventLoopFuture<PostgresQueryResult> {
            guard let after else { return db.query(select + order, [PostgresData(uuid: companyID)]) }
            return db.query(select + " AND (\(createdAt), \(id)) > ($2, $3)" + order,
                            [PostgresData(uuid: companyID), PostgresData(int64: after.createdAt), PostgresData(uuid: after.id)])
        }
        // The next page is asked for as soon as this one has arrived, before it is decoded, so
        // that PostgreSQL reads and sends it (a third of a build's CPU, mostly decompressing
        // résumés) while this one is decoded and indexed, instead of in turns.
        var next: EventLoopFuture<PostgresQueryResult>? = page(after: nil)
        while let arriving = next {
            let result = try await arriving.get()
            next = nil
            if result.rows.count == pageSize, let last = result.rows.last {
                let key = PostgresRandomAccessRow(last)
                next = page(after: (try key[8].decode(Int64.self, context: .default), try key[0].decode(UUID.self, context: .default)))
            }
            do {
                var rows: [CandidateProfileRow] = []
                rows.reserveCapacity(result.rows.count)
                for row in result.rows {
                    let (id, name, headline, skills, years, location, resume, updatedAt) = try row.decode(
                        (UUID, String, String?, [String], Double?, String?, String?, Date?).self, context: .default
                    )
                    rows.append(CandidateProfileRow(profile: CandidateProfile(id: id, name: name, headline: headline, skills: skills, yearsExperience: years,
                                                                              location: location, resumeText: Self.cut(resume, to: maxResumeCharacters)),
                                                    updatedAt: updatedAt))
                }
                try await body(rows)
            } catch {
                _ = try? await next?.get()  // not left running past the caller's error
                throw error
            }
        }
    }

    /// The matching fields and `updated_at` of the company's candidates among `ids` (those that
    /// exist), read in chunks of 500 ids.
    func profiles(ids: [UUID], of companyID: UUID, maxResumeCharacters: Int, on db: any Database) async throws -> [CandidateProfileRow] {
        var rows: [CandidateProfileRow] = []
        for start in stride(from: 0, to: ids.count, by: 500) {
            let chunk = ids[start..<min(start + 500, ids.count)].map { SQLBind($0) }
            let page = try await profileSelect(on: db)
                .where(Candidate.column(\.$companyID), .equal, SQLBind(companyID))
                .where(Candidate.column(\.$id), .in, SQLGroupExpression(SQLList(chunk)))
                .all()
            rows += try page.map { try Self.profileRow($0, maxResumeCharacters: maxResumeCharacters) }
        }
        return rows
    }

    /// The columns matching reads, straight through SQLKit: at 100,000 rows Fluent's model
    /// decoding (generic metadata looked up per field and row) cost seconds.
    private func profileSelect(on db: any Database) throws -> SQLSelectBuilder {
        try db.sql.select()
            .column(Candidate.column(\.$id)).column(Candidate.column(\.$name)).column(Candidate.column(\.$headline))
            .column(Candidate.column(\.$skillList)).column(Candidate.column(\.$yearsExperience)).column(Candidate.column(\.$location))
            .column(Candidate.column(\.$resumeText)).column(Candidate.column(\.$updatedAt))
            .from(Candidate.schema)
    }

    private static let profileColumns = (
        id: Candidate.column(\.$id).string, name: Candidate.column(\.$name).string, headline: Candidate.column(\.$headline).string,
        skills: Candidate.column(\.$skillList).string, years: Candidate.column(\.$yearsExperience).string,
        location: Candidate.column(\.$location).string, resume: Candidate.column(\.$resumeText).string,
        updatedAt: Candidate.column(\.$updatedAt).string
    )

    /// `resume` cut to `max` characters. Counting characters walks grapheme clusters; a text of
    /// no more UTF-8 bytes than the limit cannot hold more characters, so only the rare long
    /// résumé is counted and cut.
    private static func cut(_ resume: String?, to max: Int) -> String? {
        guard let resume, resume.utf8.count > max else { return resume }
        return String(resume.prefix(max))
    }

    /// One row of `profileSelect`, résumé cut to `maxResumeCharacters`.
    private static func profileRow(_ row: any SQLRow, maxResumeCharacters: Int) throws -> CandidateProfileRow {
        let column = profileColumns
        let resume = cut(try row.decode(column: column.resume, as: String?.self), to: maxResumeCharacters)
        let profile = CandidateProfile(
            id: try row.decode(column: column.id, as: UUID.self),
            name: try row.decode(column: column.name, as: String.self),
            headline: try row.decode(column: column.headline, as: String?.self),
            skills: try row.decode(column: column.skills, as: JSONList<String>.self).items,
            yearsExperience: try row.decode(column: column.years, as: Double?.self),
            location: try row.decode(column: column.location, as: String?.self),
            resumeText: resume
        )
        return CandidateProfileRow(profile: profile, updatedAt: try row.decode(column: column.updatedAt, as: Date?.self))
    }

    /// Id, `updated_at` and stamp (`CandidateWindowRow`) of the company's candidates updated (or
    /// created: Fluent stamps both) at or after `since`, in the id buckets `buckets`
    /// (`CandidateIDBuckets`; nil: all). One range of the index `candidates_company_updated_idx`,
    /// or, for some buckets, ranges of the primary key (about 1/256 of the table each) when the
    /// planner finds them cheaper: one bucket's rows of a 100,000-row window in about 1 ms, against
    /// about 260 ms for the whole window.
    /// On PostgreSQL with PostgresNIO's typed row decoding: SQLKit's by-name decoding was most of
    /// the read's cost (about 300 ms at 100,000 rows).
    func changes(of companyID: UUID, since: Date, inBuckets buckets: [Int]? = nil, on db: any Database) async throws -> [UUID: CandidateWindowRow] {
        let (id, updatedAt, stamp) = Self.windowExpressions(on: db)
        if let postgres = db as? any PostgresDatabase {
            let company = Candidate.column(\.$companyID).string
            if let buckets, buckets.isEmpty { return [:] }
            var binds = [PostgresData(uuid: companyID), PostgresData(date: since)]
            var ranges: [String] = []
            for bucket in buckets ?? [] {
                binds.append(PostgresData(uuid: Self.firstID(inBucket: bucket)))
                var range = "\"\(id)\" >= $\(binds.count)"
                if bucket < 255 {
                    binds.append(PostgresData(uuid: Self.firstID(inBucket: bucket + 1)))
                    range += " AND \"\(id)\" < $\(binds.count)"
                }
                ranges.append("(\(range))")
            }
            let inBuckets = ranges.isEmpty ? "" : " AND (\(ranges.joined(separator: " OR ")))"
            let result = try await postgres.query(
                "SELECT \"\(id)\", \"\(updatedAt)\", \(stamp.sql) FROM \"\(Candidate.schema)\" WHERE \"\(company)\" = $1 AND \"\(updatedAt)\" >= $2\(inBuckets)",
                binds
            ).get()
            var changes: [UUID: CandidateWindowRow] = [:]
            changes.reserveCapacity(result.rows.count)
            for row in result.rows {
                let (rowID, rowUpdatedAt, rowStamp) = try row.decode((UUID, Date, Int64).self, context: .default)
                changes[rowID] = CandidateWindowRow(updatedAt: rowUpdatedAt, stamp: rowStamp)
            }
            return changes
        }
        var select = try db.sql.select()
            .column(Candidate.column(\.$id)).column(Candidate.column(\.$updatedAt)).column(stamp, as: "stamp")
            .from(Candidate.schema)
            .where(Candidate.column(\.$companyID), .equal, SQLBind(companyID))
            .where(Candidate.column(\.$updatedAt), .greaterThanOrEqual, SQLBind(since))
        if let buckets {
            guard let ranges = Self.idRanges(ofBuckets: buckets) else { return [:] }
            select = select.where(ranges)
        }
        var changes: [UUID: CandidateWindowRow] = [:]
        for row in try await select.all() {
            changes[try row.decode(column: id, as: UUID.self)] = CandidateWindowRow(
                updatedAt: try row.decode(column: updatedAt, as: Date.self), stamp: try row.decode(column: "stamp", as: Int64.self)
            )
        }
        return changes
    }

    /// ``census(of:on:)`` and, in the same statement, the summary (`CandidateWindowSummary`) of
    /// the company's candidates updated at or after `since` (the rows
    /// ``changes(of:since:inBuckets:on:)`` reads), all id buckets together, with no row sent: one
    /// pass over the company's rows (over the index `candidates_company_updated_idx`, which holds
    /// `id` and `updated_at`, once PostgreSQL's visibility map covers them; right after a bulk
    /// import its planner reads the table, about 70 ms at 100,000 rows, which the census cost
    /// alone before), the per-row terms computed only for the window's rows (`NULL` elsewhere,
    /// which `COUNT` and `SUM` skip). Reading the window's rows instead cost about 300 ms at
    /// 100,000. The same SQL on both databases but for the two per-row expressions; each sum is
    /// cast to `BIGINT` (PostgreSQL sums a `bigint` into a `numeric`); one snapshot for the count
    /// and the summary. Grouped by bucket in this statement (``windowBuckets(of:since:on:)``'s
    /// figures for free) it cost 35% more on every call, in the window or not (PostgreSQL sorts
    /// every row by the group's expression, whose distinct values it cannot estimate).
    func census(of companyID: UUID, windowFrom since: Date, on db: any Database) async throws
        -> (count: Int, newest: Date?, window: CandidateWindowSummary) {
        let (_, updatedAt, stamp) = Self.windowExpressions(on: db)
        let key = Self.idBucketExpressions(on: db).checkValue
        // The subquery is inlined (each use of `s` and `k` computed again, for the window's rows
        // only): kept a subquery with `OFFSET 0`, PostgreSQL's plan lost its parallel workers
        // (338 ms against 162 ms for the census alone's 147 ms over a 300,000-row table).
        let query: SQLQueryString = """
            SELECT COUNT(*) AS n, MAX(u) AS newest, COUNT(s) AS window_n, COALESCE(CAST(SUM(s % 4294967296) AS BIGINT), 0) AS stamp_low, \
            COALESCE(CAST(SUM(s / 4294967296) AS BIGINT), 0) AS stamp_high, COALESCE(CAST(SUM(k) AS BIGINT), 0) AS id_sum, \
            COALESCE(CAST(SUM((s % 65536) * k) AS BIGINT), 0) AS mixed \
            FROM (SELECT \(ident: updatedAt) AS u, CASE WHEN \(ident: updatedAt) >= \(bind: since) THEN \(stamp) END AS s, \
            CASE WHEN \(ident: updatedAt) >= \(bind: since) THEN \(key) END AS k FROM \(ident: Candidate.schema) \
            WHERE \(ident: Candidate.column(\.$companyID).string) = \(bind: companyID)) AS c
            """
        guard let row = try await db.sql.raw(query).first() else { return (0, nil, CandidateWindowSummary()) }
        return (try row.decode(column: "n", as: Int.self), try row.decode(column: "newest", as: Date?.self), try Self.windowSummary(row))
    }

    /// The summary (`CandidateWindowSummary`) of each id bucket's candidates of the company
    /// updated at or after `since` (the rows ``changes(of:since:inBuckets:on:)`` reads), in one
    /// grouped pass over the window's range of the index `candidates_company_updated_idx` (nothing
    /// sent but up to 256 rows): it tells which buckets to read. The terms as in
    /// ``census(of:windowFrom:on:)``. On PostgreSQL each id's bytes are taken once, in a subquery
    /// kept apart by `OFFSET 0` (inlined, `uuid_send` ran three times a row), and grouped by an
    /// expression of the subquery's column, for which the planner assumes 200 groups and hashes
    /// (grouped by an expression of `id`, it assumed one group per row and sorted the window, on
    /// disk past `work_mem`): about 50 ms against 90-110 ms over a 100,000-row window, under
    /// load, where the census took 80-100 ms.
    func windowBuckets(of companyID: UUID, since: Date, on db: any Database) async throws -> CandidateWindowBuckets {
        let (_, updatedAt, stamp) = Self.windowExpressions(on: db)
        let company = Candidate.column(\.$companyID).string
        let query: SQLQueryString
        if db is any PostgresDatabase {
            let key = "(get_byte(x, 1) * 256 + get_byte(x, 2))"
            query = """
                SELECT get_byte(x, 0) AS b, COUNT(*) AS window_n, CAST(SUM(s % 4294967296) AS BIGINT) AS stamp_low, \
                CAST(SUM(s / 4294967296) AS BIGINT) AS stamp_high, CAST(SUM(\(unsafeRaw: key)) AS BIGINT) AS id_sum, \
                CAST(SUM((s % 65536) * \(unsafeRaw: key)) AS BIGINT) AS mixed \
                FROM (SELECT \(stamp) AS s, uuid_send(\(ident: Candidate.column(\.$id).string)) AS x FROM \(ident: Candidate.schema) \
                WHERE \(ident: company) = \(bind: companyID) AND \(ident: updatedAt) >= \(bind: since) OFFSET 0) AS w GROUP BY 1
                """
        } else {
            let (bucket, key) = Self.idBucketExpressions(on: db)
            query = """
                SELECT b, COUNT(*) AS window_n, CAST(SUM(s % 4294967296) AS BIGINT) AS stamp_low, CAST(SUM(s / 4294967296) AS BIGINT) AS stamp_high, \
                CAST(SUM(k) AS BIGINT) AS id_sum, CAST(SUM((s % 65536) * k) AS BIGINT) AS mixed \
                FROM (SELECT \(stamp) AS s, \(key) AS k, \(bucket) AS b FROM \(ident: Candidate.schema) \
                WHERE \(ident: company) = \(bind: companyID) AND \(ident: updatedAt) >= \(bind: since)) AS w GROUP BY b
                """
        }
        var buckets = CandidateWindowBuckets()
        for row in try await db.sql.raw(query).all() {
            buckets.set(bucket: try row.decode(column: "b", as: Int.self), summary: try Self.windowSummary(row))
        }
        return buckets
    }

    /// The `CandidateWindowSummary` of a row with the columns `window_n`, `stamp_low`,
    /// `stamp_high`, `id_sum` and `mixed`.
    private static func windowSummary(_ row: any SQLRow) throws -> CandidateWindowSummary {
        CandidateWindowSummary(
            count: try row.decode(column: "window_n", as: Int.self), stampLow: try row.decode(column: "stamp_low", as: Int.self),
            stampHigh: try row.decode(column: "stamp_high", as: Int.self), idSum: try row.decode(column: "id_sum", as: Int.self),
            mixed: try row.decode(column: "mixed", as: Int.self)
        )
    }

    /// The names of `id` and `updated_at`, and the SQL of a candidate's stamp
    /// (`CandidateWindowRow.stamp`: `updated_at` in whole microseconds since 1970): exact on
    /// PostgreSQL (a `timestamptz` holds whole microseconds; `date_part`'s `double` of seconds,
    /// times a million, is within half a microsecond of them before 2038 and the cast rounds to
    /// the nearest: it agreed with the exact `numeric` of `EXTRACT` on 100,000 rows, in two thirds
    /// of the time; a stamp off by one could only make the summaries differ, and the rows be read),
    /// truncated on SQLite (where the driver stores a `Double` of seconds since 1970), so that a
    /// stamp is at least a whole second's microseconds exactly when the `updated_at` is at or
    /// after that second (the pool's window starts on a whole second).
    private static func windowExpressions(on db: any Database) -> (id: String, updatedAt: String, stamp: SQLRaw) {
        let updatedAt = Candidate.column(\.$updatedAt)
        let stamp = db is any PostgresDatabase
            ? SQLRaw("CAST(date_part('epoch', \(updatedAt.quotedText)) * 1000000 AS BIGINT)")
            : SQLRaw("CAST(\(updatedAt.quotedText) * 1000000 AS INTEGER)")
        return (Candidate.column(\.$id).string, updatedAt.string, stamp)
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

    /// The most id buckets (`CandidateIDBuckets`) one ``ids(of:inBuckets:on:)`` reads; more
    /// read every id.
    static let maxIDBucketsRead = 64

    /// The SQL of a candidate's id bucket and check value (`CandidateIDBuckets`), from the id's
    /// bytes on PostgreSQL and from the hexadecimal digits of its text on SQLite (where Fluent
    /// stores a UUID as its `uuidString`; either case is read).
    private static func idBucketExpressions(on db: any Database) -> (bucket: any SQLExpression, checkValue: any SQLExpression) {
        let id = Candidate.column(\.$id).quotedText
        if db is any PostgresDatabase {
            let byte = { (index: Int) in "get_byte(uuid_send(\(id)), \(index))" }
            return (SQLRaw(byte(0)), SQLRaw("\(byte(1)) * 256 + \(byte(2))"))
        }
        let digit = { (position: Int) in "((instr('0123456789abcdef0123456789ABCDEF', substr(\(id), \(position), 1)) - 1) % 16)" }
        return (SQLRaw("\(digit(1)) * 16 + \(digit(2))"),
                SQLRaw("\(digit(3)) * 4096 + \(digit(4)) * 256 + \(digit(5)) * 16 + \(digit(6))"))
    }

    /// The smallest id in the bucket: its first byte, then zeros. Ids sort bytewise on both
    /// databases (PostgreSQL compares `uuid`s as 16 bytes; SQLite compares the upper-case text,
    /// whose hexadecimal digits and dashes keep that order).
    private static func firstID(inBucket bucket: Int) -> UUID {
        UUID(uuid: (UInt8(bucket), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))
    }

    /// The condition "the id is in one of `buckets`" (`CandidateIDBuckets`) as ranges of ids
    /// (which the primary key serves), or nil when `buckets` is empty.
    private static func idRanges(ofBuckets buckets: [Int]) -> (any SQLExpression)? {
        guard !buckets.isEmpty else { return nil }
        let id = SQLColumn(Candidate.column(\.$id))
        let ranges = buckets.map { bucket -> any SQLExpression in
            let from = SQLBinaryExpression(id, .greaterThanOrEqual, SQLBind(Self.firstID(inBucket: bucket)))
            guard bucket < 255 else { return from }
            return SQLGroupExpression(SQLBinaryExpression(from, .and, SQLBinaryExpression(id, .lessThan, SQLBind(Self.firstID(inBucket: bucket + 1)))))
        }
        return SQLGroupExpression(ranges.dropFirst().reduce(ranges[0]) { SQLBinaryExpression($0, .or, $1) })
    }

    /// The company's candidate ids per id bucket (`CandidateIDBuckets`): one pass over the
    /// company's range of the index `candidates_company_updated_idx` (which holds the id),
    /// grouped by bucket (about 40 ms at 100,000 candidates on PostgreSQL).
    func idBuckets(of companyID: UUID, on db: any Database) async throws -> CandidateIDBuckets {
        let (bucket, checkValue) = Self.idBucketExpressions(on: db)
        let rows = try await db.sql.select()
            .column(bucket, as: "bucket")
            .column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")
            .column(SQLFunction("SUM", args: checkValue), as: "check_sum")
            .from(Candidate.schema)
            .where(Candidate.column(\.$companyID), .equal, SQLBind(companyID))
            .groupBy(bucket)
            .all()
        var buckets = CandidateIDBuckets()
        for row in rows {
            buckets.set(bucket: try row.decode(column: "bucket", as: Int.self), count: try row.decode(column: "n", as: Int.self),
                        sum: try row.decode(column: "check_sum", as: Int.self))
        }
        return buckets
    }

    /// The ids of the company's candidates in the id buckets `buckets` (`CandidateIDBuckets`; at most
    /// ``maxIDBucketsRead`` of them, else use ``ids(of:on:)``): ranges of the primary key, so
    /// only the rows of those buckets are read (about 1/256 of the table each).
    func ids(of companyID: UUID, inBuckets buckets: [Int], on db: any Database) async throws -> [UUID] {
        guard let ranges = Self.idRanges(ofBuckets: buckets) else { return [] }
        return try await db.sql.select()
            .column(Candidate.column(\.$id))
            .from(Candidate.schema)
            .where(ranges)
            .where(Candidate.column(\.$companyID), .equal, SQLBind(companyID))
            .all()
            .map { try $0.decode(column: Candidate.column(\.$id).string, as: UUID.self) }
    }

    /// The ids of every candidate of the company (about 16 bytes each; used to find deletions).
    func ids(of companyID: UUID, on db: any Database) async throws -> [UUID] {
        if let postgres = db as? any PostgresDatabase {
            // Typed decoding: SQLKit's by-name decoding took most of the half second this cost at 100,000.
            let (id, company) = (Candidate.column(\.$id).string, Candidate.column(\.$companyID).string)
            let result = try await postgres.query("SELECT \"\(id)\" FROM \"\(Candidate.schema)\" WHERE \"\(company)\" = $1",
                                                  [PostgresData(uuid: companyID)]).get()
            return try result.rows.map { try $0.decode(UUID.self, context: .default) }
        }
        return try await db.sql.select()
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
