import Foundation
import MatchingCore

/// A synthetic but realistic candidate pool and job, generated from a fixed seed.
///
/// Realistic in what costs time: skills written many ways (`"JS"`, `"React.js"`, `"Python 3"`,
/// `"k8s"`), repeated places in several spellings, missing data (~10% no years, ~10% no place,
/// ~15% no résumé) and résumés of 80–400 words (≈0.5–2.7 KB) from a vocabulary with a long tail
/// of rare words, as parsed résumés have.
enum SyntheticPool {
    static let job = JobProfile(
        title: "Senior Backend Engineer (Go, Kubernetes)",
        description: """
        We are looking for a senior backend engineer to design, build and operate the services behind \
        our hiring platform. You will own Go microservices running on Kubernetes in AWS, model data in \
        PostgreSQL, stream events through Kafka and expose gRPC and REST APIs to our web and mobile teams. \
        You care about reliability, observability (Prometheus, Grafana), clean code and mentoring. \
        Experience with Terraform, CI/CD pipelines and distributed systems is a plus. Hybrid role in our \
        Berlin office, two days a week on site.
        """,
        skills: ["Go", "PostgreSQL", "k8s", "AWS", "gRPC", "Kafka"],
        location: "Berlin, Germany",
        remote: false,
        minYearsExperience: 5
    )

    /// Skills with their spellings; earlier rows are more common.
    private static let skills: [[String]] = [
        ["JavaScript", "JS", "javascript", "Javascript (ES6)"], ["Python", "python3", "Python 3.11", "py"],
        ["SQL", "sql"], ["TypeScript", "TS", "typescript"], ["React", "React.js", "ReactJS", "react 18"],
        ["Java", "Java 17", "java"], ["Docker", "docker"], ["AWS", "Amazon Web Services", "aws"],
        ["Node.js", "NodeJS", "node"], ["Git", "git"], ["PostgreSQL", "Postgres", "psql", "postgresql 15"],
        ["Kubernetes", "k8s", "K8S"], ["Go", "Golang", "golang"], ["Linux", "linux"], ["HTML", "HTML5"],
        ["CSS", "CSS3"], ["C#", "c#", "CSharp"], ["C++", "cpp", "C++17"], ["C", "C language"],
        [".NET", ".net core", "dotnet"], ["MySQL"], ["MongoDB", "Mongo"], ["Redis"], ["Kafka", "Apache Kafka"],
        ["GCP", "Google Cloud"], ["Azure", "Microsoft Azure"], ["Terraform"], ["CI/CD", "cicd"],
        ["gRPC", "grpc"], ["REST", "RESTful APIs"], ["GraphQL"], ["Vue.js", "vue.js 2", "Vue"],
        ["Angular", "Angular 2+"], ["Django"], ["Flask"], ["Spring Boot"], ["Ruby on Rails", "Rails"],
        ["PHP"], ["Rust"], ["Kotlin"], ["Swift"], ["Scala"], ["R"], ["Machine Learning", "ML"],
        ["TensorFlow"], ["PyTorch"], ["pandas"], ["NumPy"], ["Spark", "PySpark"], ["Airflow"],
        ["Tableau"], ["Power BI"], ["Excel"], ["Figma"], ["Jira"], ["Agile", "Scrum"], ["Microservices"],
        ["Prometheus"], ["Grafana"], ["Ansible"], ["Jenkins"], ["GitHub Actions"], ["Elasticsearch"],
        ["DynamoDB"], ["Snowflake"], ["dbt"], ["Flutter"], ["React Native"], ["iOS"], ["Android"],
        ["Data Analysis"], ["Team Leadership"], ["Stakeholder Management"], ["Salesforce"], ["SAP"],
        ["Embedded Systems"], ["FPGA"], ["Unity"], ["C/C++"], ["Bash", "shell scripting"],
    ]

    private static let places: [String?] = [
        "Berlin, Germany", "Berlin", "berlin, DE", "Munich, Bavaria, Germany", "München", "Hamburg, Germany",
        "Cologne, Germany", "Frankfurt am Main, Germany", "Leipzig, Germany", "Vienna, Austria", "Zürich, Switzerland",
        "Amsterdam, Netherlands", "London, UK", "Manchester, United Kingdom", "Paris, France", "Madrid, Spain",
        "Lisbon, Portugal", "Warsaw, Poland", "Prague, Czech Republic", "New York, NY, USA", "NYC",
        "San Francisco, CA", "Austin, TX, USA", "Toronto, Canada", "Bengaluru, India", "Bangalore", "Remote",
        "Remote (EU)", "Germany", nil,
    ]

    private static let roles = [
        "Backend Engineer", "Software Engineer", "Frontend Developer", "Full Stack Developer", "Data Scientist",
        "Data Engineer", "DevOps Engineer", "Site Reliability Engineer", "Mobile Developer", "Engineering Manager",
        "QA Engineer", "Machine Learning Engineer", "Product Designer", "Platform Engineer", "Solutions Architect",
    ]

    private static let seniority = ["Junior", "", "", "Senior", "Senior", "Lead", "Staff", "Principal"]

