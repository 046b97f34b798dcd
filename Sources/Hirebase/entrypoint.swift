import HirebaseApp

/// `hirebase [serve|migrate|token|check-config|csrf-cleanup|email-check|worker|jobs|probe]` (see README).
@main
enum Entrypoint {
    static func main() async {
        await Bootstrap.run()
    }
}
