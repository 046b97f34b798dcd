import AsyncHTTPClient
import Vapor

/// Shuts down an `HTTPClient` the app created for itself (the Stripe and AI clients') when the app
/// stops; AsyncHTTPClient requires an explicit shutdown.
struct HTTPClientShutdown: LifecycleHandler {
    let client: HTTPClient

    func shutdownAsync(_ application: Application) async {
        try? await client.shutdown()
    }
}

/// Stops the name-resolution thread pool when the app stops, without waiting for a lookup that
/// hangs (its thread ends when `getaddrinfo` returns).
struct ThreadPoolShutdown: LifecycleHandler {
    let pool: NIOThreadPool

    func shutdown(_ application: Application) {
        pool.shutdownGracefully { _ in }
    }
}
