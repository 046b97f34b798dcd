/// The reason an address was refused by ``EmailAddressValidator``.
///
/// `message` is meant for people: it follows the wording of python `email-validator` 2.3's
/// `EmailSyntaxError` messages (for example "An email address must have an @-sign." or
/// "The part after the @-sign is a special-use or reserved name that cannot be used with
/// email."), so users and logs see the same text whichever side of the system refused the
/// address. The wording is not an API: match on it only in tests.
public struct EmailAddressError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A one-sentence explanation, ending with a period, that names the offending characters
    /// or the limit that was exceeded.
    public let message: String

    /// Creates an error with the given explanation.
    public init(message: String) {
        self.message = message
    }

    /// The message, so that string interpolation of the error reads naturally in logs.
    public var description: String { message }
}
