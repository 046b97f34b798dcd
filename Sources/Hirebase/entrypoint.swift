import HirebaseApp

/// `hirebase [serve|migrate|token|check-config|csrf-cleanup|email-check]` (see README).
@main
enum Entrypoint {
    static func main() async {
        await Bootstrap.run()
    }
}
