import Foundation
import Testing
@testable import BillingCore

/// Headers produced and judged by Stripe's official Python library (Fixtures/stripe-python-signed,
/// made by its generate.py; versions in manifest.json and Fixtures/SOURCES.md). The Swift verifier
/// must accept exactly what stripe-python accepts and refuse the rest for the same reason.
@Suite struct StripeSignaturePythonCrossCheckTests {
    struct Manifest: Decodable {
        var python: String
        var stripe: String
        var cases: [Case]
    }

    struct Case: Decodable, CustomTestStringConvertible, Sendable {
        var name: String
        var payload: String
        var header: String
        var timestamp: Int
        var now: Int
        var tolerance: Double
        var secrets: [String]
        /// stripe-python's verdict per secret: "valid" or its error message.
        var python: [String: String]

        var testDescription: String { name }
    }

    static func manifest() throws -> Manifest {
        try JSONDecoder().decode(Manifest.self, from: Fixture.data("stripe-python-signed/manifest.json"))
    }

    static var cases: [Case] {
        (try? manifest().cases) ?? []
    }

    /// stripe-python's messages mapped to this library's errors.
    static func expectedError(forPythonMessage message: String) -> StripeSignatureError? {
        if message.hasPrefix("No signatures found matching") { return .noMatchingSignature }
        if message.hasPrefix("No signatures found with expected scheme") { return .noSignaturesForScheme }
        if message.hasPrefix("Unable to extract timestamp") { return .malformedHeader }
        if message.hasPrefix("Timestamp outside the tolerance zone") { return .timestampOutsideTolerance(timestamp: 0) }
        return nil
    }

    @Test func manifestRecordsTheGenerator() throws {
        let manifest = try Self.manifest()
        #expect(manifest.stripe == "16.1.0")
        #expect(manifest.python.hasPrefix("3."))
        #expect(manifest.cases.count >= 3)
        #expect(manifest.cases.filter { $0.python.values.contains("valid") }.count >= 3)
    }

    @Test(arguments: cases)
    func swiftAgreesWithStripePython(_ check: Case) throws {
        let payload = try Fixture.data("stripe-python-signed/\(check.payload)")
        let now = Date(timeIntervalSince1970: TimeInterval(check.now))
        let verifier = StripeSignature(secrets: check.secrets, tolerance: check.tolerance)

        // Several configured secrets are tried like several calls to stripe-python: valid if any is.
        let pythonAccepts = check.python.values.contains("valid")
        let result = Result { () throws(StripeSignatureError) in try verifier.verify(payload: payload, header: check.header, now: now) }
        switch result {
        case .success(let timestamp):
            #expect(pythonAccepts, "Swift accepted what stripe-python refused: \(check.python)")
            #expect(timestamp == check.timestamp)
        case .failure(let error):
            #expect(!pythonAccepts, "Swift refused (\(error)) what stripe-python accepted")
            // With one secret the reason must match too (with several, Python's last answer would decide).
            if check.secrets.count == 1, let message = check.python[check.secrets[0]] {
                let expected = try #require(Self.expectedError(forPythonMessage: message), "unmapped message \(message)")
                if case .timestampOutsideTolerance = expected {
                    #expect(error == .timestampOutsideTolerance(timestamp: check.timestamp))
                } else {
                    #expect(error == expected)
                }
            }
        }
    }

    @Test func swiftSignsLikeStripePython() throws {
        // For each header stripe-python generated with a single v1, Swift's signer gives the same text.
        for check in try Self.manifest().cases where check.python.values.contains("valid") && check.header.components(separatedBy: "v1=").count == 2 {
            let payload = try Fixture.data("stripe-python-signed/\(check.payload)")
            let validSecret = try #require(check.python.first { $0.value == "valid" }?.key)
            #expect(StripeSignature.header(for: payload, secret: validSecret, timestamp: check.timestamp) == check.header, "\(check.name)")
        }
    }
}
