/// Punycode (RFC 3492), the Bootstring profile that turns a Unicode label into the ASCII after
/// `xn--` and back.
///
/// Decoding follows python's `punycode` codec, which the idna package uses: digits are
/// case-insensitive, everything before the last hyphen is taken as the basic code points, and a
/// decoded value above U+10FFFF is an error. Surrogate values are returned as they are (as
/// `UInt32`, since a Swift string cannot hold them) so that the IDNA code point check can
/// refuse them with its usual message.
enum Punycode {
    private static let base = 36
    private static let tMin = 1
    private static let tMax = 26
    private static let skew = 38
    private static let damp = 700
    private static let initialBias = 72
    private static let initialN = 0x80

    /// Encodes a label (without the `xn--` prefix).
    static func encode(_ input: [Unicode.Scalar]) -> [Unicode.Scalar] {
        let codes = input.map { Int($0.value) }
        var output: [Unicode.Scalar] = input.filter(\.isASCII)
        let basicCount = output.count
        if basicCount > 0 { output.append("-") }

        var n = initialN
        var delta = 0
        var bias = initialBias
        var handled = basicCount
        while handled < codes.count {
            // The smallest code point not yet handled; all smaller ones are already placed.
            let next = codes.filter { $0 >= n }.min() ?? n
            delta += (next - n) * (handled + 1)
            n = next
            for code in codes {
                if code < n { delta += 1 }
                if code == n {
                    var q = delta
                    var k = base
                    while true {
                        let t = threshold(k, bias)
                        if q < t { break }
                        output.append(digit(t + (q - t) % (base - t)))
                        q = (q - t) / (base - t)
                        k += base
                    }
                    output.append(digit(q))
                    bias = adapt(delta, first: handled == basicCount, count: handled + 1)
                    delta = 0
                    handled += 1
                }
            }
            delta += 1
            n += 1
        }
        return output
    }

    /// Decodes the part after `xn--`; nil when it is not valid Punycode.
    static func decode(_ input: [Unicode.Scalar]) -> [UInt32]? {
        guard input.allSatisfy(\.isASCII) else { return nil }
        var output: [UInt32]
        let extended: ArraySlice<Unicode.Scalar>
        if let hyphen = input.lastIndex(of: "-") {
            output = input[..<hyphen].map(\.value)
            extended = input[(hyphen + 1)...]
        } else {
            output = []
            extended = input[...]
        }

        var n = initialN
        var position = -1
        var bias = initialBias
        var cursor = extended.startIndex
        var first = true
        while cursor < extended.endIndex {
            // One generalized variable-length integer (RFC 3492 §3.3).
            var delta = 0
            var weight = 1
            var k = base
            while true {
                guard cursor < extended.endIndex,
                      let value = digitValue(extended[cursor]) else { return nil }
                cursor += 1
                let t = threshold(k, bias)
                let (product, overflow1) = value.multipliedReportingOverflow(by: weight)
                let (sum, overflow2) = delta.addingReportingOverflow(product)
                guard !overflow1, !overflow2 else { return nil }
                delta = sum
                if value < t { break }
                let (newWeight, overflow3) = weight.multipliedReportingOverflow(by: base - t)
                guard !overflow3 else { return nil }
                weight = newWeight
                k += base
            }
            let (advanced, overflow) = position.addingReportingOverflow(delta + 1)
            guard !overflow else { return nil }
            position = advanced
            n += position / (output.count + 1)
            guard n <= 0x10FFFF else { return nil }
            position %= output.count + 1
            output.insert(UInt32(n), at: position)
            bias = adapt(delta, first: first, count: output.count)
            first = false
        }
        return output
    }

    private static func threshold(_ k: Int, _ bias: Int) -> Int {
        min(max(k - bias, tMin), tMax)
    }

    /// Bias adaptation (RFC 3492 §3.4).
    private static func adapt(_ delta: Int, first: Bool, count: Int) -> Int {
        var delta = first ? delta / damp : delta / 2
        delta += delta / count
        var k = 0
        while delta > ((base - tMin) * tMax) / 2 {
            delta /= base - tMin
            k += base
        }
        return k + (base * delta) / (delta + skew)
    }

    private static func digit(_ value: Int) -> Unicode.Scalar {
        // 0-25 are a-z, 26-35 are 0-9; lower case is what the idna package emits.
        let code = value < 26 ? 0x61 + value : 0x30 + value - 26
        return Unicode.Scalar(UInt8(code))
    }

    private static func digitValue(_ scalar: Unicode.Scalar) -> Int? {
        switch scalar.value {
        case 0x41...0x5A: Int(scalar.value) - 0x41
        case 0x61...0x7A: Int(scalar.value) - 0x61
        case 0x30...0x39: Int(scalar.value) - 0x30 + 26
        default: nil
        }
    }
}
