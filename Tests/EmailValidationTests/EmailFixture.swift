import Foundation

/// One row of a tab-separated fixture file in `Fixtures/`.
///
/// The fixture files are UTF-8 with LF line endings; lines starting with `#` are comments. They
/// are split on the LF byte only, because some addresses contain U+2028/U+2029, which
/// `String`-level line splitting would treat as line breaks. Control characters, which a TSV
/// cannot hold, are written as Unicode "control pictures" (U+2400 + code, U+2421 for DEL) and
/// decoded here. Leading and trailing spaces in a field are significant.
struct EmailFixture: Sendable {
    /// 1-based line number in the file, for failure messages.
    let line: Int
    /// The decoded fields of the row.
    let fields: [String]

    /// Loads every data row of `Fixtures/<name>`.
    static func load(_ name: String) throws -> [EmailFixture] {
        let base = (name as NSString).deletingPathExtension
        let ext = (name as NSString).pathExtension
        guard let url = Bundle.module.url(forResource: base, withExtension: ext, subdirectory: "Fixtures") else {
            throw FixtureError(message: "missing fixture Fixtures/\(name)")
        }
        let data = try Data(contentsOf: url)
        var rows: [EmailFixture] = []
        for (index, lineBytes) in data.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() {
            if lineBytes.isEmpty || lineBytes.first == UInt8(ascii: "#") { continue }
            let fields = lineBytes.split(separator: 0x09, omittingEmptySubsequences: false).map { bytes in
                decodeControlPictures(String(decoding: bytes, as: UTF8.self))
            }
            rows.append(EmailFixture(line: index + 1, fields: fields))
        }
        return rows
    }

    /// Turns U+2400...U+241F back into U+0000...U+001F and U+2421 into DEL.
    static func decodeControlPictures(_ text: String) -> String {
        var result = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x2400...0x241F: result.append(Unicode.Scalar(UInt8(scalar.value - 0x2400)))
            case 0x2421: result.append(Unicode.Scalar(0x7F as UInt8))
            default: result.append(scalar)
            }
        }
        return String(result)
    }

    /// Writes control characters as control pictures again, so failure messages stay readable.
    static func encodeControlPictures(_ text: String) -> String {
        var result = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x00...0x1F: result.append(Unicode.Scalar(0x2400 + scalar.value) ?? scalar)
            case 0x7F: result.append("\u{2421}")
            default: result.append(scalar)
            }
        }
        return String(result)
    }
}

/// A fixture file that is missing or malformed.
struct FixtureError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
