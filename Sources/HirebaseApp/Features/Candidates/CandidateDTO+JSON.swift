import Foundation
import NIOCore
import Vapor

extension CandidateDTO {
    /// This candidate as `POST /candidates` answers it: status `status`, the JSON body the app's
    /// `JSONEncoder` writes (configure.swift: RFC 3339 dates in whole seconds, UTC; slashes not
    /// escaped; absent optionals left out), written field by field. The generic encoder walks
    /// the `Codable` conformance through existentials and was a twentieth of the request's CPU
    /// once the insert was one statement; `CandidateDTOJSONTests` holds the two to the same JSON.
    func jsonResponse(status: HTTPStatus) -> Response {
        var json = JSONText(capacity: 256 + email.utf8.count + name.utf8.count + (resumeText?.utf8.count ?? 0))
        json.field("id", string: id, first: true)
        json.field("companyId", string: companyId)
        json.field("email", string: email)
        json.field("name", string: name)
        if let headline { json.field("headline", string: headline) }
        json.key("skills")
        json.append("[")
        for (index, skill) in skills.enumerated() {
            if index > 0 { json.append(",") }
            json.string(skill)
        }
        json.append("]")
        if let yearsExperience { json.field("yearsExperience", number: yearsExperience) }
        if let location { json.field("location", string: location) }
        if let resumeText { json.field("resumeText", string: resumeText) }
        if let createdAt { json.field("createdAt", string: JSONText.timestamp(createdAt)) }
        if let updatedAt { json.field("updatedAt", string: JSONText.timestamp(updatedAt)) }
        json.append("}")
        var headers = HTTPHeaders()
        headers.contentType = .json
        return Response(status: status, headers: headers, body: .init(buffer: json.buffer))
    }
}

/// A JSON object being written into a `ByteBuffer` (RFC 8259): strings escaped as Foundation's
/// `JSONEncoder` escapes them with `.withoutEscapingSlashes` (`"`, `\`, and the control
/// characters below U+0020; everything else as UTF-8).
private struct JSONText {
    var buffer: ByteBuffer

    init(capacity: Int) {
        buffer = ByteBufferAllocator().buffer(capacity: capacity)
    }

    mutating func append(_ text: StaticString) { buffer.writeStaticString(text) }

    /// `"name":` after `{` (the first) or `,`.
    mutating func key(_ name: StaticString, first: Bool = false) {
        buffer.writeStaticString(first ? "{\"" : ",\"")
        buffer.writeStaticString(name)
        buffer.writeStaticString("\":")
    }

    mutating func field(_ name: StaticString, string value: String, first: Bool = false) {
        key(name, first: first)
        string(value)
    }

    /// A number as `JSONEncoder` writes a finite `Double`: Swift's shortest round-tripping form
    /// with a trailing `.0` dropped (`5`, `7.5`). The validator bounds `yearsExperience` to 0...80.
    mutating func field(_ name: StaticString, number value: Double) {
        key(name)
        let text = value.description
        buffer.writeString(text.hasSuffix(".0") ? String(text.dropLast(2)) : text)
    }

    /// `value` quoted and escaped.
    mutating func string(_ value: String) {
        buffer.writeStaticString("\"")
        var start = value.utf8.startIndex
        var index = start
        let utf8 = value.utf8
        while index != utf8.endIndex {
            let byte = utf8[index]
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 {
                buffer.writeSubstring(value[start..<index])
                switch byte {
                case UInt8(ascii: "\""): buffer.writeStaticString("\\\"")
                case UInt8(ascii: "\\"): buffer.writeStaticString("\\\\")
                case 0x0A: buffer.writeStaticString("\\n")
                case 0x0D: buffer.writeStaticString("\\r")
                case 0x09: buffer.writeStaticString("\\t")
                case 0x08: buffer.writeStaticString("\\b")
                case 0x0C: buffer.writeStaticString("\\f")
                default:
                    let hex = Array("0123456789abcdef".utf8)
                    buffer.writeStaticString("\\u00")
                    buffer.writeInteger(hex[Int(byte >> 4)])
                    buffer.writeInteger(hex[Int(byte & 0x0F)])
                }
                start = utf8.index(after: index)
            }
            index = utf8.index(after: index)
        }
        buffer.writeSubstring(value[start..<utf8.endIndex])
        buffer.writeStaticString("\"")
    }

    /// `date` as `JSONEncoder`'s `.iso8601` strategy writes it: `yyyy-MM-ddTHH:mm:ssZ` in UTC,
    /// the fraction of a second dropped. Days to a civil date by Howard Hinnant's
    /// `civil_from_days` (proleptic Gregorian, the calendar RFC 3339 uses): the same text as
    /// Foundation's for years 1583 to 9999 (before 1583 Foundation counts Julian days).
    static func timestamp(_ date: Date) -> String {
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        let (days, secondOfDay) = (seconds.quotientAndRemainder(dividingBy: 86_400))
        let (day, second) = secondOfDay < 0 ? (days - 1, secondOfDay + 86_400) : (days, secondOfDay)
        let shifted = day + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let dayOfMonth = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func padded(_ value: Int64, _ width: Int) -> String {
            let digits = String(value)
            return digits.count < width ? String(repeating: "0", count: width - digits.count) + digits : digits
        }
        return "\(padded(year, 4))-\(padded(month, 2))-\(padded(dayOfMonth, 2))T\(padded(second / 3_600, 2)):\(padded(second % 3_600 / 60, 2)):\(padded(second % 60, 2))Z"
    }
}
