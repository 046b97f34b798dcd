import Vapor

/// Mounts each feature's routes: public ones, those behind authentication, and those that also
/// need a CSRF token.
func routes(_ app: Application) throws {
    // Rate limits first: a call whose token does not verify is charged as anonymous (per client
    // address) before authentication refuses it, so a flood of bad tokens is limited too.
    let authenticated = app.grouped(RateLimitMiddleware(), AuthenticationMiddleware())
    // The candidate's routes: anonymous (per client address) without an access token.
    let open = app.grouped(RateLimitMiddleware())
    let csrfProtected = authenticated.grouped(CSRFMiddleware())

    try app.register(collection: HealthController())
    try app.register(collection: OpenAPIController())
    try app.register(collection: MetricsController())
    try authenticated.register(collection: CSRFController())
    try authenticated.register(collection: CompaniesController())
    try authenticated.register(collection: AssessmentsController())
    InvitationsController().register(open: open, authenticated: authenticated, csrfProtected: csrfProtected)
    try authenticated.register(collection: GradesController())
    try authenticated.register(collection: JobsController())
    try authenticated.register(collection: CandidatesController())
    try authenticated.register(collection: ApplicationsController())
    try csrfProtected.register(collection: JobActionController())
    try authenticated.register(collection: ScrapeController())
    try authenticated.register(collection: BillingController())
    try csrfProtected.register(collection: CheckoutController())
    try app.register(collection: StripeWebhookController())
    try authenticated.register(collection: MatchController())
    try authenticated.register(collection: AIRunsController())
}
