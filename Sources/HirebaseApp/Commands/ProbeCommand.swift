import AsyncHTTPClient
import Foundation
import Vapor

/// `hirebase probe --base-url URL [--token TOKEN] [--timeout SECONDS]`: runs `Probe`'s end-to-end
/// check against a deployment and prints one line per step (`ok   health 12 ms`,
/// `FAIL csrf-token: 503 service_unavailable ...`, `skip webhook: ...`), then a summary line.
///
/// Inputs: `--base-url` (http or https), the probe user's access token from `--token` or
/// `HIREBASE_PROBE_TOKEN` (never printed), the deployment's `STRIPE_WEBHOOK_SECRET` from the
/// environment (the webhook step is skipped without it), `--timeout` per step (1...300 s,
/// default 10). Needs no database and no other configuration: `Bootstrap` runs it before the
/// server's configuration is read (`runStandalone`), so it runs from cron on any machine.
///
/// Exit status: 0 when every step passed (or was skipped for a missing secret), 1 when one failed
/// (`ProbeFailed`), 2 for a usage error (`CommandUsageError`, or an option ConsoleKit refuses).
struct ProbeCommand: AsyncCommand {
    /// The command line: `--base-url`, `--token`, `--timeout`.
    struct Signature: CommandSignature {
        @Option(name: "base-url", help: "The deployment, e.g. https://api.example.com")
        var baseURL: String?
        @Option(name: "token", help: "The probe user's access token (default: $HIREBASE_PROBE_TOKEN)")
        var token: String?
        @Option(name: "timeout", help: "Seconds per step, 1...300 (default 10)")
        var timeout: Int?
    }

    var help: String { "Checks a deployment end to end (health, reads, a CSRF-guarded write, a signed webhook)" }

    /// The environment variable holding the probe user's access token (when `--token` is not given).
    static let tokenVariable = "HIREBASE_PROBE_TOKEN"
    /// The environment variable holding the deployment's webhook signing secret(s). Read here, not
    /// through `AppConfig`: the probe checks another deployment and loads no configuration.
    static let webhookSecretVariable = "STRIPE_WEBHOOK_SECRET"

    /// At least one step failed (its line says which); the process exits with status 1.
    struct ProbeFailed: Error, CustomStringConvertible {
        var failed: [String]
        var description: String { "probe failed: \(failed.joined(separator: ", "))" }
    }

    /// The probe's options from the command line and `environment`.
    /// - Throws: `CommandUsageError` for a missing or malformed base URL (not http/https, no host,
    ///   a query or fragment), no token, or a timeout outside 1...300.
    static func options(_ signature: Signature, environment: [String: String]) throws -> Probe.Options {
        guard let raw = signature.baseURL, !raw.isEmpty else { throw CommandUsageError("probe needs --base-url URL") }
        guard let url = URL(string: raw), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
              url.host?.isEmpty == false, url.query == nil, url.fragment == nil, url.user == nil else {
            throw CommandUsageError("--base-url must be an http or https URL without user, query or fragment (got \(withoutUserInfo(raw)))")
        }
        var base = raw
        while base.hasSuffix("/") { base.removeLast() }
        guard let token = signature.token ?? environment[tokenVariable], !token.isEmpty else {
            throw CommandUsageError("probe needs the probe user's access token: --token or \(tokenVariable)")
        }
        let timeout = signature.timeout ?? 10
        guard (1...300).contains(timeout) else { throw CommandUsageError("--timeout must be in 1...300 seconds (got \(timeout))") }
        let secret = environment[webhookSecretVariable]?.split(separator: ",").first
            .map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 }
        return Probe.Options(baseURL: base, token: token, webhookSecret: secret, timeoutSeconds: timeout)
    }

    /// `raw` (a refused `--base-url`) with the user information of its authority (`user:password@`)
    /// shown as `***@`, so that a refusal never prints a password (cron mails and logs keep it).
    /// Works on the text, not on `URL`: a URL that does not parse may still hold one.
    static func withoutUserInfo(_ raw: String) -> String {
        guard let scheme = raw.range(of: "://") else { return raw }
        let authorityEnd = raw[scheme.upperBound...].firstIndex { "/?#".contains($0) } ?? raw.endIndex
        guard let at = raw[scheme.upperBound..<authorityEnd].lastIndex(of: "@") else { return raw }
        return String(raw[..<scheme.upperBound]) + "***" + String(raw[at...])
    }

    /// Runs the probe, printing each step's line as it ends and a summary line.
    /// - Throws: `CommandUsageError` (see `options`), `ProbeFailed` when a step failed.
    func run(using context: CommandContext, signature: Signature) async throws {
        let options = try Self.options(signature, environment: ProcessInfo.processInfo.environment)
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.timeout = .init(connect: .seconds(Int64(options.timeoutSeconds)))
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        let console = context.console
        let results = await Probe(options: options, client: client).run { result in
            console.output(result.line.consoleText())
        }
        try? await client.shutdown()
        let failed = results.filter(\.failed).map(\.name)
        let passed = results.filter { if case .ok = $0.outcome { true } else { false } }.count
        console.output("probe: \(passed) ok, \(failed.count) failed, \(results.count - passed - failed.count) skipped".consoleText())
        if !failed.isEmpty { throw ProbeFailed(failed: failed) }
    }

    /// Runs `hirebase probe ...` in `app` without the server's configuration, database or
    /// routes (`Bootstrap` calls this for the `probe` command).
    /// - Returns: the exit status: 0 passed, 1 a step failed, 2 a usage error.
    static func runStandalone(_ app: Application) async -> Int32 {
        app.asyncCommands.use(ProbeCommand(), as: "probe", isDefault: true)
        let status: Int32
        do {
            try await app.execute()
            status = 0
        } catch is ProbeFailed {
            status = 1
        } catch {
            // CommandUsageError, or ConsoleKit's own (an unknown option, a missing value).
            FileHandle.standardError.write(Data("hirebase probe: \(error)\n".utf8))
            status = 2
        }
        try? await app.asyncShutdown()
        return status
    }
}
