import Foundation

extension StripeError {
    /// How billing endpoints answer a Stripe failure (`API.md` § Billing): Stripe down, rate
    /// limiting us (Stripe's own `Retry-After`) or the breaker open -> 503 with `Retry-After`; timed out -> 504; Stripe refused
    /// our request -> 502 with a safe detail (Stripe's message goes to the log only); not
    /// configured -> 503 `stripe_not_configured`.
    var appError: AppError {
        switch self {
        case .notConfigured:
            return AppError.unavailable("Billing is not configured (STRIPE_SECRET_KEY)", code: "stripe_not_configured", retryAfterSeconds: 3600)
        case .circuitOpen(let retryAfter):
            return AppError.unavailable("Billing is temporarily unavailable", retryAfterSeconds: max(1, retryAfter))
        case .rateLimited(let retryAfter):
            // Stripe asks us to slow down: pass its wait on to the caller.
            return AppError.unavailable("Billing is busy; try again shortly", retryAfterSeconds: max(1, retryAfter ?? 2))
        case .unavailable:
            return AppError.unavailable("Billing is temporarily unavailable", retryAfterSeconds: 10)
        case .timeout:
            return AppError(.gatewayTimeout, detail: "The payment provider did not answer in time")
        case .invalidRequest, .unexpectedResponse:
            return AppError(.badGateway, detail: "The payment provider refused the request")
        case .notFound:
            return AppError.notFound("Billing object")
        }
    }
}

extension StripeError {
    /// Runs a Stripe call and answers its failure as the endpoint's `AppError` (`appError`).
    /// - Throws: `AppError`.
    static func answering<T>(_ call: () async throws(StripeError) -> T) async throws -> T {
        do throws(StripeError) {
            return try await call()
        } catch {
            throw error.appError
        }
    }

    /// Runs a Stripe call and keeps its typed failure, for a caller that answers some failures
    /// itself (a cancel Stripe refuses, a subscription Stripe no longer knows).
    static func result<T>(_ call: () async throws(StripeError) -> T) async -> Result<T, StripeError> {
        do throws(StripeError) {
            return .success(try await call())
        } catch {
            return .failure(error)
        }
    }
}
