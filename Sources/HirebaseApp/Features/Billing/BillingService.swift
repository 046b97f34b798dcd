import BillingCore
import Fluent
import Foundation
import Logging
import NIOCore

/// Billing's rules, for every caller: checkout, checkout confirmation, cancellation, the
/// subscription status, Stripe's webhook events, and the metered use of plan features.
///
/// Every change of a user's stored subscription goes through ``update(_:of:at:in:)``: under the
/// user's billing lock (`BillingStore.lockBilling`) it applies the change with
/// `SubscriptionReducer` (the ordering and finality rules, pure) and stores the result, so that
/// concurrent events, confirmations and cancellations of one user cannot interleave. The one
/// exception is the hot webhook path, `customer.subscription.*` events: the store applies the
/// reducer's replace rules in the upsert itself, under the same lock
/// (`BillingStore.recordEventAndReplace`). Stripe is never called while a transaction is open.
struct BillingService: UsageMetering {
    /// The plans file.
    let plans: PlanCatalog
    /// Each user's subscription and usage, dropped when they change here or anywhere.
    let cache: BillingSnapshotCache
    /// Stripe's API (`UnconfiguredStripeClient` without a secret key: calls throw `.notConfigured`).
    let stripe: any StripeAPI
    /// The time of periods, cache expiry, direct reads' watermarks and stored timestamps.
    let clock: WallClock

    // MARK: - Plan state and usage

    /// The user's stored subscription, through the cache.
    /// - Parameter db: taken only on a cache miss.
    func subscription(of userID: UUID, on db: @autoclosure () -> any Database) async throws -> SubscriptionRecord? {
        if let cached = cache.record(of: userID) { return cached }
        let ticket = cache.ticket()
        let stored = try await BillingStore(db: db()).subscription(of: userID)
        cache.store(stored, of: userID, readAfter: ticket)
        return stored
    }

    /// What the user's plan allows now.
    /// - Parameter db: taken only on a cache miss.
    func standing(of userID: UUID, on db: @autoclosure () -> any Database) async throws -> PlanStanding {
        PlanStanding(record: try await subscription(of: userID, on: db()), plans: plans, at: clock.now())
    }

    func consume(_ feature: PlanFeature, quantity: Int, userID: UUID, idempotencyKey: String?, on db: any Database) async throws -> UsageDecision {
        let standing = try await standing(of: userID, on: db)
        let limit = standing.plan.limit(for: feature)
        let outcome = try await BillingStore(db: db).consumeUsage(
            feature, quantity: quantity, limit: limit, by: userID, periodStart: standing.period.start,
            idempotencyKey: idempotencyKey, at: clock.now())
        // The subscription did not change: keep it, so that the next consumption needs no read
        // of it (the usage's own statement enforces the limit in the database).
        if outcome.counted { cache.dropUsage(userID) }
        return UsageDecision(allowed: outcome.allowed, plan: standing.plan.name, used: outcome.used, limit: limit, periodEnd: standing.period.end)
    }

    /// Whether `quantity` more uses fit, recording nothing.
    func check(_ feature: PlanFeature, quantity: Int, userID: UUID, on db: any Database) async throws -> UsageDecision {
        let standing = try await standing(of: userID, on: db)
        let limit = standing.plan.limit(for: feature)
        let outcome = try await BillingStore(db: db).checkUsage(feature, quantity: quantity, limit: limit, by: userID,
                                                                periodStart: standing.period.start)
        return UsageDecision(allowed: outcome.allowed, plan: standing.plan.name, used: outcome.used, limit: limit, periodEnd: standing.period.end)
    }

