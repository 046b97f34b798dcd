// Temporary stand-in until the real validator lands (this file is to be deleted then).
public struct EmailAddressError: Error, Sendable, Equatable { public let message: String }
public struct ValidatedEmailAddress: Sendable, Equatable {
    public let localPart: String
    public let domain: String
    public let asciiDomain: String
    public var normalized: String { localPart + "@" + domain }
}
public struct EmailAddressValidator: Sendable {
    public init() {}
    public func validate(_ address: String) throws(EmailAddressError) -> ValidatedEmailAddress {
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains(".") else { throw EmailAddressError(message: "invalid") }
        return ValidatedEmailAddress(localPart: String(parts[0]), domain: parts[1].lowercased(), asciiDomain: parts[1].lowercased())
    }
}
