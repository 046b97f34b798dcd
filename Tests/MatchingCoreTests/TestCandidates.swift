import Foundation
import MatchingCore

/// Builders for test pools: readable fixed ids and a seeded random pool.
enum TestCandidates {
    /// `00000000-0000-0000-0000-<n, 12 digits>`: ids whose string order is their number order.
    static func id(_ number: Int) -> UUID {
        UUID(uuidString: String(format: "00000000-0000-0000-0000-%012d", number))!
    }

    /// A pool with every kind of data the matcher reads, from a fixed seed.
    static func randomPool(count: Int, seed: UInt64) -> [CandidateProfile] {
        var random = Random(seed: seed)
        let skills = ["Go", "golang", "k8s", "Kubernetes", "Postgres", "PostgreSQL 16", "AWS", "JS", "TypeScript",
                      "React.js", "python3", "C", "C#", "C++", "C/C++", "R", ".NET", "Kafka", "gRPC", "Terraform",
                      "Elixir", "Cobol", "Rust", "Java 17", "ML", "Scrum"]
        let places: [String?] = ["Berlin, Germany", "Berlin", "Munich, Germany", "Germany", "NYC", "New York, NY, USA",
                                 "London, UK", "Remote", nil, "Paris, France"]
        let words = ["built", "services", "go", "kubernetes", "k8s", "postgres", "api", "team", "led", "kafka",
                     "the", "and", "with", "react", "frontend", "backend", "data", "ml", "cloud", "aws", "python"]
        return (0..<count).map { number in
            let skillCount = random.below(7)
            let resumeLength = random.below(4) == 0 ? 0 : 5 + random.below(60)
            return CandidateProfile(
                id: UUID(uuid: random.uuidBytes()),
                name: "Person \(number)",
                headline: random.below(3) == 0 ? nil : "Engineer with \(words[random.below(words.count)])",
                skills: (0..<skillCount).map { _ in skills[random.below(skills.count)] },
                yearsExperience: random.below(5) == 0 ? nil : Double(random.below(200)) / 10,
                location: places[random.below(places.count)],
                resumeText: resumeLength == 0 ? nil
                    : (0..<resumeLength).map { _ in words[random.below(words.count)] }.joined(separator: " ")
            )
        }
    }

    /// SplitMix64, so pools are the same on every run and platform.
    struct Random: RandomNumberGenerator {
        private var state: UInt64

        init(seed: UInt64) { state = seed }

        mutating func next() -> UInt64 {
            state = state &+ 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }

        mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }

        mutating func uuidBytes() -> uuid_t {
            let a = next(), b = next()
            func byte(_ word: UInt64, _ index: Int) -> UInt8 { UInt8(truncatingIfNeeded: word >> (8 * index)) }
            return (byte(a, 0), byte(a, 1), byte(a, 2), byte(a, 3), byte(a, 4), byte(a, 5), byte(a, 6), byte(a, 7),
                    byte(b, 0), byte(b, 1), byte(b, 2), byte(b, 3), byte(b, 4), byte(b, 5), byte(b, 6), byte(b, 7))
        }
    }
}
