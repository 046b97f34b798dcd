import Fluent
import Foundation

/// Every query of the scraping feature (the saved job is written by `JobService`).
struct ScrapeStore: Sendable {
    /// The roles `userID` holds, one per company.
    func roles(of userID: UUID, on db: any Database) async throws -> [CompanyRole] {
        try await CompanyMember.query(on: db).filter(\.$userID == userID).all().map(\.role)
    }
}
