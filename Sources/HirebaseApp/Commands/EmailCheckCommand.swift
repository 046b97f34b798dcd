import EmailValidation
import Foundation
import Vapor

/// `hirebase email-check`: reads a JSON array of strings on standard input and writes a JSON
/// array of `{"valid", "normalized", "error"}` in the same order, using the same validator as the
/// API. Used by the interop check against python `email-validator`.
struct EmailCheckCommand: AsyncCommand {
    struct Signature: CommandSignature {}

    var help: String { "Checks e-mail addresses (JSON array on stdin) as the API does" }

    /// Encodes all three keys, `null` included, as the interop check expects.
    struct Verdict: Encodable {
        var valid: Bool
        var normalized: String?
        var error: String?

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(valid, forKey: .valid)
            try container.encode(normalized, forKey: .normalized)
            try container.encode(error, forKey: .error)
        }

        enum CodingKeys: String, CodingKey { case valid, normalized, error }
    }

    func run(using context: CommandContext, signature: Signature) async throws {
        let input = FileHandle.standardInput.readDataToEndOfFile()
        let addresses = try JSONDecoder().decode([String].self, from: input)
        let validator = EmailAddressValidator()
        let verdicts = addresses.map { address -> Verdict in
            do throws(EmailAddressError) {
                return Verdict(valid: true, normalized: try validator.validate(address).normalized, error: nil)
            } catch {
                return Verdict(valid: false, normalized: nil, error: error.message)
            }
        }
        FileHandle.standardOutput.write(try JSONEncoder().encode(verdicts))
        FileHandle.standardOutput.write(Data("\n".utf8))
    }
}
