import BillingCore
import Crypto
import Foundation

/// Random bearer secrets (CSRF tokens, invitation tokens) and their stored form.
///
/// A token is 256 random bits, base64url without padding (43 characters); only its SHA-256 (hex)
/// is stored, so a database leak does not leak usable tokens (OWASP CSRF and session cheat sheets).
public enum SecretToken {
    /// A new random token.
    public static func generate() -> String {
        SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }.base64URLEncodedString()
    }

    /// SHA-256 of the token's UTF-8 bytes, lower-case hex: what the database keeps.
    public static func hash(_ token: String) -> String {
        LowercaseHex.string(of: SHA256.hash(data: Data(token.utf8)))
    }
}