    /// A user's plan, subscription and usage in the current period (`GET /subscription-status`).
    struct Status: Sendable {
        var userID: UUID
        var standing: PlanStanding
        /// Uses of every plan feature in `standing.period`.
        var used: [PlanFeature: Int]
        /// This status's JSON body as encoded before from the same cached snapshot, for the same
        /// period (see ``keepEncodedBody(_:of:)``); `nil` when it must be encoded.
        var encodedBody: ByteBuffer? = nil
        /// The revision of the cache entry the whole status was read from in one lookup
        /// (`BillingSnapshotCache.Snapshot.revision`); `nil` when a part of it came from the
        /// database, or from two lookups that a change could have come between.
        var cachedRevision: UInt64? = nil
    }

    /// The user's status now: no query, and no database handle, while the user's snapshot is
    /// cached; then also its encoded body once one was kept (``keepEncodedBody(_:of:)``).
    /// - Parameter db: taken only when a part of the snapshot must be read (getting a request's
    ///   database costs a lookup and an allocation).
    func status(of userID: UUID, on db: @autoclosure () -> any Database) async throws -> Status {
        if let snapshot = cache.snapshot(of: userID) {
            if snapshot.refreshDue {
                // One reader per entry refreshes it ahead of its expiry; if that fails, the
                // entry is still valid to answer from, and the next reader tries again.
                do { return try await refreshed(userID, on: db()) } catch { cache.refreshFailed(userID) }
            }
            let standing = PlanStanding(record: snapshot.record, plans: plans, at: clock.now())
            if snapshot.usage.periodStart == standing.period.start {
                let encoded = snapshot.encodedStatus.flatMap { $0.period == standing.period ? $0.body : nil }
                return Status(userID: userID, standing: standing, used: snapshot.usage.used, encodedBody: encoded,
                              cachedRevision: snapshot.revision)
            }
        }
        let standing = try await standing(of: userID, on: db())
        let start = standing.period.start
        if let used = cache.usage(of: userID, periodStart: start) {
            return Status(userID: userID, standing: standing, used: used)
        }
        let ticket = cache.ticket()
        let used = try await BillingStore(db: db()).usage(by: userID, periodStart: start)
        cache.store(BillingSnapshotCache.Usage(periodStart: start, used: used), of: userID, readAfter: ticket)
        return Status(userID: userID, standing: standing, used: used)
    }

    /// The user's status read afresh (two queries), put in the cache in place of their entry.
    /// - Throws: the database's errors.
    private func refreshed(_ userID: UUID, on db: any Database) async throws -> Status {
        let ticket = cache.ticket()
        let store = BillingStore(db: db)
        let record = try await store.subscription(of: userID)
        let standing = PlanStanding(record: record, plans: plans, at: clock.now())
        let used = try await store.usage(by: userID, periodStart: standing.period.start)
        cache.replace(record, BillingSnapshotCache.Usage(periodStart: standing.period.start, used: used), of: userID, readAfter: ticket)
        return Status(userID: userID, standing: standing, used: used)
    }

    /// Keeps `body`, the JSON body encoded from `status`, with the cached snapshot it was read
    /// from, so that the next reads of that snapshot in the same period answer it without
    /// encoding. Does nothing when `status` was not read from the cache in whole, or when the
    /// user's entry changed (or expired) since.
    /// - Parameter body: exactly the bytes the response carried.
    func keepEncodedBody(_ body: ByteBuffer, of status: Status) {
        guard let revision = status.cachedRevision else { return }
        cache.keep(.init(period: status.standing.period, body: body), of: status.userID, revision: revision)
    }

    /// Drops the user's cached snapshot after a transaction that consumed their usage committed
    /// (`consume` run inside a caller's transaction cannot know when that happens).
    func usageChanged(of userID: UUID) {
        cache.dropUsage(userID)
    }

    // MARK: - Checkout

    /// A checked request for a checkout: a paid plan and where Stripe sends the user back.
    struct CheckoutInput: Sendable {
        /// A plan with a price (never the free plan).
        var plan: Plan
        /// The plan's Stripe price id.
        var priceID: String
        /// Where Stripe sends the user after paying: an absolute http(s) URL.
        var successURL: String
        /// Where Stripe sends a user who abandons the checkout: an absolute http(s) URL.
        var cancelURL: String
    }

