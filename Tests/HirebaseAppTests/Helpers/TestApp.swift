import Fluent
import FluentPostgresDriver
import FluentSQLiteDriver
import Foundation
import JWTKit
import SQLKit
import Testing
import Vapor
import VaporTesting
@testable import HirebaseApp

/// A plans file whose free plan has no limits.
let unmeteredPlansFile = Bundle.module.path(forResource: "plans-unmetered", ofType: "json", inDirectory: "Fixtures") ?? "missing-plans-unmetered.json"

/// The secret test tokens are signed with.
let testJWTSecret = "test-secret-0123456789-0123456789-abcdef"

/// Runs `body` against a fresh, migrated Hirebase on `database` (in-memory SQLite, or a private
/// schema of the test PostgreSQL that is dropped afterwards), without background jobs.
///
/// - Parameters:
///   - environment: extra configuration variables (`HIREBASE_ENV=testing` and the JWT secret
///     are set already).
///   - overrides: collaborators that replace the live ones (clock, resolver, fetcher, e-mail),
///     given to `configure` so that the services are built with them.
///   - setUp: runs after `configure`, before the app boots (add routes, seed rows).
func withHirebase(
    on database: TestDatabase,
    environment: [String: String] = [:],
    overrides: ServiceOverrides = ServiceOverrides(),
    setUp: (Application) async throws -> Void = { _ in },
    _ body: (Application) async throws -> Void
) async throws {
    // Feature tests run without rate limits (rate-limit tests pass their own RATE_LIMITS), and
    // unmetered (a free plan without limits) so that plan limits do not get
    // in their way; billing tests pass `"PLANS_FILE": ""` to get the shipped plans.
    var variables = ["HIREBASE_ENV": "testing", "SUPABASE_JWT_SECRET": testJWTSecret, "LOG_LEVEL": "warning",
                     "PLANS_FILE": unmeteredPlansFile, "RATE_LIMITS": "read=off,write=off,costly=off,anonymous=off"]
    variables.merge(environment) { $1 }
    let config = try AppConfig.load(from: variables) { _ in "unused" }
    let app = try await Application.make(.testing)
    var schema: String?
    do {
        let factory: (DatabaseConfigurationFactory, DatabaseID)
        switch database {
        case .sqlite:
            factory = (.sqlite(.memory), .sqlite)
        case .postgres(let url):
            let name = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
            schema = name
            var configuration = try SQLPostgresConfiguration(url: url)
            configuration.searchPath = [name]
            // The server's own pool and deadlines (DATABASE_* settings), on the test's schema.
            factory = (DatabaseSetup.postgres(configuration, limits: config.databaseLimits), .psql)
        case .postgresMissingInCI:
            Issue.record("CI=true but TEST_DATABASE_URL is not set: the PostgreSQL suite must run in CI")
            try await app.asyncShutdown()
            return
        }
        try await configure(app, config: config, database: factory, migrate: false, backgroundJobs: false, overrides: overrides)
        if let schema { try await (app.db as! any SQLDatabase).raw("CREATE SCHEMA \(ident: schema)").run() }
        try await app.autoMigrate()
        try await setUp(app)
        try await body(app)
    } catch {
        try await cleanUp(app, schema: schema)
        throw error
    }
    try await cleanUp(app, schema: schema)
}

private func cleanUp(_ app: Application, schema: String?) async throws {
    if let schema { try? await (app.db as! any SQLDatabase).raw("DROP SCHEMA \(ident: schema) CASCADE").run() }
    try await app.asyncShutdown()
}

/// A test user with a valid HS256 access token.
struct TestUser: Sendable {
    var id = UUID()
    var email: String
    var admin = false

    init(_ name: String = "user", admin: Bool = false) {
        email = "\(name)-\(UUID().uuidString.prefix(6).lowercased())@example.com"
        self.admin = admin
    }

    /// A valid token for this user (or one with changed claims).
    func token(expiresIn: TimeInterval = 3600, audience: [String] = ["authenticated"], secret: String = testJWTSecret) async throws -> String {
        let claims = SupabaseClaims(sub: id.uuidString.lowercased(), exp: Date().addingTimeInterval(expiresIn), aud: audience,
                                    iss: nil, email: email, appRole: admin ? "admin" : nil, issuedAt: Date())
        return try await signHS256(claims, secret: secret)
    }

    func headers(_ extra: HTTPHeaders = [:]) async throws -> HTTPHeaders {
        var headers = extra
        headers.bearerAuthorization = BearerAuthorization(token: try await token())
        return headers
    }
}

/// Signs claims with HS256 and a `kid`, as Supabase does.
func signHS256(_ claims: some JWTPayload, secret: String, kid: String = "supabase-kid") async throws -> String {
    let keys = await JWTKeyCollection().add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
    return try await keys.sign(claims, header: ["kid": .string(kid)])
}

