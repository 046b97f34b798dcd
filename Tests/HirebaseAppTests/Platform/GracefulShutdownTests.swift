import Foundation
import NIOPosix
import Testing
import Vapor
import VaporTesting
@testable import HirebaseApp

@Suite("Graceful shutdown")
struct GracefulShutdownTests {
    // MARK: settings and options

    @Test func drainDefaultsToFiveSecondsInProductionOnly() throws {
        let testing = try AppConfig.load(from: ["HIREBASE_ENV": "testing", "SUPABASE_JWT_SECRET": testJWTSecret]) { _ in "unused" }
        #expect(testing.shutdownDrainSeconds == 0)
        #expect(testing.shutdownGraceSeconds == 20)
        let production = try AppConfig.load(from: [
            "HIREBASE_ENV": "production", "SUPABASE_JWT_SECRET": testJWTSecret,
            "DATABASE_URL": "postgres://u:p@db.internal:5432/hirebase", "PUBLIC_APP_URL": "https://app.example.com",
        ]) { _ in "unused" }
        #expect(production.shutdownDrainSeconds == 5)
        let set = try AppConfig.load(from: [
            "HIREBASE_ENV": "testing", "SUPABASE_JWT_SECRET": testJWTSecret,
            "SHUTDOWN_DRAIN_SECONDS": "2.5", "SHUTDOWN_GRACE_SECONDS": "7",
        ]) { _ in "unused" }
        #expect(set.shutdownDrainSeconds == 2.5)
        #expect(set.shutdownGraceSeconds == 7)
    }