    /// Creates a Stripe Checkout Session for `input.plan`, with the user's one Stripe customer
    /// (created on the first checkout).
    /// - Throws: `AppError` for Stripe's failures (503/504/502, `StripeError.appError`).
    func createCheckout(_ input: CheckoutInput, for user: AuthenticatedUser, on db: any Database, logger: Logger) async throws -> CheckoutSession {
        let customerID = try await customer(for: user, on: db)
        let session = try await StripeError.answering { () async throws(StripeError) in
            try await stripe.createCheckoutSession(
                customerID: customerID, priceID: input.priceID, userID: user.id, successURL: input.successURL,
                cancelURL: input.cancelURL, idempotencyKey: "hirebase-checkout-\(UUID().uuidString.lowercased())")
        }
        logger.info("checkout session created", metadata: ["plan": .string(input.plan.name)])
        return session
    }

    /// The user's one Stripe customer, created on first checkout. Concurrent first calls use the
    /// same idempotency key, so Stripe answers them all with the same customer, and the link is
    /// stored once.
    private func customer(for user: AuthenticatedUser, on db: any Database) async throws -> String {
        let store = BillingStore(db: db)
        if let linked = try await store.customerID(of: user.id) { return linked }
        let created = try await StripeError.answering { () async throws(StripeError) in
            try await stripe.createCustomer(userID: user.id, email: user.email, idempotencyKey: "hirebase-customer-\(user.id.lowercased)")
        }
        try await store.linkCustomer(created.id, to: user.id, at: clock.now())
        guard let linked = try await store.customerID(of: user.id) else { throw AppError(.internalServerError, detail: "Internal server error") }
        return linked
    }

    // MARK: - Checkout confirmation

    /// The outcome of a checkout confirmation.
    struct Confirmation: Sendable {
        /// Whether the plan applies now (the subscription is paying).
        var activated: Bool
        /// The plan bought.
        var plan: Plan
        /// The subscription as Stripe answered.
        var subscription: Subscription
    }

    /// Confirms a finished Checkout Session with Stripe and activates its plan at once (without
    /// waiting for the webhook), `API.md` § Billing.
    ///
    /// Checked against the plan before storing anything: the session belongs to the user
    /// (`client_reference_id`, else `metadata.user_id`), it is a completed and paid subscription
    /// purchase, its price is a plan's, and `amount_total`/`currency` equal the plan's price. The
    /// subscription is then read from Stripe and stored as a direct read (watermark: now), and
    /// the customer linked to the user unless one is.
    /// - Parameter sessionID: a Stripe id (letters, digits, `_`; checked by the caller).
    /// - Throws: 403 another user's session, 409 any mismatch (nothing stored), Stripe's failures.
    func confirmCheckout(sessionID: String, userID: UUID, on db: any Database, logger: Logger) async throws -> Confirmation {
        let session = try await StripeError.answering { () async throws(StripeError) in
            try await stripe.retrieveCheckoutSession(id: sessionID)
        }
        guard session.ownerID == userID else { throw AppError.forbidden("This checkout session belongs to another user") }
        guard session.isCompletedSubscriptionPurchase else {
            throw AppError.conflict("The checkout session is not complete and paid (mode \(session.mode ?? "unknown"), status \(session.status ?? "unknown"), payment \(session.paymentStatus ?? "unknown"))")
        }
        guard let priceID = session.priceID, let plan = plans.plan(forPriceID: priceID) else {
            throw AppError.conflict("The checkout session is not for a plan of this service")
        }
        guard session.amountTotal == plan.amount, session.currency?.lowercased() == plan.currency.lowercased() else {
            throw AppError.conflict("The checkout session's amount or currency does not match the \(plan.name) plan")
        }
        guard let subscriptionID = session.subscriptionID, let customerID = session.customerID else {
            throw AppError.conflict("The checkout session has no subscription")
        }
        let subscription = try await StripeError.answering { () async throws(StripeError) in
            try await stripe.retrieveSubscription(id: subscriptionID)
        }
        try await BillingStore(db: db).linkCustomer(customerID, to: userID, at: clock.now())
        try await apply(.subscription(subscription), of: userID, at: StripeWatermark(readAt: clock.now()), on: db)
        logger.info("checkout confirmed", metadata: ["plan": .string(plan.name)])
        return Confirmation(activated: subscription.status.isPaying, plan: plan, subscription: subscription)
    }