    private static let commonWords = """
    built designed implemented led owned shipped maintained migrated scaled improved reduced increased \
    automated delivered mentored collaborated with across team teams product customers users platform \
    service services system systems data pipeline pipelines api apis backend frontend web mobile cloud \
    infrastructure performance latency reliability availability monitoring testing tests coverage code \
    review reviews architecture design features feature release releases production incident incidents \
    on-call deployment deployments cost costs million requests per second daily weekly real-time batch \
    processing analytics dashboard dashboards reporting internal external tooling developer experience \
    security compliance gdpr payments checkout search recommendation ranking events queue queues cache \
    caching database databases schema migrations query queries optimization refactoring legacy modern \
    stack startup company enterprise clients stakeholders requirements roadmap strategy agile sprint \
    planning hiring interviews onboarding documentation open source contributor conference talk speaker \
    university degree bachelor master computer science engineering mathematics physics certified \
    responsible for working in the and of to a with using on from by at as an our my we their this that \
    large small high low new existing multiple several key critical core end-to-end full ownership
    """.split(separator: " ").map(String.init)

    /// `count` candidates; the same `count` and `seed` always give the same pool.
    static func candidates(count: Int, seed: UInt64 = 0x5EED_2024) -> [CandidateProfile] {
        var random = SplitMix64(seed: seed)
        // A long tail of rare words (company and project names, jargon) as real résumés have.
        let rareWords = (0..<20_000).map { _ in pseudoWord(&random) }
        return (0..<count).map { _ in candidate(&random, rareWords: rareWords) }
    }

    private static func candidate(_ random: inout SplitMix64, rareWords: [String]) -> CandidateProfile {
        var written: [String] = []
        for _ in 0..<Int.random(in: 3...12, using: &random) {
            let row = skills[skewedIndex(skills.count, &random)]
            let spelling = row[Int.random(in: 0..<row.count, using: &random)]
            if !written.contains(spelling) { written.append(spelling) }
        }
        let role = roles[Int.random(in: 0..<roles.count, using: &random)]
        let level = seniority[Int.random(in: 0..<seniority.count, using: &random)]
        let headline = "\(level.isEmpty ? "" : level + " ")\(role) · \(written.prefix(3).joined(separator: ", "))"
        let years: Double? = Int.random(in: 0..<10, using: &random) == 0
            ? nil : Double(Int.random(in: 0...250, using: &random)) / 10
        let place = places[Int.random(in: 0..<places.count, using: &random)]
        let resume: String? = Int.random(in: 0..<100, using: &random) < 15
            ? nil : resumeText(&random, skills: written, role: role, rareWords: rareWords)
        return CandidateProfile(
            id: uuid(&random),
            name: "Candidate \(random.next() % 1_000_000)",
            headline: headline,
            skills: written,
            yearsExperience: years,
            location: place,
            resumeText: resume
        )
    }

    private static func resumeText(
        _ random: inout SplitMix64,
        skills: [String],
        role: String,
        rareWords: [String]
    ) -> String {
        let target = Int.random(in: 80...400, using: &random)
        var words: [String] = ["\(role).", "Contact:", "someone\(random.next() % 10_000)@example.com"]
        words.reserveCapacity(target + 20)
        while words.count < target {
            let sentenceLength = Int.random(in: 6...18, using: &random)
            for position in 0..<sentenceLength {
                let roll = Int.random(in: 0..<100, using: &random)
                var word: String
                if roll < 8, let skill = skills.randomElement(using: &random) {
                    word = skill
                } else if roll < 20 {
                    word = rareWords[skewedIndex(rareWords.count, &random)]
                } else {
                    word = commonWords[skewedIndex(commonWords.count, &random)]
                }
                if position == 0 { word = word.prefix(1).uppercased() + word.dropFirst() }
                if position == sentenceLength - 1 { word += "." } else if roll % 13 == 0 { word += "," }
                words.append(word)
            }
        }
        return words.joined(separator: " ")
    }

    /// Index in `0..<count` biased toward the front (roughly Zipf-like), as skill and word use is.
    private static func skewedIndex(_ count: Int, _ random: inout SplitMix64) -> Int {
        let unit = Double(random.next() >> 11) / Double(1 << 53)
        return min(count - 1, Int(Double(count) * unit * unit * unit))
    }

    private static func pseudoWord(_ random: inout SplitMix64) -> String {
        let syllables = ["ka", "lo", "mi", "ter", "on", "vex", "ra", "sol", "qui", "den", "tra", "no", "zu", "pel", "gor", "ix"]
        return (0..<Int.random(in: 2...4, using: &random))
            .map { _ in syllables[Int.random(in: 0..<syllables.count, using: &random)] }
            .joined()
    }

    private static func uuid(_ random: inout SplitMix64) -> UUID {
        let high = random.next()
        let low = random.next()
        var bytes = [UInt8](repeating: 0, count: 16)
        for index in 0..<8 {
            bytes[index] = UInt8(truncatingIfNeeded: high >> (56 - 8 * index))
            bytes[8 + index] = UInt8(truncatingIfNeeded: low >> (56 - 8 * index))
        }
        bytes[6] = (bytes[6] & 0x0F) | 0x40 // version 4
        bytes[8] = (bytes[8] & 0x3F) | 0x80 // RFC 4122 variant
        return UUID(uuid: (
            bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
            bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]
        ))
    }
}
