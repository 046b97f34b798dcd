import Foundation
import Testing

/// The HTML pages under Fixtures/, read as raw bytes the way the fetcher hands them over.
enum Fixture {
    /// The URL every fixture page is parsed as, so relative links resolve against it.
    static let pageURL = URL(string: "https://careers.example.com/jobs/42")!

    static func bytes(_ name: String) throws -> [UInt8] {
        Array(try data(name))
    }

    static func data(_ name: String) throws -> Data {
        let url = try #require(
            Bundle.module.url(forResource: name, withExtension: "html", subdirectory: "Fixtures"),
            "missing fixture \(name).html"
        )
        return try Data(contentsOf: url)
    }

    /// Every fixture's name (without ".html"), sorted.
    static func allNames() throws -> [String] {
        let directory = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        return try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".html") }
            .map { String($0.dropLast(".html".count)) }
            .sorted()
    }
}
