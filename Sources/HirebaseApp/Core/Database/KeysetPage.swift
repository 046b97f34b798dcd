import Fluent
import Foundation
import PostgresNIO
import SQLKit

/// One row of a keyset page read straight into a response item: the item, and the
/// `created_at_us` and id the cursor after it is made of.
struct KeysetRow<Item> {
    var item: Item
    /// The row's `created_at_us` (microseconds since 1970).
    var micros: Int64
    var id: UUID
}

/// A list page read without Fluent models: the same page, order and cursor as
/// `QueryBuilder.page(_:)` (newest first by `created_at_us`, ties by id descending, `limit + 1`
/// rows read to tell whether a next page exists), with each row decoded by the caller straight
/// into its response item.
///
/// Why: decoding a row into a Fluent model re-reflects every property wrapper of the model per row
/// (and per query, `Model.init()` for the keys), 35-51% of the CPU of `GET /candidates` at 20 items
/// a page (issue 9). On PostgreSQL the rows are decoded with PostgresNIO's typed decoding; SQLKit's
/// by-name `Codable` decoding (used on SQLite) kept about a tenth of the cost.
///
/// A model with a soft-delete timestamp needs its `deleted_at IS NULL` among `filters`: this
/// helper, unlike Fluent, adds none.
struct KeysetPageQuery<Item>: Sendable {
    /// The table read.
    var table: String
    /// The `created_at_us` column (microseconds since 1970, the list's order).
    var createdAtColumn: String = "created_at_us"
    /// The primary key column (a UUID, the tie-break of the order).
    var idColumn: String = "id"
    /// Conditions every row must meet (joined by `AND`), e.g. the company; bound values may only be
    /// `UUID`, `String`, `Int64`, `Int`, `Double` or `Bool` (the ones the PostgreSQL path converts).
    var filters: [any SQLExpression]
    /// The columns (or expressions) selected on SQLite, read by `decodeSQLRow`.
    var sqliteColumns: [any SQLExpression]
    /// Reads one SQLite row (of `sqliteColumns`).
    var decodeSQLRow: @Sendable (any SQLRow) throws -> KeysetRow<Item>
    /// The columns (or expressions) selected on PostgreSQL, in the order `decodePostgresRow` reads them.
    var postgresColumns: [any SQLExpression]
    /// Reads one PostgreSQL row (of `postgresColumns`), e.g. with `row.decode((UUID, String).self)`.
    var decodePostgresRow: @Sendable (PostgresRow) throws -> KeysetRow<Item>

    /// Reads the page `page` asks for.
    /// - Returns: at most `page.limit` items, newest first, and the cursor after the last one
    ///   (`PageRequest.cursor(micros:id:)`; `nil` on the last page).
    /// - Throws: the driver's errors; `AppError` 500 for a database without SQL or a filter
    ///   binding a type the PostgreSQL path does not convert (programming errors).
    func read(_ page: PageRequest, on db: any Database) async throws -> (items: [Item], nextCursor: String?) {
        let sql = try db.sql
        let postgres = db as? any PostgresDatabase
        var select = sql.select().from(table)
        for column in postgres == nil ? sqliteColumns : postgresColumns { select = select.column(column) }
        for filter in filters { select = select.where(filter) }
        let (createdAt, id) = (SQLColumn(createdAtColumn), SQLColumn(idColumn))
        if let after = page.after {
            // As `QueryBuilder.page`: the first condition bounds the index range.
            select = select.where(createdAt, .lessThanOrEqual, SQLBind(after.micros)).where(group: { group in
                group.where(createdAt, .lessThan, SQLBind(after.micros))
                    .orWhere(group: { $0.where(createdAt, .equal, SQLBind(after.micros)).where(id, .lessThan, SQLBind(after.id)) })
            })
        }
        select = select.orderBy(createdAtColumn, .descending).orderBy(idColumn, .descending).limit(page.limit + 1)

        var rows: [KeysetRow<Item>] = []
        rows.reserveCapacity(page.limit + 1)
        if let postgres {
            var serializer = SQLSerializer(database: sql)
            select.query.serialize(to: &serializer)
            let binds = try serializer.binds.map(Self.postgresData)
            for row in try await postgres.query(serializer.sql, binds).get().rows { rows.append(try decodePostgresRow(row)) }
        } else {
            for row in try await select.all() { rows.append(try decodeSQLRow(row)) }
        }
        let hasMore = rows.count > page.limit
        if hasMore { rows.removeLast(rows.count - page.limit) }
        let next = hasMore ? rows.last.map { PageRequest.cursor(micros: $0.micros, id: $0.id) } : nil
        return (rows.map(\.item), next)
    }

    /// A bound value as PostgreSQL data (the types `filters` and cursors bind).
    private static func postgresData(_ value: any Encodable & Sendable) throws -> PostgresData {
        switch value {
        case let value as UUID: PostgresData(uuid: value)
        case let value as String: PostgresData(string: value)
        case let value as Int64: PostgresData(int64: value)
        case let value as Int: PostgresData(int64: Int64(value))
        case let value as Double: PostgresData(double: value)
        case let value as Bool: PostgresData(bool: value)
        default: throw AppError(.internalServerError, detail: "Internal server error")
        }
    }
}
