import Foundation
import NIOConcurrencyHelpers
import Vapor

/// A tiny Vapor app on 127.0.0.1 and a free port: the test double of an HTTP service (e-mail
/// API, JWKS). Never reaches beyond loopback.
final class LoopbackServer: Sendable {
    let app: Application
    let port: Int

    var baseURL: URL { URL(string: "http://127.0.0.1:\(port)")! }

    private init(app: Application, port: Int) {
        self.app = app
        self.port = port
    }

    /// Starts a server with the routes `routes` installs.
    static func start(_ routes: (Application) throws -> Void) async throws -> LoopbackServer {
        let app = try await Application.make(.testing)
        app.logger.logLevel = .critical
        app.http.server.configuration.hostname = "127.0.0.1"
        app.http.server.configuration.port = 0
        try routes(app)
        try await app.server.start(address: .hostname("127.0.0.1", port: 0))
        guard let port = app.http.server.shared.localAddress?.port else {
            try await app.asyncShutdown()
            throw Abort(.internalServerError, reason: "loopback server has no port")
        }
        return LoopbackServer(app: app, port: port)
    }

    func stop() async throws {
        await app.server.shutdown()
        try await app.asyncShutdown()
    }
}

/// A thread-safe list of what a test double received.
final class Recorder<Value: Sendable>: Sendable {
    private let box = NIOLockedValueBox<[Value]>([])
    func append(_ value: Value) { box.withLockedValue { $0.append(value) } }
    var values: [Value] { box.withLockedValue { $0 } }
}

/// A counter the test double uses to script its answers (fail first, then succeed).
final class Counter: Sendable {
    private let box = NIOLockedValueBox(0)
    /// Increments and returns the new value.
    func next() -> Int { box.withLockedValue { $0 += 1; return $0 } }
    var value: Int { box.withLockedValue { $0 } }
}
