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
                .product(name: "Vapor", package: "vapor"),
                .product(name: "Fluent", package: "fluent"),
                .product(name: "FluentSQLiteDriver", package: "fluent-sqlite-driver"),
                .product(name: "FluentPostgresDriver", package: "fluent-postgres-driver"),
                .product(name: "JWT", package: "jwt"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        /// Pure Swift: e-mail address syntax as python `email-validator` 2.x checks it (no DNS).
        .target(name: "EmailValidation"),
        .testTarget(
            name: "HirebaseAppTests",
            dependencies: [
                .target(name: "HirebaseApp"),
                .product(name: "VaporTesting", package: "vapor"),
            ],
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
