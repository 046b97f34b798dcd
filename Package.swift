// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "hirebase",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "hirebase", targets: ["Hirebase"]),
    ],
    dependencies: [
        .package(url: "https://github.com/vapor/vapor.git", from: "4.115.0"),
        .package(url: "https://github.com/vapor/fluent.git", from: "4.12.0"),
        .package(url: "https://github.com/vapor/fluent-sqlite-driver.git", from: "4.8.0"),
        .package(url: "https://github.com/vapor/fluent-postgres-driver.git", from: "2.10.0"),
        .package(url: "https://github.com/vapor/jwt.git", from: "5.1.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.1.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.0.0"..<"5.0.0"),
    ],
    targets: [
        .executableTarget(
            name: "Hirebase",
            dependencies: [.target(name: "HirebaseApp")]
        ),
        .target(
            name: "HirebaseApp",
            dependencies: [
                .target(name: "EmailValidation"),
                .target(name: "MatchingCore"),
                .target(name: "JobPageParser"),
                .target(name: "BillingCore"),
                .target(name: "JSONTree"),
                .product(name: "Vapor", package: "vapor"),
                .product(name: "Fluent", package: "fluent"),
                .product(name: "FluentSQLiteDriver", package: "fluent-sqlite-driver"),
                .product(name: "FluentPostgresDriver", package: "fluent-postgres-driver"),
                .product(name: "JWT", package: "jwt"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            resources: [.copy("Resources/openapi.json")]
        ),
        /// Pure Swift: e-mail address syntax as python `email-validator` 2.x checks it (no DNS).
        .target(name: "EmailValidation"),
        /// Pure Swift: skill normalization, scoring and ranking of candidates for a job
        /// (no Vapor, no I/O besides its bundled alias tables).
        .target(
            name: "MatchingCore",
            resources: [.process("Resources")]
        ),
        /// Benchmark of MatchingCore's ranking on a synthetic pool (`scripts/bench/run micro`).
        .executableTarget(
            name: "MatchingBench",
            dependencies: [.target(name: "MatchingCore"), .target(name: "BenchTiming")]
        ),
        /// The measuring loop the benches share (wall-clock and CPU time of repeated runs).
        .target(name: "BenchTiming"),
        /// Benchmark of JobPageParser on an ordinary and on hostile 2 MB pages, against issue 7's
        /// one-second target (`scripts/bench/run micro`).
        .executableTarget(
            name: "ParserBench",
            dependencies: [.target(name: "JobPageParser"), .target(name: "BenchTiming")]
        ),
        /// Pure Swift: the one JSON value tree Stripe payloads, the plans file and JSON-LD blocks
        /// are read into (numbers kept exact as `Decimal`).
        .target(name: "JSONTree"),
        /// Pure Swift: plans file, usage periods, Stripe webhook signatures and event views
        /// (no Vapor, no I/O besides reading a plans file or its bundled default).
        .target(
            name: "BillingCore",
            dependencies: [.target(name: "JSONTree"), .product(name: "Crypto", package: "swift-crypto")],
            resources: [.copy("Resources/plans.json")]
        ),
        /// libxml2 (HTML parser) for JobPageParser, found through pkg-config.
        .systemLibrary(
            name: "CLibXML2",
            pkgConfig: "libxml-2.0",
            providers: [.apt(["libxml2-dev"]), .brew(["libxml2"])]
        ),
        /// Pure Swift over libxml2: a job page's HTML -> JobPosting (schema.org JSON-LD, microdata,
        /// Open Graph, <title>/<h1>). No Vapor, no I/O.
        .target(
            name: "JobPageParser",
            dependencies: [.target(name: "CLibXML2"), .target(name: "JSONTree")]
        ),
        .testTarget(
            name: "HirebaseAppTests",
            dependencies: [
                .target(name: "HirebaseApp"),
                .target(name: "JSONTree"),
                .product(name: "VaporTesting", package: "vapor"),
            ],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "BillingCoreTests",
            dependencies: [.target(name: "BillingCore"), .target(name: "JSONTree")],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "MatchingCoreTests",
            dependencies: [.target(name: "MatchingCore")]
        ),
        .testTarget(
            name: "JobPageParserTests",
            dependencies: [.target(name: "JobPageParser")],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "EmailValidationTests",
            dependencies: [.target(name: "EmailValidation")],
            resources: [.copy("Fixtures")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
