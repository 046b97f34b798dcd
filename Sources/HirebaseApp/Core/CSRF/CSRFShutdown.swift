import Vapor

/// Ends the CSRF service's batches when the app stops (before its databases close): the batches
/// in flight finish, their callers get their answers, and no caller is left waiting.
struct CSRFShutdown: LifecycleHandler {
    let csrf: CSRFService

    func shutdownAsync(_ application: Application) async {
        await csrf.shutdown()
    }
}
