import AsyncHTTPClient
import BillingCore
import Foundation
import NIOCore
import NIOHTTP1

/// The end-to-end check `hirebase probe` runs against a deployment over HTTP: safe to repeat
/// (from cron, every few minutes), it consumes no plan usage and leaves one company and one job
/// of the probe user behind, reused by every later run.
///
/// Steps, in order, each one HTTP request with its own timeout:
/// 1. `health` (`GET /health`, 200) and `ready` (`GET /health/ready`, 200: `ok` or `degraded`);
/// 2. `companies` (`GET /companies`): finds the probe user's company named ``companyName``;
///    `company` (`POST /companies`) creates it only when missing;
/// 3. `jobs` (`GET /jobs?companyId=`): finds the probe job (title ``jobTitle``, not archived);
///    `job` (`POST /jobs`, a `draft`) creates it only when missing;
/// 4. reads in the other areas: `candidates`, `assessments` (`?companyId=`), `invitations`
///    (`GET /assessments/invitations`), `subscription-status`;
/// 5. `csrf-token` (`GET /csrf-token`) and `job-action` (`POST /job-action` with that token in
///    `X-CSRF-Token`, a CSRF-guarded write): moves the probe job one step along
///    draft -> open -> closed -> open -> closed ... (`publish`, then `close` and `reopen` in turn);
///    job actions are not metered (`API.md` § Billing: only invitations, matching and scraping are);
/// 6. `webhook` (`POST /webhooks/stripe`): a `customer.created` event (a type Hirebase
///    acknowledges and ignores, `StripeEventType`) signed with the webhook secret as Stripe signs
///    (`StripeSignature.header`); 200 with `ignored: true` expected. Skipped without a secret.
///
/// A step that needs an earlier one's result (the company id, the job, the CSRF token) is skipped
/// when that one failed; when `health` fails, every later step is skipped. The bearer token is sent, never shown: failure lines carry the status,
/// the error body's `code`, a trimmed `detail` and the `requestId`.
struct Probe: Sendable {
    /// What to probe and with what.
    struct Options: Sendable {
        /// The deployment's base URL (`https://api.example.com`, optionally with a path prefix),
        /// without a trailing `/`.
        var baseURL: String
        /// A Supabase access token of the probe user (sent as `Authorization: Bearer`).
        var token: String
        /// `STRIPE_WEBHOOK_SECRET` of the deployment (the first one when comma-separated); `nil`
        /// skips the webhook step.
        var webhookSecret: String?
        /// The timeout of each step's request, in seconds.
        var timeoutSeconds: Int
    }

    /// How one step ended.
    enum Outcome: Sendable, Equatable {
        /// Passed, in that many milliseconds (with a note such as `created`).
        case ok(milliseconds: Int, note: String?)
        /// Failed: what was wrong (status, code, detail; or the transport error).
        case failed(String)
        /// Not run: why.
        case skipped(String)
    }

    /// One step's name and outcome.
    struct StepResult: Sendable, Equatable {
        var name: String
        var outcome: Outcome

        /// `ok   health 12 ms`, `FAIL csrf-token: 503 service_unavailable ...`, `skip webhook: ...`.
        var line: String {
            switch outcome {
            case .ok(let milliseconds, let note): "ok   \(name) \(milliseconds) ms" + (note.map { " (\($0))" } ?? "")
            case .failed(let reason): "FAIL \(name): \(reason)"
            case .skipped(let reason): "skip \(name): \(reason)"
            }
        }

        /// Whether the step failed (a skipped step did not).
        var failed: Bool {
            if case .failed = outcome { return true }
            return false
        }
    }

    /// Every step's name, in order (`company` and `job` run only when they create something).
    static let stepNames = ["health", "ready", "companies", "company", "jobs", "job", "candidates", "assessments",
                            "invitations", "subscription-status", "csrf-token", "job-action", "webhook"]
    /// The name of the company the probe keeps (one per probe user).
    static let companyName = "hirebase-probe"
    /// The title of the job the probe keeps in that company.
    static let jobTitle = "hirebase-probe job"
    /// At most this many bytes of a response are read.
    static let maxBodyBytes = 1 << 20

    /// What to probe and with what.
    let options: Options
    /// The client every request goes through (redirects should be disallowed: a probe reports
    /// the deployment's own answer).
    let client: HTTPClient
    /// The time the webhook's signature is dated with.
    let now: @Sendable () -> Date

    /// A probe of `options.baseURL` through `client`; `now` dates the webhook's signature.
    init(options: Options, client: HTTPClient, now: @escaping @Sendable () -> Date = { Date() }) {
        self.options = options
        self.client = client
        self.now = now
    }