    // MARK: - Cancellation

    /// Cancels the user's subscription at Stripe, at the end of the paid period or at once, stores
    /// Stripe's answer, and returns the user's status after the change.
    ///
    /// An ended subscription is not sent to Stripe again: its state is answered. When Stripe
    /// refuses the change (a 4xx: typically the subscription is already cancelled there, and a
    /// DELETE of a cancelled subscription is 404), the subscription is read back and stored; if
    /// Stripe does not know it at all, it is stored as `canceled` (`API.md`: "already cancelled at
    /// Stripe -> 200 with the current state"). Stripe is called with the idempotency key
    /// `hirebase-cancel-<subscription id>-period-end|now`.
    /// - Throws: 404 without a stored subscription; Stripe's other failures.
    func cancelSubscription(of userID: UUID, atPeriodEnd: Bool, on db: any Database, logger: Logger) async throws -> Status {
        guard let stored = try await BillingStore(db: db).subscription(of: userID) else {
            throw AppError.notFound("Subscription")
        }
        let id = stored.subscription.id
        if stored.subscription.status.isTerminal {
            logger.warning("cancel of an ended subscription; answering the current state", metadata: ["subscription-id": .string(id)])
            return try await status(of: userID, on: db)
        }
        let key = "hirebase-cancel-\(id)-\(atPeriodEnd ? "period-end" : "now")"
        let change: SubscriptionChange
        let stripe = self.stripe
        switch await StripeError.result({ () async throws(StripeError) in
            atPeriodEnd
                ? try await stripe.updateSubscription(id: id, cancelAtPeriodEnd: true, idempotencyKey: key)
                : try await stripe.cancelSubscription(id: id, idempotencyKey: key)
        }) {
        case .success(let subscription):
            change = .subscription(subscription)
        case .failure(.invalidRequest), .failure(.notFound):
            // Already cancelled at Stripe (or gone): answer the current state, not a 500.
            logger.warning("cancel refused by Stripe; answering the current state", metadata: ["subscription-id": .string(id)])
            switch await StripeError.result({ () async throws(StripeError) in try await stripe.retrieveSubscription(id: id) }) {
            case .success(let subscription):
                change = .subscription(subscription)
            case .failure(.notFound):
                change = .unknownToStripe(subscriptionID: id)
            case .failure(let error):
                throw error.appError
            }
        case .failure(let error):
            throw error.appError
        }
        try await apply(change, of: userID, at: StripeWatermark(readAt: clock.now()), on: db)
        logger.info("subscription cancellation requested", metadata: ["at-period-end": .stringConvertible(atPeriodEnd)])
        return try await status(of: userID, on: db)
    }

    // MARK: - Webhook events

    /// What became of a delivered event.
    enum WebhookOutcome: Sendable, Equatable {
        /// Recorded and applied (possibly changing nothing, e.g. a stale event).
        case applied
        /// Recorded before: acknowledged, not applied again.
        case duplicate
        /// A type Hirebase does not handle, or a signed event whose object cannot be read.
        case ignored
    }

