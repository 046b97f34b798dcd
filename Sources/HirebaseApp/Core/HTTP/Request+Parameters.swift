import Foundation
import Vapor

extension Request {
    /// A UUID path parameter.
    /// - Parameters:
    ///   - name: the route's parameter name (`":jobID"` -> `"jobID"`).
    ///   - what: the resource named in the 404's detail.
    /// - Throws: `AppError` 404 when it is not a UUID (no such resource can exist; `API.md` §
    ///   Conventions: a path id that is not a UUID is 404, never 400).
    func uuidParameter(_ name: String, what: String = "Resource") throws -> UUID {
        guard let raw = parameters.get(name), let id = UUID(uuidString: raw) else { throw AppError.notFound(what) }
        return id
    }
}
