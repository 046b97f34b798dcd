import Vapor

/// Ends the batches of job moves (`ApplicationStore.moves`) when the app stops, before its
/// databases close: the batches in flight finish, their callers get their answers, and no caller
/// is left waiting.
struct JobMoveShutdown: LifecycleHandler {
    let store: ApplicationStore

    func shutdownAsync(_ application: Application) async {
        await store.shutdown()
    }
}