    /// Records a verified Stripe event by id and applies it, in one transaction, once.
    ///
    /// `checkout.session.completed` links the customer to the session's user and stores the
    /// subscription, read from Stripe before the transaction (the event does not carry its
    /// period or price; skipped when Stripe is not configured). Subscription events apply to the
    /// user named by the subscription's `metadata.user_id`, else by its customer; invoice events
    /// to the user whose stored subscription they bill. Each is ordered by the event's `created`.
    /// - Throws: whatever applying throws (the caller answers 500; Stripe retries), and Stripe's
    ///   failures while reading the subscription of a checkout.
    func receive(_ event: StripeEvent, on db: any Database, logger: Logger) async throws -> WebhookOutcome {
        guard let type = event.handledType else {
            logger.debug("Stripe event ignored", metadata: ["type": .string(event.type), "event-id": .string(event.id)])
            return .ignored
        }
        switch type {
        case .customerSubscriptionCreated, .customerSubscriptionUpdated, .customerSubscriptionDeleted:
            return try await receiveSubscriptionEvent(event, deleted: type == .customerSubscriptionDeleted, on: db, logger: logger)
        case .checkoutSessionCompleted, .invoicePaid, .invoicePaymentFailed:
            return try await receiveInTransaction(event, type: type, on: db, logger: logger)
        }
    }

    /// A `customer.subscription.*` event, the bulk of Stripe's traffic: recorded and applied
    /// without reading the stored subscription first (`BillingStore.recordEventAndReplace`: one
    /// statement on PostgreSQL), with `SubscriptionReducer`'s rules for a subscription replacing
    /// the stored one. The user is the subscription's `metadata.user_id`, else the one linked to
    /// its customer; an event of an unknown customer is only recorded.
    private func receiveSubscriptionEvent(_ event: StripeEvent, deleted: Bool, on db: any Database, logger: Logger) async throws -> WebhookOutcome {
        let subscription: Subscription
        do {
            subscription = try Subscription(event: event)
        } catch {
            return unreadable(event, error, logger: logger)
        }
        let store = BillingStore(db: db)
        let now = clock.now()
        var userID = subscription.userID
        if userID == nil, let customerID = subscription.customerID {
            userID = try await store.user(ofCustomer: customerID)
        }
        guard let userID else {
            guard try await store.recordEvent(event, at: now) else { return .duplicate }
            logger.warning("subscription of an unknown customer", metadata: ["event-id": .string(event.id)])
            logger.info("Stripe event applied", metadata: ["type": .string(event.type), "event-id": .string(event.id)])
            return .applied
        }
        // The record stored when the user has none: the reducer's values (plan from the price, a
        // deleted subscription's status `canceled`); the store's upsert applies its rules to a
        // stored one.
        let watermark = StripeWatermark(event: event)
        let change: SubscriptionChange = deleted ? .deleted(subscription) : .subscription(subscription)
        guard let fresh = SubscriptionReducer.apply(change, to: nil, at: watermark, plans: plans).record else { return .applied }
        let outcome = try await store.recordEventAndReplace(
            event, with: fresh, keepingStoredCustomer: subscription.customerID == nil, keepingStoredPlan: subscription.priceID == nil,
            of: userID, at: now)
        guard outcome.recorded else { return .duplicate }
        cache.drop(userID)
        logger.info("Stripe event applied", metadata: ["type": .string(event.type), "event-id": .string(event.id)])
        return .applied
    }

    /// A signed event whose object cannot be read will not read better on Stripe's retries (for
    /// days): acknowledged without effect (nothing recorded), and said loudly.
    private func unreadable(_ event: StripeEvent, _ error: any Error, logger: Logger) -> WebhookOutcome {
        logger.error("Stripe event could not be read; acknowledged without effect", metadata: [
            "type": .string(event.type), "event-id": .string(event.id), "error": .string(String(describing: error)),
        ])
        return .ignored
    }

