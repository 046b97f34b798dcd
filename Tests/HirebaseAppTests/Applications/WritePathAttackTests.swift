import BillingCore
import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting
@testable import HirebaseApp

/// Attacks on the one-statement write paths of issue 9 (job moves, subscription webhooks,
/// candidate creation): concurrent bursts and hostile values, each outcome held to what the
/// checked path (the code before the rewrite) gave.
@Suite("Issue 9 write paths under attack")
struct WritePathAttackTests {
    private func act(_ app: Application, _ scenario: Scenario, _ body: [String: Any], as user: TestUser? = nil) async throws -> TestingHTTPResponse {
        let actor = user ?? scenario.recruiter
        let token = try await scenario.csrf(app, for: actor)
        return try await app.send(.POST, "/job-action", as: actor, headers: ["X-CSRF-Token": token], json: JSON(body))
    }

    /// Notes and reasons full of what could break JSON built in SQL (quotes, brackets, a JSON
    /// path, SQL, backslashes, line and paragraph separators, control characters, astral
    /// characters, at the length limit) are bound, and the stored history is valid JSON that
    /// reads back equal, through the one statement and then through the checked path on top.
    @Test(arguments: TestDatabase.all)
    func hostileNotesInTheSQLBuiltHistoryReadBackEqual(database: TestDatabase) async throws {
        try await withHirebase(on: database) { app in
            let scenario = try await Scenario.make(app)
            let job = try await scenario.job(app)
            let jobID = try #require(UUID(uuidString: job))
            let hostile = "\"}]}', '$.items[#]', '{}'); DROP TABLE jobs; -- \\\" \\u0041 \u{2028}\u{2029} \u{1F}\u{7F} ü 😀 {\"items\":[]} $[0] </script> a/b \u{FEFF}\u{85}\u{200B} 𝔘 \u{10FFFF}"
            let long = String(repeating: "😀\"", count: 2000)
            let longReason = String(repeating: "😀\"", count: 500)
            let published = try await act(app, scenario, ["jobId": job, "action": "publish", "note": hostile])
            #expect(published.status == .ok)
            let closed = try await act(app, scenario, ["jobId": job, "action": "close", "note": long, "reason": hostile])
            #expect(closed.status == .ok)
            // The checked path (archive moves from several statuses) appends to the SQL-written history.
            let archived = try await act(app, scenario, ["jobId": job, "action": "archive", "reason": longReason])
            #expect(archived.status == .ok)

            let row = try #require(try await Job.find(jobID, on: app.db))
            #expect(row.history.items.map(\.to) == ["draft", "open", "closed", "archived"])
            #expect(row.history.items[1].note == hostile)
            #expect(row.history.items[2].note == long)
            #expect(row.history.items[2].reason == hostile)
            #expect(row.history.items.last?.reason == longReason)
            let shown = try await app.send(.GET, "/jobs/\(job)", as: scenario.recruiter)
            let history = try #require(shown.json["history"] as? [[String: Any]])
            #expect(history.map { $0["note"] as? String } == [nil, hostile, long, nil])
            #expect(history.map { $0["reason"] as? String } == [nil, nil, hostile, longReason])
            if !app.db.isPostgres {
                let valid = try await app.db.sql.raw("SELECT json_valid(CAST(history AS TEXT)) AS ok FROM jobs WHERE id = \(bind: jobID)").first()
                #expect(try valid?.decode(column: "ok", as: Int.self) == 1)
            }
        }
    }

    /// On SQLite a history held as a BLOB (an older driver's way of writing JSON) is moved by the
    /// one statement like a TEXT one: the change appended, the answer and later reads equal.
    @Test func aHistoryStoredAsABlobMovesInOneStatement() async throws {
        try await withHirebase(on: .sqlite) { app in
            let scenario = try await Scenario.make(app)
            let job = try await scenario.job(app)
            let jobID = try #require(UUID(uuidString: job))
            try await app.db.sql.raw("UPDATE jobs SET history = CAST(CAST(history AS TEXT) AS BLOB) WHERE id = \(bind: jobID)").run()
            let kind = try await app.db.sql.raw("SELECT typeof(history) AS kind, sqlite_version() AS version FROM jobs WHERE id = \(bind: jobID)").first()
            #expect(try kind?.decode(column: "kind", as: String.self) == "blob")
            let published = try await act(app, scenario, ["jobId": job, "action": "publish", "note": "from a blob"])
            #expect(published.status == .ok)
            let row = try #require(try await Job.find(jobID, on: app.db))
            #expect(row.history.items.map(\.to) == ["draft", "open"])
            #expect(row.history.items.last?.note == "from a blob")
            let shown = try await app.send(.GET, "/jobs/\(job)", as: scenario.recruiter)
            #expect(NSDictionary(dictionary: published.json) == NSDictionary(dictionary: shown.json))
        }
    }

