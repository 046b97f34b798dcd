import Foundation
import NIOConcurrencyHelpers
import NIOPosix
import Testing
import Vapor
import VaporTesting
@testable import HirebaseApp

/// Issue 7 § 3: `getaddrinfo` blocks; on the thread pool the SQLite driver uses, a few slow
/// lookups stalled the database for everyone.
@Suite("Name resolution: its own bounded pool, a timeout, and the database unaffected")
struct NameResolutionTests {
    /// A lookup that blocks its thread until the test releases it, as a hung name server does.
    final class HangingLookups: Sendable {
        private let gate = DispatchSemaphore(value: 0)
        private let started = NIOLockedValueBox(0)
        var count: Int { started.withLockedValue { $0 } }

        func lookup(_ host: String, _ port: Int) throws -> [IPAddress] {
            started.withLockedValue { $0 += 1 }
            gate.wait()
            throw HostResolutionError(code: -2, message: "released")
        }

        func releaseAll(_ count: Int) { for _ in 0..<count { gate.signal() } }
    }

    @Test func hangingLookupsTimeOutAndTheDatabaseKeepsAnswering() async throws {
        let hanging = HangingLookups()
        let pool = SystemHostResolver.makeThreadPool(threads: 3)
        let resolver = SystemHostResolver(threadPool: pool, maxConcurrentLookups: 3, timeout: .milliseconds(600), lookup: hanging.lookup)
        try await withHirebase(on: .sqlite, overrides: ServiceOverrides(hostResolver: resolver)) { app in
            let scenario = try await Scenario.make(app)
            // Six scrapes at once: three hold every resolver slot, three are refused at once.
            let scrapes = Task {
                try await withThrowingTaskGroup(of: HTTPResponseStatus.self) { group in
                    for index in 0..<6 {
                        group.addTask {
                            try await app.send(.POST, "/scrape", as: scenario.recruiter, json: JSON(["url": "https://slow-\(index).example/job"])).status
                        }
                    }
                    return try await group.reduce(into: [HTTPResponseStatus]()) { $0.append($1) }
                }
            }
            // Meanwhile requests that need the database are answered.
            for index in 0..<20 {
                let made = try await app.send(.POST, "/candidates", as: scenario.recruiter,
                                              json: JSON(["companyId": scenario.companyID, "email": "c\(index)@example.com", "name": "C \(index)", "skills": ["Swift"]]))
                #expect(made.status == .created)
            }
            let statuses = try await scrapes.value
            #expect(statuses.filter { $0 == .gatewayTimeout }.count == 3)
            #expect(statuses.filter { $0 == .serviceUnavailable }.count == 3)
            #expect(hanging.count == 3)
            // The slots stay taken until the blocked calls really return.
            let stillBusy = try await app.send(.POST, "/scrape", as: scenario.recruiter, json: JSON(["url": "https://another.example/job"]))
            #expect(stillBusy.status == .serviceUnavailable)
            #expect(stillBusy.headers.first(name: "Retry-After") == "5")
            hanging.releaseAll(3)
            try await Task.sleep(for: .milliseconds(200))
            #expect(resolver.slots.count == 0)
        }
        try await pool.shutdownGracefully()
    }
}
