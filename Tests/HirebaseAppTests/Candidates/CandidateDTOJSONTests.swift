import Foundation
import Testing
import Vapor
@testable import HirebaseApp

/// `CandidateDTO.jsonResponse` writes the JSON the app's configured `JSONEncoder` writes for the
/// same candidate (the same keys, values, dates to the second, escapes), whatever the text holds.
@Suite("Candidate JSON written by hand")
struct CandidateDTOJSONTests {
    /// The encoder configure.swift installs for `application/json`.
    private static func appEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return encoder
    }

    private static func candidate(_ text: String, years: Double?, at date: Date?, optionals: Bool) -> CandidateDTO {
        CandidateDTO(id: UUID().lowercased, companyId: UUID().lowercased, email: "a.b+\(text.count)@example.com", name: text,
                     headline: optionals ? text : nil, skills: optionals ? [text, "Swift", ""] : [], yearsExperience: years,
                     location: optionals ? "Zürich / \(text)" : nil, resumeText: optionals ? String(repeating: text, count: 3) : nil,
                     createdAt: date, updatedAt: date.map { $0.addingTimeInterval(1.25) })
    }

    static let texts = ["Ada Lovelace", "quote \" backslash \\ slash / done", "lines\nand\ttabs\r\u{08}\u{0C}", "controls \u{01}\u{1F}\u{7F} end",
                        "Zoë 🧑🏽‍💻 e\u{301} 日本語 \u{2028}", "", "\\\"\\"]
    static let years: [Double?] = [nil, 0, 5, 7.5, 80, 0.1, 33.333333333333336, 1e-5]
    static let dates: [Date?] = [nil, Date(), Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: -0.5),
                                 Date(timeIntervalSince1970: 951_868_799.999), Date(timeIntervalSince1970: 4_107_542_400),
                                 Date(timeIntervalSince1970: 253_402_300_799), Date(timeIntervalSince1970: -11_676_096_000)]

    @Test func writesWhatTheAppEncoderWrites() throws {
        let encoder = Self.appEncoder()
        var compared = 0
        for (index, text) in Self.texts.enumerated() {
            for (yearIndex, years) in Self.years.enumerated() {
                let date = Self.dates[(index + yearIndex) % Self.dates.count]
                for optionals in [true, false] {
                    let dto = Self.candidate(text, years: years, at: date, optionals: optionals)
                    let response = dto.jsonResponse(status: .created)
                    let body = try #require(response.body.buffer)
                    let mine = try JSONSerialization.jsonObject(with: Data(buffer: body)) as? NSDictionary
                    let theirs = try JSONSerialization.jsonObject(with: try encoder.encode(dto)) as? NSDictionary
                    #expect(mine != nil && mine == theirs, "\(String(buffer: body))")
                    #expect(try JSONDecoder().decode(CandidateDTOKeys.self, from: Data(buffer: body)).keys == CandidateDTOKeys.of(dto))
                    compared += 1
                }
            }
        }
        #expect(compared == Self.texts.count * Self.years.count * 2)
    }

    @Test func answersCreatedAsJSON() throws {
        let response = Self.candidate("x", years: 1, at: Date(), optionals: true).jsonResponse(status: .created)
        #expect(response.status == .created)
        #expect(response.headers.contentType == .json)
    }

    /// Every date the encoder might see in a stamp: the same text to the second, fraction dropped.
    @Test(arguments: dates.compactMap { $0 } + (0..<200).map { Date(timeIntervalSince1970: Double($0) * 7_776_123.377 - 700_000_000) })
    func timestampsMatchTheEncoder(date: Date) throws {
        let dto = CandidateDTO(id: "i", companyId: "c", email: "e", name: "n", headline: nil, skills: [], yearsExperience: nil, location: nil,
                               resumeText: nil, createdAt: date, updatedAt: nil)
        let mine = try JSONSerialization.jsonObject(with: Data(buffer: try #require(dto.jsonResponse(status: .ok).body.buffer))) as? [String: Any]
        let theirs = try JSONSerialization.jsonObject(with: try Self.appEncoder().encode(dto)) as? [String: Any]
        #expect(mine?["createdAt"] as? String == theirs?["createdAt"] as? String)
    }
}

/// The keys of a candidate's JSON object, to check that absent optionals are left out (not `null`).
private struct CandidateDTOKeys: Decodable, Equatable {
    var keys: Set<String>

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(from decoder: any Decoder) throws {
        keys = Set(try decoder.container(keyedBy: AnyKey.self).allKeys.map(\.stringValue))
    }

    init(keys: Set<String>) { self.keys = keys }

    static func of(_ dto: CandidateDTO) -> Set<String> {
        var keys: Set<String> = ["id", "companyId", "email", "name", "skills"]
        if dto.headline != nil { keys.insert("headline") }
        if dto.yearsExperience != nil { keys.insert("yearsExperience") }
        if dto.location != nil { keys.insert("location") }
        if dto.resumeText != nil { keys.insert("resumeText") }
        if dto.createdAt != nil { keys.insert("createdAt") }
        if dto.updatedAt != nil { keys.insert("updatedAt") }
        return keys
    }
}