    /// Runs every step in order, handing each result to `report` as soon as it is known.
    /// - Returns: all results (never throws: a failure is a result).
    @discardableResult
    func run(report: @Sendable (StepResult) -> Void = { _ in }) async -> [StepResult] {
        var results: [StepResult] = []
        func record(_ name: String, _ outcome: Outcome) {
            let result = StepResult(name: name, outcome: outcome)
            results.append(result)
            report(result)
        }
        func step(_ name: String, _ method: HTTPMethod, _ path: String, json: [String: Any]? = nil, headers: HTTPHeaders = [:],
                  authenticated: Bool = true, expect: Set<Int> = [200], note: String? = nil) async -> Any? {
            let (outcome, body) = await call(method, path, json: json, headers: headers, authenticated: authenticated, expect: expect, note: note)
            record(name, outcome)
            if case .ok = outcome { return body ?? [:] as [String: Any] }
            return nil
        }

        // An unreachable server fails here once, rather than every step after its own timeout.
        guard await step("health", .GET, "/health", authenticated: false) != nil else {
            for name in Self.stepNames.dropFirst() { record(name, .skipped("needs health")) }
            return results
        }
        _ = await step("ready", .GET, "/health/ready", authenticated: false)

        // The probe's company: found, else created.
        var companyID: String?
        if let companies = await step("companies", .GET, "/companies") as? [[String: Any]] {
            companyID = companies.first { $0["name"] as? String == Self.companyName }?["id"] as? String
            if companyID == nil {
                let created = await step("company", .POST, "/companies", json: ["name": Self.companyName], expect: [201], note: "created")
                companyID = (created as? [String: Any])?["id"] as? String
            }
        } else {
            record("company", .skipped("needs companies"))
        }

        // The probe's job in it: found, else created as a draft.
        var job: [String: Any]?
        if let companyID {
            let query = "companyId=\(companyID)&limit=100"
            if let page = await step("jobs", .GET, "/jobs?\(query)") as? [String: Any] {
                let items = page["items"] as? [[String: Any]] ?? []
                job = items.first { $0["title"] as? String == Self.jobTitle && $0["status"] as? String != "archived" }
                if job == nil {
                    job = await step("job", .POST, "/jobs", json: [
                        "companyId": companyID, "title": Self.jobTitle,
                        "description": "Kept by `hirebase probe`, which moves it between open and closed on every run.",
                        "skills": ["monitoring"],
                    ], expect: [201], note: "created") as? [String: Any]
                }
            }
            _ = await step("candidates", .GET, "/candidates?\(query)")
            _ = await step("assessments", .GET, "/assessments?\(query)")
        } else {
            for name in ["jobs", "candidates", "assessments"] { record(name, .skipped("needs the probe company")) }
        }
        _ = await step("invitations", .GET, "/assessments/invitations?limit=1")
        _ = await step("subscription-status", .GET, "/subscription-status")

        // One CSRF-guarded write.
        let csrf = (await step("csrf-token", .GET, "/csrf-token") as? [String: Any])?["csrfToken"] as? String
        if let csrf, let job, let jobID = job["id"] as? String {
            let action = switch job["status"] as? String {
            case "draft": "publish"
            case "open": "close"
            default: "reopen"
            }
            _ = await step("job-action", .POST, "/job-action", json: ["jobId": jobID, "action": action],
                           headers: ["X-CSRF-Token": csrf], note: action)
        } else {
            record("job-action", .skipped(csrf == nil ? "needs a CSRF token" : "needs the probe job"))
        }

        if let secret = options.webhookSecret {
            record("webhook", await webhook(secret: secret))
        } else {
            record("webhook", .skipped("STRIPE_WEBHOOK_SECRET is not set"))
        }
        return results
    }

    /// Sends a signed `customer.created` event; 200 with `ignored: true` expected.
    private func webhook(secret: String) async -> Outcome {
        let timestamp = Int(now().timeIntervalSince1970)
        let id = "evt_hirebase_probe_\(timestamp)_\(UInt32.random(in: 0...UInt32.max))"
        let event: [String: Any] = [
            "id": id, "object": "event", "type": "customer.created", "created": timestamp, "livemode": false,
            "data": ["object": ["id": "cus_hirebase_probe", "object": "customer"]],
        ]
        guard let payload = try? JSONSerialization.data(withJSONObject: event, options: [.sortedKeys]) else {
            return .failed("could not encode the event")
        }
        let signature = StripeSignature.header(for: payload, secret: secret, timestamp: timestamp)
        let (outcome, body) = await call(.POST, "/webhooks/stripe", rawBody: payload,
                                         headers: [StripeSignature.headerName: signature], authenticated: false, expect: [200])
        if case .ok = outcome, (body as? [String: Any])?["ignored"] as? Bool != true {
            return .failed("200 but the event was not reported as ignored")
        }
        return outcome
    }