extension Application {
    /// Sends a request with an optional JSON body, in memory or (`overNetwork`) through a real
    /// server on a loopback port, where body limits apply as in production.
    ///
    /// Every response is checked against openapi.json (``checkAgainstDocument(_:method:path:sourceLocation:)``):
    /// one the document does not describe records an issue at the caller. There is no opt-out:
    /// a request to a path or method the document lacks (a test route, an unknown path) passes
    /// as undocumented, and every other response must be one the document describes.
    func send(_ method: HTTPMethod, _ path: String, as user: TestUser? = nil, headers: HTTPHeaders = [:], json: (any Encodable)? = nil, raw: String? = nil, overNetwork: Bool = false,
              sourceLocation: SourceLocation = #_sourceLocation) async throws -> TestingHTTPResponse {
        var headers = headers
        if let user { headers.bearerAuthorization = BearerAuthorization(token: try await user.token()) }
        var body: ByteBuffer?
        if let json {
            body = ByteBuffer(data: try JSONEncoder().encode(json))
            if !headers.contains(name: .contentType) { headers.contentType = .json }
        } else if let raw {
            body = ByteBuffer(string: raw)
            if !headers.contains(name: .contentType) { headers.contentType = .json }
        }
        let response = try await testing(method: overNetwork ? .running(hostname: "127.0.0.1", port: 0) : .inMemory).sendRequest(method, path, headers: headers, body: body)
        checkAgainstDocument(response, method: method, path: path, sourceLocation: sourceLocation)
        return response
    }
}

/// Checks a response against openapi.json (``OpenAPIValidator/shared``) and records an issue at
/// `sourceLocation`, naming method, path, status and every problem, when the document does not
/// describe it. A response to a method and path that no operation of the document has (a test
/// route, an unknown path, a 405) cannot be checked: it passes, and is counted as undocumented.
///
/// When `OPENAPI_RESPONSE_LOG` names a file, one line per response is appended to it
/// (`valid`, `undocumented` or `invalid`, then method, path and status), to count them.
func checkAgainstDocument(_ response: TestingHTTPResponse, method: HTTPMethod, path: String, sourceLocation: SourceLocation = #_sourceLocation) {
    let status = Int(response.status.code)
    let summary = "\(method.rawValue) \(path) \(status)"
    guard let validator = OpenAPIValidator.shared.validator else {
        Issue.record("OpenAPI: \(OpenAPIValidator.shared.problem ?? "no document")", sourceLocation: sourceLocation)
        return
    }
    let outcome = validator.check(method: method.rawValue, target: path, status: status,
                                  headers: response.headers.map { (name: $0.name, value: $0.value) }, body: Data(buffer: response.body))
    switch outcome {
    case .valid:
        logContractCheck("valid \(summary)")
    case .undocumented(let reason):
        logContractCheck("undocumented \(summary) (\(reason))")
    case .invalid(let problems):
        logContractCheck("invalid \(summary)")
        let message = "OpenAPI: \(summary) is not what the document describes:\n" + problems.map { "  - " + $0 }.joined(separator: "\n")
        Issue.record(Comment(rawValue: message), sourceLocation: sourceLocation)
    }
}

/// Appends `line` to the file named by `OPENAPI_RESPONSE_LOG`, if any.
private func logContractCheck(_ line: String) {
    guard let path = ProcessInfo.processInfo.environment["OPENAPI_RESPONSE_LOG"] else { return }
    let data = Data((line + "\n").utf8)
    // O_APPEND: lines of tests running in parallel do not overwrite one another.
    let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT, 0o644)
    guard descriptor >= 0 else { return }
    _ = data.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
    close(descriptor)
}

extension TestingHTTPResponse {
    /// The body as a JSON object.
    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any] ?? [:]
    }

    /// A string member of the JSON body.
    subscript(_ key: String) -> String? { json[key] as? String }

    /// The contract's error code.
    var code: String? { self["code"] }
}

/// Arbitrary JSON for request bodies.
struct JSON: Encodable, @unchecked Sendable {
    let value: Any
    init(_ value: Any) { self.value = value }

    func encode(to encoder: any Encoder) throws {
        let data = try JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed])
        let any = try JSONDecoder().decode(AnyCodable.self, from: data)
        try any.encode(to: encoder)
    }
}

private enum AnyCodable: Codable {
    case string(String), number(Double), bool(Bool), null, array([AnyCodable]), object([String: AnyCodable])

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let n = try? c.decode(Double.self) { self = .number(n) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([AnyCodable].self) { self = .array(a) }
        else { self = .object(try c.decode([String: AnyCodable].self)) }
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .string(let s): try c.encode(s)
        case .number(let n):
            if n == n.rounded(), abs(n) < 1e15 { try c.encode(Int64(n)) } else { try c.encode(n) }
        case .bool(let b): try c.encode(b)
        case .null: try c.encodeNil()
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }
}
