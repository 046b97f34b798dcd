import Fluent
import Foundation

/// Every query of AI runs.
struct AIRunStore: Sendable {
    /// Inserts `run`.
    func create(_ run: AIRun, on db: any Database) async throws {
        try await run.create(on: db)
    }

    /// One page of a company's runs, newest first, of one purpose when `purpose` is given.
    func page(companyID: UUID, purpose: AIRun.Purpose?, _ page: PageRequest, on db: any Database) async throws -> (items: [AIRun], nextCursor: String?) {
        var query = AIRun.query(on: db).filter(\.$companyID == companyID)
        if let purpose { query = query.filter(\.$purpose == purpose) }
        return try await query.page(page)
    }
}

extension AIRun: CreationOrdered {
    static var createdAtMicrosKey: KeyPath<AIRun, FieldProperty<AIRun, Int64>> { \.$createdAtMicros }
}
