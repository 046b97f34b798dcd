import EmailValidation
import Foundation

extension FieldValidator {
    /// Checks an e-mail address the way every endpoint does: surrounding white space trimmed,
    /// then validated and normalized as python `email-validator` 2.3 does (`EmailAddressValidator`).
    /// - Returns: the normalized address (the form to store and show), or `nil` after recording
    ///   an error (missing when `required`, or the validator's message).
    mutating func email(_ value: String?, _ field: String, required: Bool = true) -> String? {
        let trimmed = value?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        guard !trimmed.isEmpty else {
            if required { fail(field, "is required") }
            return nil
        }
        do throws(EmailAddressError) {
            return try EmailAddressValidator().validate(trimmed).normalized
        } catch {
            fail(field, error.message)
            return nil
        }
    }
}

/// The form under which e-mail addresses are compared: users found by e-mail, one open
/// invitation per candidate address, one candidate per address in a company.
///
/// Lower-cased whole: local parts are case-sensitive by RFC 5321 § 2.4, but no mail system a
/// recruiter deals with treats `Ann@` and `ann@` as two people, and Supabase stores addresses
/// lower-cased.
enum EmailLookupKey {
    /// The key of `address` (a normalized address, or an e-mail claim from a token).
    static func of(_ address: String) -> String {
        address.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
    }
}
