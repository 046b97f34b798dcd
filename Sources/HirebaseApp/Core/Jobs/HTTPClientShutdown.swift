import AsyncHTTPClient
import Vapor

/// Shuts down an `HTTPClient` the app created for itself (the Stripe client's) when the app
/// stops; AsyncHTTPClient requires an explicit shutdown.
struct HTTPClientShutdown: LifecycleHandler {
    let client: HTTPClient

    func shutdownAsync(_ application: Application) async {
        try? await client.shutdown()
    }
}
