import JSONTree
import BillingCore
import Foundation
import Testing

/// Files under Fixtures/ (see Fixtures/SOURCES.md), read as raw bytes.
enum Fixture {
    static func data(_ relativePath: String) throws -> Data {
        let root = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil), "Fixtures folder missing from the test bundle")
        let url = root.appendingPathComponent(relativePath)
        #expect(FileManager.default.fileExists(atPath: url.path), "missing fixture \(relativePath)")
        return try Data(contentsOf: url)
    }

    /// A full event from Fixtures/events/.
    static func event(_ name: String) throws -> StripeEvent {
        try StripeEvent(payload: data("events/\(name).json"))
    }

    /// A JSON file from Fixtures/stripe-public/ (Stripe's and pay-rails' published fixtures).
    static func publicJSON(_ name: String) throws -> JSONValue {
        try JSONValue(parsing: data("stripe-public/\(name).json"))
    }

    /// `data.object` of a pay-rails capture, which holds only the event's `data` part.
    static func publicDataObject(_ name: String) throws -> JSONValue {
        try #require(publicJSON(name)["object"])
    }
}

extension Date {
    /// A UTC instant from ISO 8601 text such as `2028-02-29T23:59:59Z`.
    static func utc(_ text: String) -> Date {
        // Tests only: a malformed literal is a bug in the test, so it shows as an obviously wrong date.
        (try? Date(text, strategy: .iso8601)) ?? .distantPast
    }
}
