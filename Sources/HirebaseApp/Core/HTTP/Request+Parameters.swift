import Foundation
import Vapor

extension Request {
    /// A UUID path parameter.
    /// - Throws: `AppError` 404 when it is not a UUID (no such resource can exist).
    func uuidParameter(_ name: String, what: String = "Resource") throws -> UUID {
        guard let raw = parameters.get(name), let id = UUID(uuidString: raw) else { throw AppError.notFound(what) }
        return id
    }
}
