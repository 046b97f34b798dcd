import Foundation
import Vapor

/// `GET /ai-runs?companyId=&purpose=&limit=&cursor=` (members, any role): a company's AI runs,
/// newest first (`API.md` § AI assistance).
struct AIRunsController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("ai-runs", use: list)
    }

    /// The query of the list.
    struct ListQuery: Content {
        var companyId: UUID?
        /// `assessment_generation` or `answer_grading`.
        var purpose: String?
        var limit: Int?
        var cursor: String?
    }

    /// - Throws: 400 missing `companyId`, unknown `purpose`, bad `limit`/`cursor`; 404 not a
    ///   member of the company.
    @Sendable
    func list(req: Request) async throws -> Page<AIRunDTO> {
        let query = try req.query.decode(ListQuery.self)
        let page = try PageRequest(limit: query.limit, cursor: query.cursor)
        guard let companyID = query.companyId else { throw AppError.invalidField("companyId", "is required") }
        var purpose: AIRun.Purpose?
        if let raw = query.purpose {
            guard let known = AIRun.Purpose(rawValue: raw) else {
                throw AppError.invalidField("purpose", "must be one of \(AIRun.Purpose.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            purpose = known
        }
        try await req.requireMember(of: companyID, atLeast: .viewer)
        let (items, next) = try await req.hirebase.aiRuns.list(companyID: companyID, purpose: purpose, page: page, on: req.db)
        return Page(items: items.map { $0.toDTO() }, nextCursor: next)
    }
}
