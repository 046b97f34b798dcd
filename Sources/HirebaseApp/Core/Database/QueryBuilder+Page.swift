import Fluent
import Foundation

/// A model listed newest first with cursors: it keeps its creation time in exact microseconds.
protocol CreationOrdered: Model where IDValue == UUID {
    var createdAtMicros: Int64 { get }
    static var createdAtMicrosKey: KeyPath<Self, FieldProperty<Self, Int64>> { get }
}

extension QueryBuilder where Model: CreationOrdered {
    /// One page, newest first (ties by id), after the cursor of `page`: a keyset page, which
    /// reads about `limit` rows of the `(scope, created_at_us)` index however deep the cursor.
    /// - Returns: the items and the cursor of the next page (`nil` on the last one).
    func page(_ page: PageRequest) async throws -> (items: [Model], nextCursor: String?) {
        let createdAt = Model.createdAtMicrosKey
        var builder = self
        if let after = page.after {
            // The first condition is redundant for the answer but bounds the index range: with
            // the `OR` alone PostgreSQL read the index from the newest row and filtered (190,001
            // rows read for a page deep in 200,000, 41 ms, against 22 rows and 0.06 ms with it).
            builder = builder.filter(createdAt <= after.micros).group(.or) { group in
                group.filter(createdAt < after.micros)
                    .group(.and) { $0.filter(createdAt == after.micros).filter(\._$id < after.id) }
            }
        }
        let rows = try await builder.sort(createdAt, .descending).sort(\._$id, .descending).limit(page.limit + 1).all()
        let items = Array(rows.prefix(page.limit))
        let next: String? = rows.count > page.limit ? items.last.flatMap { last in last.id.map { PageRequest.cursor(micros: last.createdAtMicros, id: $0) } } : nil
        return (items, next)
    }
}

extension Assessment: CreationOrdered {
    static var createdAtMicrosKey: KeyPath<Assessment, FieldProperty<Assessment, Int64>> { \.$createdAtMicros }
}

extension Job: CreationOrdered {
    static var createdAtMicrosKey: KeyPath<Job, FieldProperty<Job, Int64>> { \.$createdAtMicros }
}

extension JobApplication: CreationOrdered {
    static var createdAtMicrosKey: KeyPath<JobApplication, FieldProperty<JobApplication, Int64>> { \.$createdAtMicros }
}
