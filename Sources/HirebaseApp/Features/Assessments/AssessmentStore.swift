import Fluent
import Foundation

/// Every query of the assessments feature.
struct AssessmentStore: Sendable {
    /// The assessment with `id`, if any.
    func find(_ id: UUID, on db: any Database) async throws -> Assessment? {
        try await Assessment.find(id, on: db)
    }

    /// Inserts `assessment`.
    func create(_ assessment: Assessment, on db: any Database) async throws {
        try await assessment.create(on: db)
    }

    /// One page of a company's assessments, newest first.
    func page(companyID: UUID, _ page: PageRequest, on db: any Database) async throws -> (items: [Assessment], nextCursor: String?) {
        try await Assessment.query(on: db).filter(\.$companyID == companyID).page(page)
    }
}