    /// Closes and reopens of one job sent at once: whatever order they run in, the history is one
    /// chain (each change starts where the one before ended), one change per success, and the
    /// version counts the changes.
    @Test(arguments: TestDatabase.all)
    func concurrentClosesAndReopensKeepOneChain(database: TestDatabase) async throws {
        try await withHirebase(on: database) { app in
            let scenario = try await Scenario.make(app)
            let job = try await scenario.job(app)
            #expect(try await act(app, scenario, ["jobId": job, "action": "publish"]).status == .ok)
            var requests: [(HTTPHeaders, String)] = []
            for index in 0..<12 {
                requests.append((try await scenario.recruiter.headers(["X-CSRF-Token": try await scenario.csrf(app)]), index % 2 == 0 ? "close" : "reopen"))
            }
            let statuses = try await withThrowingTaskGroup(of: UInt.self) { group in
                for (headers, action) in requests {
                    group.addTask { try await app.send(.POST, "/job-action", headers: headers, json: JSON(["jobId": job, "action": action])).status.code }
                }
                return try await group.reduce(into: [UInt]()) { $0.append($1) }
            }
            #expect(statuses.allSatisfy { $0 == 200 || $0 == 409 }, "\(statuses)")
            let row = try #require(try await Job.find(UUID(uuidString: job), on: app.db))
            let items = row.history.items
            #expect(items.count == 2 + statuses.filter { $0 == 200 }.count)
            #expect(row.version == items.count - 1)
            for index in 1..<items.count { #expect(items[index].from == items[index - 1].to) }
            #expect(row.status.rawValue == items.last?.to)
        }
    }

    /// Two changes short of the cap, closes, reopens (one statement) and archives (the checked,
    /// version-checked path) of one job sent at once: at most the two changes that fit apply,
    /// the history stays one chain at or under the cap, and the refusals are 409s.
    @Test(arguments: TestDatabase.all)
    func aBurstAtTheCapMixingBothPathsStopsAtTheCap(database: TestDatabase) async throws {
        try await withHirebase(on: database) { app in
            let scenario = try await Scenario.make(app)
            let job = try await scenario.job(app)
            let jobID = try #require(UUID(uuidString: job))
            #expect(try await act(app, scenario, ["jobId": job, "action": "publish"]).status == .ok)
            let filler = StageChange(at: Date(timeIntervalSince1970: 1_700_000_000), actorId: UUID(), from: "open", to: "open")
            let almost = JSONList(items: Array(repeating: filler, count: JSONList<StageChange>.maxChanges - 2))
            try await app.db.sql.update(Job.schema).set("history", to: SQLBind(almost)).where("id", .equal, SQLBind(jobID)).run()
            var requests: [(HTTPHeaders, String)] = []
            for index in 0..<9 {
                let action = ["close", "reopen", "archive"][index % 3]
                requests.append((try await scenario.recruiter.headers(["X-CSRF-Token": try await scenario.csrf(app)]), action))
            }
            let statuses = try await withThrowingTaskGroup(of: UInt.self) { group in
                for (headers, action) in requests {
                    group.addTask {
                        try await app.send(.POST, "/job-action", headers: headers, json: JSON(["jobId": job, "action": action, "reason": "done"])).status.code
                    }
                }
                return try await group.reduce(into: [UInt]()) { $0.append($1) }
            }
            #expect(statuses.allSatisfy { $0 == 200 || $0 == 409 }, "\(statuses)")
            let row = try #require(try await Job.find(jobID, on: app.db))
            let items = row.history.items
            #expect(items.count <= JSONList<StageChange>.maxChanges)
            #expect(items.count == almost.items.count + statuses.filter { $0 == 200 }.count)
            #expect(row.status.rawValue == items.last?.to)
            for index in (almost.items.count)..<items.count { #expect(items[index].from == items[index - 1].to) }
        }
    }

    /// A recruiter removed from the company, or made a viewer, while moves are in flight: every
    /// move that applied was made while the role allowed it, and after the change none applies.
    @Test(arguments: TestDatabase.all)
    func aRoleDowngradeRacingMovesStopsThem(database: TestDatabase) async throws {
        try await withHirebase(on: database) { app in
            let scenario = try await Scenario.make(app)
            let member = try await scenario.addMember(app, role: "recruiter")
            let job = try await scenario.job(app)
            #expect(try await act(app, scenario, ["jobId": job, "action": "publish"]).status == .ok)
            var requests: [(HTTPHeaders, String)] = []
            for index in 0..<10 {
                requests.append((try await member.headers(["X-CSRF-Token": try await scenario.csrf(app, for: member)]), index % 2 == 0 ? "close" : "reopen"))
            }
            let companyID = try #require(UUID(uuidString: scenario.companyID))
            let statuses = try await withThrowingTaskGroup(of: UInt.self) { group in
                for (headers, action) in requests {
                    group.addTask { try await app.send(.POST, "/job-action", headers: headers, json: JSON(["jobId": job, "action": action])).status.code }
                }
                group.addTask {
                    try await app.db.sql.update(CompanyMember.schema).set("role", to: SQLBind("viewer"))
                        .where("company_id", .equal, SQLBind(companyID)).where("user_id", .equal, SQLBind(member.id)).run()
                    return 1200
                }
                return try await group.reduce(into: [UInt]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 >= 1000 }.allSatisfy { $0 == 1200 }, "\(statuses)")
            #expect(statuses.filter { $0 < 1000 }.allSatisfy { [200, 403, 409].contains($0) }, "\(statuses)")
            let after = try await app.send(.POST, "/job-action", headers: try await member.headers(["X-CSRF-Token": try await scenario.csrf(app, for: member)]),
                                           json: JSON(["jobId": job, "action": "close"]))
            #expect(after.status == .forbidden)
            let row = try #require(try await Job.find(UUID(uuidString: job), on: app.db))
            #expect(row.history.items.count == 2 + statuses.filter { $0 == 200 }.count)
        }
    }

    /// One CSRF token sent with two moves of one job at once: one move applies, the other is
    /// refused by CSRF (403) before it reaches the statement; the history grows by one.
    @Test(arguments: TestDatabase.all)
    func oneTokenOnTwoMovesAtOnceMovesOnce(database: TestDatabase) async throws {
        try await withHirebase(on: database) { app in
            let scenario = try await Scenario.make(app)
            let job = try await scenario.job(app)
            let headers = try await scenario.recruiter.headers(["X-CSRF-Token": try await scenario.csrf(app)])
            let statuses = try await withThrowingTaskGroup(of: UInt.self) { group in
                for _ in 0..<2 {
                    group.addTask { try await app.send(.POST, "/job-action", headers: headers, json: JSON(["jobId": job, "action": "publish"])).status.code }
                }
                return try await group.reduce(into: [UInt]()) { $0.append($1) }
            }
            #expect(statuses.sorted() == [200, 403])
            let row = try #require(try await Job.find(UUID(uuidString: job), on: app.db))
            #expect(row.history.items.map(\.to) == ["draft", "open"])
        }
    }

    /// A member removed from the company while moves are in flight: afterwards the job is 404 to
    /// them (as the checked path says), and every applied move is in the history once.
    @Test(arguments: TestDatabase.all)
    func aMembershipRemovalRacingMovesStopsThem(database: TestDatabase) async throws {
        try await withHirebase(on: database) { app in
            let scenario = try await Scenario.make(app)
            let member = try await scenario.addMember(app, role: "admin")
            let companyID = try #require(UUID(uuidString: scenario.companyID))
            let job = try await scenario.job(app)
            #expect(try await act(app, scenario, ["jobId": job, "action": "publish"]).status == .ok)
            var requests: [(HTTPHeaders, String)] = []
            for index in 0..<10 {
                requests.append((try await member.headers(["X-CSRF-Token": try await scenario.csrf(app, for: member)]), index % 2 == 0 ? "close" : "reopen"))
            }
            let statuses = try await withThrowingTaskGroup(of: UInt.self) { group in
                for (headers, action) in requests {
                    group.addTask { try await app.send(.POST, "/job-action", headers: headers, json: JSON(["jobId": job, "action": action])).status.code }
                }
                group.addTask {
                    try await app.db.sql.delete(from: CompanyMember.schema)
                        .where("company_id", .equal, SQLBind(companyID)).where("user_id", .equal, SQLBind(member.id)).run()
                    return 1200
                }
                return try await group.reduce(into: [UInt]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 < 1000 }.allSatisfy { [200, 404, 409].contains($0) }, "\(statuses)")
            let token = try await scenario.csrf(app, for: member)
            let after = try await app.send(.POST, "/job-action", headers: try await member.headers(["X-CSRF-Token": token]),
                                           json: JSON(["jobId": job, "action": "close"]))
            #expect(after.status == .notFound)
            let row = try #require(try await Job.find(UUID(uuidString: job), on: app.db))
            #expect(row.history.items.count == 2 + statuses.filter { $0 == 200 }.count)
        }
    }

    /// One event delivered ten times at once applies once; then, round after round, an older
    /// and a newer event of one subscription arrive at once (either may run first): the newer
    /// always wins, as the reducer orders them.
    @Test(arguments: TestDatabase.all)
    func outOfOrderEventsAtOnceEndAtTheNewest(database: TestDatabase) async throws {
        try await withHirebase(on: database, environment: billingEnvironment) { app in
            let user = TestUser()
            let base = 1_764_000_000
            let first = StripeEvents.event(type: "customer.subscription.created", created: base,
                                           object: StripeEvents.subscription(userID: user.id))
            let answers = try await withThrowingTaskGroup(of: Bool?.self) { group in
                for _ in 0..<10 { group.addTask { try await app.webhook(first).json["duplicate"] as? Bool } }
                return try await group.reduce(into: [Bool?]()) { $0.append($1) }
            }
            #expect(answers.filter { $0 == false }.count == 1, "\(answers)")
            #expect(answers.filter { $0 == true }.count == 9, "\(answers)")
            for round in 1...6 {
                let older = StripeEvents.event(type: "customer.subscription.updated", created: base + round * 100,
                                               object: StripeEvents.subscription(status: round % 2 == 0 ? "past_due" : "active", userID: user.id))
                let newer = StripeEvents.event(type: "customer.subscription.updated", created: base + round * 100 + 1,
                                               object: StripeEvents.subscription(status: round % 2 == 0 ? "active" : "past_due", userID: user.id))
                let codes = try await withThrowingTaskGroup(of: UInt.self) { group in
                    group.addTask { try await app.webhook(round % 3 == 0 ? older : newer).status.code }
                    group.addTask { try await app.webhook(round % 3 == 0 ? newer : older).status.code }
                    return try await group.reduce(into: [UInt]()) { $0.append($1) }
                }
                #expect(codes == [200, 200])
                let stored = try #require(try await BillingStore(db: app.db).subscription(of: user.id))
                #expect(stored.watermark.created == base + round * 100 + 1)
                #expect(stored.subscription.status.rawValue == (round % 2 == 0 ? "active" : "past_due"))
            }
        }
    }

    /// The other event paths delivered ten times at once: an invoice of a stored subscription
    /// (the read-reduce-write transaction, whose event insert no longer catches a constraint
    /// failure) and a subscription of a customer linked to nobody (recorded only): each is
    /// applied once, the other nine are duplicates, none fails.
    @Test(arguments: TestDatabase.all)
    func burstsOfInvoiceAndOrphanEventsApplyOnce(database: TestDatabase) async throws {
        try await withHirebase(on: database, environment: billingEnvironment) { app in
            let user = TestUser()
            let now = Int(Date().timeIntervalSince1970)
            let created = StripeEvents.event(type: "customer.subscription.created", created: now - 10,
                                             object: StripeEvents.subscription(status: "past_due", userID: user.id))
            #expect(try await app.webhook(created).status == .ok)
            let invoice = StripeEvents.event(type: "invoice.paid", created: now, object: StripeEvents.invoice())
            let orphan = StripeEvents.event(type: "customer.subscription.updated", created: now,
                                            object: StripeEvents.subscription(id: "sub_orphan", customer: "cus_linked_to_nobody", userID: nil))
            for payload in [invoice, orphan] {
                let answers = try await withThrowingTaskGroup(of: String.self) { group in
                    for _ in 0..<10 {
                        group.addTask {
                            let answer = try await app.webhook(payload)
                            return answer.status == .ok ? String(describing: answer.json["duplicate"] as? Bool) : "\(answer.status.code)"
                        }
                    }
                    return try await group.reduce(into: [String]()) { $0.append($1) }
                }
                #expect(answers.filter { $0 == "Optional(false)" }.count == 1, "\(answers)")
                #expect(answers.filter { $0 == "Optional(true)" }.count == 9, "\(answers)")
            }
            #expect(try await BillingStore(db: app.db).subscription(of: user.id)?.subscription.status == .active)
            #expect(try await StripeEventRecord.query(on: app.db).count() == 3)
        }
    }

    /// Subscription events with values the statement must cope with: no customer and no price
    /// (nothing stored, then stored), a user id in the metadata that names nobody, a customer
    /// linked to nobody, and odd numbers. Each answer is 200 (or 400 for what is no event) and
    /// what is stored is what `SubscriptionReducer` makes of it.
    @Test(arguments: TestDatabase.all)
    func oddSubscriptionPayloadsStoreWhatTheReducerWould(database: TestDatabase) async throws {
        try await withHirebase(on: database, environment: billingEnvironment) { app in
            let plans = app.hirebase.billing.plans
            let store = BillingStore(db: app.db)
            let base = 1_764_000_000
            // No customer, no price, no period, nothing stored yet.
            let bare = UUID()
            let bareObject: [String: Any] = [
                "id": "sub_bare", "object": "subscription", "customer": NSNull(), "status": "active", "cancel_at_period_end": NSNull(),
                "metadata": ["user_id": bare.uuidString.lowercased()], "items": ["object": "list", "data": []],
            ]
            let bareEvent = StripeEvents.event(type: "customer.subscription.created", created: base, object: bareObject)
            let bareAnswer = try await app.webhook(bareEvent)
            #expect(bareAnswer.status == .ok)
            let parsed = try Subscription(event: try StripeEvent(payload: bareEvent))
            let expected = SubscriptionReducer.apply(.subscription(parsed), to: nil, at: StripeWatermark(created: base), plans: plans).record
            // The metadata is not a stored column.
            func stored(_ user: UUID) async throws -> SubscriptionRecord? {
                try await store.subscription(of: user)
            }
            func withoutMetadata(_ record: SubscriptionRecord?) -> SubscriptionRecord? {
                record.map { var copy = $0; copy.subscription.metadata = [:]; return copy }
            }
            #expect(try await stored(bare) == withoutMetadata(expected))

            // Then the same subscription with customer and price, then once more without: the
            // stored customer and plan stay.
            let full = StripeEvents.event(type: "customer.subscription.updated", created: base + 1,
                                          object: StripeEvents.subscription(id: "sub_bare", customer: "cus_bare", userID: bare))
            #expect(try await app.webhook(full).status == .ok)
            let before = try #require(try await store.subscription(of: bare))
            let again = StripeEvents.event(type: "customer.subscription.updated", created: base + 2, object: bareObject)
            #expect(try await app.webhook(again).status == .ok)
            let reduced = SubscriptionReducer.apply(.subscription(parsed), to: before, at: StripeWatermark(created: base + 2), plans: plans).record
            #expect(try await stored(bare) == withoutMetadata(reduced))
            #expect(try await store.subscription(of: bare)?.subscription.customerID == "cus_bare")

            // A user id that names nobody is stored as Stripe says (no user table is consulted,
            // as before); a customer linked to nobody is only recorded.
            let ghost = UUID()
            let ghostEvent = StripeEvents.event(type: "customer.subscription.created", created: base, object: StripeEvents.subscription(id: "sub_ghost", customer: "cus_ghost", userID: ghost))
            #expect(try await app.webhook(ghostEvent).status == .ok)
            #expect(try await store.subscription(of: ghost)?.subscription.id == "sub_ghost")
            let orphan = StripeEvents.event(type: "customer.subscription.created", created: base,
                                            object: StripeEvents.subscription(id: "sub_orphan", customer: "cus_nobody_at_all", userID: nil))
            #expect(try await app.webhook(orphan).status == .ok)
            #expect(try await store.user(ofSubscription: "sub_orphan") == nil)

            // Odd numbers: a fractional, a negative, a huge and a string `created`, a period as a
            // float: never a 500.
            for created in ["1764000000.5", "-1", "1e30", "\"1764000000\"", "9223372036854775807", "null"] {
                let user = UUID().uuidString.lowercased()
                let text = """
                    {"id":"evt_odd_\(UUID().uuidString.prefix(8))","object":"event","type":"customer.subscription.updated","created":\(created),\
                    "data":{"object":{"id":"sub_odd","object":"subscription","customer":"cus_odd","status":"active","cancel_at_period_end":false,\
                    "metadata":{"user_id":"\(user)"},"items":{"object":"list","data":[{"id":"si","object":"subscription_item",\
                    "current_period_start":1.5e9,"current_period_end":17e8,"price":{"id":"price_pro_monthly","object":"price"}}]}}}}
                    """
                let answer = try await app.webhook(Data(text.utf8))
                #expect(answer.status == .ok || answer.status == .badRequest, "created \(created): \(answer.status)")
            }
        }
    }

    /// Ids far longer than any Stripe writes (at most 255 characters; here 12,000 random ones,
    /// past what a PostgreSQL b-tree index entry holds) in a signed event were a 500 on
    /// PostgreSQL (`index row requires 12016 bytes`), retried by Stripe for days, and stored on
    /// SQLite. Now alike on both: an event id is no event (400), a subscription id makes the
    /// object unreadable (acknowledged, nothing stored), a customer id counts as absent.
    @Test(arguments: TestDatabase.all)
    func veryLongStripeIdsInASignedEvent(database: TestDatabase) async throws {
        try await withHirebase(on: database, environment: billingEnvironment) { app in
            func noise() -> String { (0..<500).map { _ in UUID().uuidString.replacingOccurrences(of: "-", with: "") }.joined().prefix(12_000).description }
            let (user, other) = (UUID(), UUID())
            let longEvent = StripeEvents.event(id: "evt_" + noise(), type: "customer.subscription.created", created: 1_764_000_000,
                                               object: StripeEvents.subscription(userID: user))
            let longSubscription = StripeEvents.event(type: "customer.subscription.created", created: 1_764_000_001,
                                                      object: StripeEvents.subscription(id: "sub_" + noise(), userID: user))
            let longCustomer = StripeEvents.event(type: "customer.subscription.created", created: 1_764_000_002,
                                                  object: StripeEvents.subscription(customer: "cus_" + noise(), userID: nil))
            let longCustomerOfAUser = StripeEvents.event(type: "customer.subscription.created", created: 1_764_000_003,
                                                         object: StripeEvents.subscription(id: "sub_other", customer: "cus_" + noise(), userID: other))
            var statuses: [UInt] = []
            for payload in [longEvent, longSubscription, longCustomer, longCustomerOfAUser] {
                statuses.append(try await app.webhook(payload).status.code)
            }
            #expect(statuses == [400, 200, 200, 200])
            #expect(try await BillingStore(db: app.db).subscription(of: user) == nil)
            let stored = try await BillingStore(db: app.db).subscription(of: other)
            #expect(stored?.subscription.id == "sub_other")
            #expect(stored?.subscription.customerID == nil)
        }
    }

    /// A candidate with every optional field missing (NULLs selected, not inserted as VALUES, on
    /// PostgreSQL) and one with hostile text: stored and shown as answered.
    @Test(arguments: TestDatabase.all)
    func candidatesWithNullsAndHostileTextStoreAsAnswered(database: TestDatabase) async throws {
        try await withHirebase(on: database) { app in
            let scenario = try await Scenario.make(app)
            let bare = try await app.send(.POST, "/candidates", as: scenario.recruiter,
                                          json: JSON(["companyId": scenario.companyID, "email": "bare@example.com", "name": "Bare"]))
            #expect(bare.status == .created)
            let hostile = "Robert'); DROP TABLE candidates; -- \"}] \\ \u{2028} 😀 Ünïcödé"
            let created = try await app.send(.POST, "/candidates", as: scenario.recruiter, json: JSON([
                "companyId": scenario.companyID, "email": "ÄNN+tag@Example.com", "name": hostile, "headline": hostile,
                "skills": [hostile, "Swift"], "yearsExperience": 0.5, "location": hostile, "resumeText": String(repeating: hostile, count: 50),
            ]))
            #expect(created.status == .created)
            for answer in [bare, created] {
                let id = try #require(answer["id"])
                let shown = try await app.send(.GET, "/candidates/\(id)", as: scenario.recruiter)
                #expect(shown.status == .ok)
                #expect(NSDictionary(dictionary: answer.json) == NSDictionary(dictionary: shown.json))
            }
            let twin = try await app.send(.POST, "/candidates", as: scenario.recruiter,
                                          json: JSON(["companyId": scenario.companyID, "email": "änn+TAG@example.com", "name": "Twin"]))
            #expect(twin.status == .conflict)
            #expect(twin["existingId"] == created["id"])
        }
    }
}
