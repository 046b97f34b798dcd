/// Compares two strings in time that depends only on their lengths, so that an attacker cannot
/// learn a secret's prefix from response times (OWASP: "use constant-time comparison").
func constantTimeEquals(_ lhs: String, _ rhs: String) -> Bool {
    let a = Array(lhs.utf8)
    let b = Array(rhs.utf8)
    guard a.count == b.count else { return false }
    var difference: UInt8 = 0
    for index in a.indices { difference |= a[index] ^ b[index] }
    return difference == 0
}
