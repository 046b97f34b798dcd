import Testing
import Vapor
@testable import HirebaseApp

@Suite("Bearer token of the Authorization header")
struct BearerTokenTests {
    /// The fast reading answers what Vapor's `bearerAuthorization?.token` answers.
    @Test(arguments: [
        "Bearer abc.def.ghi", "bearer abc", "BEARER abc", "BeArEr abc", "Bearer  abc", " Bearer abc ", "Bearer", "Bearer ",
        "Bearer a b", "Basic abc", "Bearerabc", "Bearer\tabc", "Bear abc", "Bearers abc", "", " ", "Bearer é", "Bearér abc",
        "Bearer \u{301}abc", "Bearer abc\u{301}", "Bearer a\u{00A0}b", "Bearer \r\nabc", "bearer x y z",
    ])
    func agreesWithVapor(value: String) {
        var headers = HTTPHeaders()
        headers.add(name: .authorization, value: value)
        #expect(headers.bearerToken == headers.bearerAuthorization?.token)
    }

    @Test func noHeaderNoToken() {
        #expect(HTTPHeaders().bearerToken == nil)
        var two = HTTPHeaders()
        two.add(name: .authorization, value: "Bearer first")
        two.add(name: .authorization, value: "Bearer second")
        #expect(two.bearerToken == "first")
        #expect(two.bearerToken == two.bearerAuthorization?.token)
    }
}