    /// Checkout and invoice events: recorded and applied in one transaction, under the user's
    /// billing lock, with the stored subscription read and `SubscriptionReducer` applied to it.
    private func receiveInTransaction(_ event: StripeEvent, type: StripeEventType, on db: any Database, logger: Logger) async throws -> WebhookOutcome {
        let store = BillingStore(db: db)
        // Read before the transaction: no network call while holding the write lock.
        var fetched: Subscription?
        var followUp: SubscriptionSync?
        if type == .checkoutSessionCompleted, let session = try? CheckoutSession(event: event), let subscriptionID = session.subscriptionID {
            // A replay needs no Stripe call (and must not fail because Stripe is down). Other
            // types call nothing: the transaction's own check is enough for them.
            if try await store.hasEvent(event.id) { return .duplicate }
            do throws(StripeError) {
                fetched = try await stripe.retrieveSubscription(id: subscriptionID)
            } catch .notConfigured {
                fetched = nil
            } catch where error.isTransient {
                // Stripe is down or slow: the event is applied now (the customer linked) and the
                // subscription read by a follow-up job, retried with the queue's backoff, rather
                // than the whole delivery failed and left to Stripe's retries (hours apart).
                if let userID = session.ownerID { followUp = SubscriptionSync(subscriptionId: subscriptionID, userId: userID) }
                logger.warning("Stripe unavailable while reading a checkout's subscription; a follow-up job will read it",
                               metadata: ["event-id": .string(event.id), "error": .string(String(describing: error))])
            } catch {
                throw error.appError
            }
        }
        let prefetched = fetched
        let sync = followUp
        let now = clock.now()
        let touched: UUID?
        do {
            touched = try await store.transaction { tx -> UUID? in
                // The same event delivered twice at once: the second insert waits for the
                // first transaction and records nothing if it committed.
                guard try await tx.recordEvent(event, at: now) else { throw Duplicate() }
                if let sync {
                    try await BackgroundJobStore().enqueue(kind: SubscriptionSync.kind, payload: try sync.payload(),
                                                           uniqueKey: "\(SubscriptionSync.kind):\(event.id)", maxAttempts: SubscriptionSync.maxAttempts,
                                                           runAt: now, now: now, on: tx.db)
                }
                return try await apply(event, type: type, subscription: prefetched, in: tx, logger: logger)
            }
        } catch is Duplicate {
            return .duplicate
        } catch let malformed as StripeEventError {
            return unreadable(event, malformed, logger: logger)
        }
        if let touched { cache.drop(touched) }
        logger.info("Stripe event applied", metadata: ["type": .string(event.type), "event-id": .string(event.id)])
        return .applied
    }

    private struct Duplicate: Error {}

    /// A subscription event that reached the transaction path instead of its one statement.
    private struct MisroutedEvent: Error, CustomStringConvertible {
        /// Stripe's event type, e.g. `customer.subscription.updated`.
        var type: String
        var description: String { "\(type) reached BillingService.apply; it belongs to receiveSubscriptionEvent" }
    }

    /// Applies one event inside the webhook's transaction.
    /// - Returns: the user whose billing it concerns, if any (their cached state is dropped).
    private func apply(
        _ event: StripeEvent, type: StripeEventType, subscription prefetched: Subscription?, in store: BillingStore, logger: Logger
    ) async throws -> UUID? {
        let watermark = StripeWatermark(event: event)
        switch type {
        case .checkoutSessionCompleted:
            let session = try CheckoutSession(event: event)
            guard let userID = session.ownerID, let customerID = session.customerID else {
                logger.warning("checkout session without our user id", metadata: ["event-id": .string(event.id)])
                return nil
            }
            try await store.linkCustomer(customerID, to: userID, at: clock.now())
            if let prefetched {
                try await update(.subscription(prefetched), of: userID, at: watermark, in: store)
            }
            return userID
        case .customerSubscriptionCreated, .customerSubscriptionUpdated, .customerSubscriptionDeleted:
            // `receive` hands these to `receiveSubscriptionEvent`. Were one routed here, storing it
            // unapplied would lose it: the transaction rolls back and Stripe retries (500).
            throw MisroutedEvent(type: event.type)
        case .invoicePaid, .invoicePaymentFailed:
            let invoice = try InvoiceView(event: event)
            guard let subscriptionID = invoice.subscriptionID, let userID = try await store.user(ofSubscription: subscriptionID) else {
                return nil
            }
            let change: SubscriptionChange = type == .invoicePaid
                ? .invoicePaid(subscriptionID: subscriptionID, linePeriod: invoice.linePeriod)
                : .invoicePaymentFailed(subscriptionID: subscriptionID)
            try await update(change, of: userID, at: watermark, in: store)
            return userID
        }
    }