    @Test func badShutdownSettingsAreReportedTogether() {
        #expect {
            _ = try AppConfig.load(from: [
                "HIREBASE_ENV": "testing", "SUPABASE_JWT_SECRET": testJWTSecret,
                "SHUTDOWN_DRAIN_SECONDS": "-1", "SHUTDOWN_GRACE_SECONDS": "soon",
            ]) { _ in "unused" }
        } throws: { error in
            let problems = (error as? ConfigurationError)?.problems ?? []
            return problems.contains { $0.hasPrefix("SHUTDOWN_DRAIN_SECONDS") } && problems.contains { $0.hasPrefix("SHUTDOWN_GRACE_SECONDS") }
        }
    }

    private func plan(_ arguments: String...) throws -> GracefulServeCommand.Plan {
        var input = CommandInput(arguments: ["hirebase"] + arguments)
        let signature = try GracefulServeCommand.Signature(from: &input)
        return try GracefulServeCommand.plan(signature, drainDefault: 5, graceDefault: 20)
    }

    @Test func serveOptionsKeepVaporsAndAddTheShutdownBounds() throws {
        #expect(try plan() == .init(address: nil, drainSeconds: 5, graceSeconds: 20))
        #expect(try plan("--hostname", "0.0.0.0", "--port", "9000")
            == .init(address: .hostname("0.0.0.0", port: 9000), drainSeconds: 5, graceSeconds: 20))
        #expect(try plan("-p", "9001") == .init(address: .hostname(nil, port: 9001), drainSeconds: 5, graceSeconds: 20))
        #expect(try plan("--bind", "127.0.0.1:8081", "--drain-seconds", "0", "--grace-seconds", "2.5")
            == .init(address: .hostname("127.0.0.1", port: 8081), drainSeconds: 0, graceSeconds: 2.5))
        #expect(try plan("--unix-socket", "/tmp/hirebase.sock").address == .unixDomainSocket(path: "/tmp/hirebase.sock"))
    }

    @Test func contradictoryOrOutOfRangeServeOptionsAreRefused() {
        #expect(throws: CommandUsageError.self) { try plan("--bind", "127.0.0.1:8081", "--port", "9000") }
        #expect(throws: CommandUsageError.self) { try plan("--unix-socket", "/tmp/s", "--hostname", "h") }
        #expect(throws: CommandUsageError.self) { try plan("--bind", "127.0.0.1") }
        #expect(throws: CommandUsageError.self) { try plan("--bind", "host:port") }
        #expect(throws: CommandUsageError.self) { try plan("--port", "70000") }
        #expect(throws: CommandUsageError.self) { try plan("--drain-seconds", "301") }
        #expect(throws: CommandUsageError.self) { try plan("--grace-seconds", "3601") }
    }

    // MARK: the drain as a load balancer sees it

    @Test func readinessIs503WhileDrainingAndRequestsAreStillServed() async throws {
        try await withHirebase(on: .sqlite) { app in
            let before = try await app.send(.GET, "/health/ready")
            #expect(before.status == .ok)
            #expect(!before.headers[.connection].contains("close"))

            app.shutdownState.beginDraining(drain: .seconds(30), grace: .seconds(5))

            let ready = try await app.send(.GET, "/health/ready")
            #expect(ready.status == .serviceUnavailable)
            #expect(ready["status"] == "draining")
            #expect((ready.json["checks"] as? [String: Any])?["shutdown"] as? [String: String] != nil)
            #expect(ready.headers.first(name: "Retry-After") == nil)
            // Still serving, but asking keep-alive clients (a proxy's pool) to go away.
            let live = try await app.send(.GET, "/companies", as: TestUser())
            #expect(live.status == .ok)
            #expect(live.headers[.connection].contains("close"))
        }
    }

    @Test func stoppingEndsTheDrainAndKeepsTheEarlierGraceDeadline() {
        let state = ShutdownState()
        #expect(state.phase == .serving && state.graceDeadline == nil)
        #expect(state.beginDraining(drain: .seconds(10), grace: .seconds(60)))
        #expect(!state.beginDraining(drain: .seconds(1), grace: .seconds(1)))
        let deadline = state.graceDeadline
        state.beginStopping(grace: .seconds(5))
        #expect(state.phase == .stopping)
        #expect(state.drainSecondsLeft == 0)
        #expect(state.graceDeadline! < deadline!)
        #expect(state.graceDeadline! <= ContinuousClock.now + .seconds(5))
    }

    // MARK: a real server stopped as by SIGTERM

    @Test func inFlightRequestsAreAnsweredAndNewConnectionsRefusedAfterTheDrain() async throws {
        try await withHirebase(on: .sqlite, setUp: { app in
            app.get("slow") { _ async throws -> String in
                try await Task.sleep(for: .milliseconds(1500))
                return "done"
            }
        }) { app in
            let command = GracefulServeCommand(exitsWhenOverdue: false)
            let plan = GracefulServeCommand.Plan(address: .hostname("127.0.0.1", port: 0), drainSeconds: 1, graceSeconds: 10)
            try await command.start(app, plan: plan)
            let port = try #require(app.http.server.shared.localAddress?.port)
            let base = "http://127.0.0.1:\(port)"

            async let slow = app.client.get(URI(string: "\(base)/slow"))
            try await Task.sleep(for: .milliseconds(300))
            command.requestStop(app, plan: plan)

            let draining = try await app.client.get(URI(string: "\(base)/health/ready"))
            #expect(draining.status == .serviceUnavailable)
            let answered = try await slow
            #expect(answered.status == .ok)
            #expect(answered.body.map { String(buffer: $0) } == "done")

            try await app.running?.onStop.get()
            #expect(app.shutdownState.phase == .stopping)
            // A plain connect: the HTTP client would retry a refused connection until its timeout.
            await #expect(throws: (any Error).self) {
                let channel = try await ClientBootstrap(group: app.eventLoopGroup).connect(host: "127.0.0.1", port: port).get()
                try await channel.close()
            }
        }
    }

    @Test func stoppingIsBoundedByTheGrace() async throws {
        try await withHirebase(on: .sqlite, setUp: { app in
            app.get("stuck") { _ async throws -> String in
                try await Task.sleep(for: .seconds(4))
                return "late"
            }
        }) { app in
            let command = GracefulServeCommand(exitsWhenOverdue: false)
            let plan = GracefulServeCommand.Plan(address: .hostname("127.0.0.1", port: 0), drainSeconds: 0, graceSeconds: 0.5)
            try await command.start(app, plan: plan)
            let port = try #require(app.http.server.shared.localAddress?.port)

            async let stuck = try? app.client.get(URI(string: "http://127.0.0.1:\(port)/stuck"))
            try await Task.sleep(for: .milliseconds(300))
            let started = ContinuousClock.now
            command.requestStop(app, plan: plan)
            try await app.running?.onStop.get()
            #expect(started.duration(to: .now) < .seconds(3))
            _ = await stuck
        }
    }
}