    /// One request with the step timeout. The body is JSON (`json`) or raw bytes sent as JSON.
    /// - Returns: the outcome and, when it passed, the decoded JSON body (`nil` when not JSON).
    private func call(_ method: HTTPMethod, _ path: String, json: [String: Any]? = nil, rawBody: Data? = nil,
                      headers: HTTPHeaders = [:], authenticated: Bool, expect: Set<Int>, note: String? = nil) async -> (Outcome, Any?) {
        var request = HTTPClientRequest(url: options.baseURL + path)
        request.method = method
        request.headers = headers
        request.headers.replaceOrAdd(name: "User-Agent", value: "hirebase-probe")
        if authenticated { request.headers.replaceOrAdd(name: "Authorization", value: "Bearer \(options.token)") }
        var bytes = rawBody
        if let json { bytes = try? JSONSerialization.data(withJSONObject: json) }
        if let bytes {
            request.headers.replaceOrAdd(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(data: bytes))
        }
        let started = ContinuousClock.now
        let client = self.client
        let timeout = Int64(options.timeoutSeconds)
        do {
            // The whole exchange, body included, within the step's timeout: AsyncHTTPClient's
            // deadline ends at the response head, so a server that sends its head and then
            // stalls or trickles the body would otherwise hold the probe for ever.
            let (status, buffer) = try await TimeLimit.run(within: .seconds(timeout)) { [request] in
                let response = try await client.execute(request, timeout: .seconds(timeout))
                return (response.status, try await response.body.collect(upTo: Self.maxBodyBytes))
            }
            let elapsed = ContinuousClock.now - started
            let milliseconds = Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
            let body = try? JSONSerialization.jsonObject(with: Data(buffer: buffer))
            guard expect.contains(Int(status.code)) else {
                return (.failed(Self.describe(status: status, body: body, raw: buffer, hiding: options.token)), nil)
            }
            return (.ok(milliseconds: milliseconds, note: note), body)
        } catch is TimeLimit.Exceeded {
            return (.failed("no complete answer within \(options.timeoutSeconds) s"), nil)
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
            return (.failed("no answer within \(options.timeoutSeconds) s (\(error))"), nil)
        } catch {
            return (.failed(Self.trim(Self.hiding(options.token, in: String(describing: error)), to: 200)), nil)
        }
    }

    /// `503 service_unavailable Database unavailable (request 1f0e...)` from an error body, or the
    /// status and the start of a body that is not the contract's error JSON.
    /// - Parameter secret: the access token: wherever the body repeats it (a proxy or a debug
    ///   endpoint echoing the request's headers), the line shows `[token]` instead.
    static func describe(status: HTTPResponseStatus, body: Any?, raw: ByteBuffer, hiding secret: String) -> String {
        var text = "\(status.code)"
        if let error = body as? [String: Any], let code = error["code"] as? String {
            text += " " + trim(hiding(secret, in: code), to: 64)
            if let detail = error["detail"] as? String { text += " " + trim(hiding(secret, in: detail), to: 200) }
            if let id = error["requestId"] as? String { text += " (request \(trim(hiding(secret, in: id), to: 64)))" }
        } else {
            // The whole (bounded) body is searched for the token before it is cut.
            let start = hiding(secret, in: String(decoding: raw.readableBytesView, as: UTF8.self))
            text += " " + (start.isEmpty ? status.reasonPhrase : trim(start, to: 120))
        }
        return text
    }

    /// `text` with every occurrence of `secret` replaced by `[token]`.
    static func hiding(_ secret: String, in text: String) -> String {
        secret.isEmpty ? text : text.replacingOccurrences(of: secret, with: "[token]")
    }

    /// `text` on one line, cut to `limit` characters (with `...`), with every control character
    /// (Unicode category Cc: ESC, BEL, ...) shown as `?`: text from the server never drives the
    /// terminal the probe prints to (an ANSI escape sequence could recolour, retitle or clear it).
    static func trim(_ text: String, to limit: Int) -> String {
        let line = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        var scalars = String.UnicodeScalarView()
        for scalar in line.unicodeScalars {
            scalars.append(scalar.properties.generalCategory == .control ? "?" : scalar)
        }
        let shown = String(scalars)
        return shown.count <= limit ? shown : String(shown.prefix(limit)) + "..."
    }
}