    // MARK: - Stripe follow-ups (job queue)

    /// A checkout's subscription to read from Stripe after its `checkout.session.completed` was
    /// applied while Stripe could not be reached: the payload of a `stripe.subscription-sync` job.
    struct SubscriptionSync: Codable, Sendable {
        static let kind = "stripe.subscription-sync"
        /// Stripe outages last minutes to hours: 12 runs from 30 s apart, doubling (at most an hour
        /// apart), cover about 7 hours before the job is `dead`; `/verify-billing` (the user's own
        /// confirmation) also activates the plan meanwhile.
        static let maxAttempts = 12
        static let retryBaseSeconds = 30.0

        var subscriptionId: String
        var userId: UUID

        func payload() throws -> String { String(decoding: try JSONEncoder().encode(self), as: UTF8.self) }
    }

    /// The job kind that reads a checkout's subscription from Stripe and stores it (see
    /// `SubscriptionSync`).
    func subscriptionSyncJob() -> BackgroundJobKind {
        BackgroundJobKind(name: SubscriptionSync.kind, maxAttempts: SubscriptionSync.maxAttempts, retryBaseSeconds: SubscriptionSync.retryBaseSeconds) { job, db in
            guard let payload = job.payload, let sync = try? JSONDecoder().decode(SubscriptionSync.self, from: Data(payload.utf8)) else {
                throw BackgroundJobFailure("payload is not {\"subscriptionId\", \"userId\"}", retryable: false)
            }
            try await syncSubscription(sync, on: db)
        }
    }

    /// Reads the subscription from Stripe and applies it as a read at this moment (its watermark:
    /// newer events applied meanwhile are not overwritten by an older state, and this read is not
    /// overwritten by older events arriving later).
    /// - Throws: `BackgroundJobFailure`, retryable while Stripe is unavailable; final when Stripe
    ///   does not know the subscription or refuses the request.
    func syncSubscription(_ sync: SubscriptionSync, on db: any Database) async throws {
        let subscription: Subscription
        do throws(StripeError) {
            subscription = try await stripe.retrieveSubscription(id: sync.subscriptionId)
        } catch {
            throw BackgroundJobFailure("Stripe: " + BackgroundJobRunner.describe(error), retryable: error.isTransient)
        }
        try await apply(.subscription(subscription), of: sync.userId, at: StripeWatermark(readAt: clock.now()), on: db)
    }

    // MARK: - Changing the stored subscription

    /// Applies `change` to the user's stored subscription in a transaction of its own, then drops
    /// the user's cached state.
    private func apply(_ change: SubscriptionChange, of userID: UUID, at watermark: StripeWatermark, on db: any Database) async throws {
        try await BillingStore(db: db).transaction { store in
            try await update(change, of: userID, at: watermark, in: store)
        }
        cache.drop(userID)
    }

    /// Applies `change` under the user's billing lock, inside `store`'s transaction: the one path
    /// by which a stored subscription changes.
    private func update(_ change: SubscriptionChange, of userID: UUID, at watermark: StripeWatermark, in store: BillingStore) async throws {
        try await store.lockBilling(of: userID)
        let stored = try await store.subscription(of: userID)
        if let record = SubscriptionReducer.apply(change, to: stored, at: watermark, plans: plans).record {
            try await store.save(record, for: userID, at: clock.now())
            try await store.announceChange(of: userID)
        }
    }
}
