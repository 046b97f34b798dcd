import Crypto
import Foundation

/// The generated development JWT secret, kept in a git-ignored file (`.hirebase-dev-secret`)
/// beside the SQLite database so that `hirebase token` and `hirebase serve` agree without setup.
///
/// Only used when `HIREBASE_ENV=development` and no Supabase secret or URL is configured.
public struct DevelopmentSecretStore: Sendable {
    /// The file holding the secret.
    public var path: String

    /// Puts the file beside `databasePath` (a SQLite file), or in the working directory.
    public init(besideDatabaseAt databasePath: String?) {
        let directory = databasePath.map { URL(fileURLWithPath: $0).deletingLastPathComponent().path } ?? FileManager.default.currentDirectoryPath
        self.path = URL(fileURLWithPath: directory).appendingPathComponent(".hirebase-dev-secret").path
    }

    /// Returns the stored secret, creating it (256 random bits, hex) with mode 0600 on first use.
    /// - Throws: a file-system error when the file cannot be read or written.
    public func loadOrCreate() throws -> String {
        if let data = FileManager.default.contents(atPath: path),
           let text = String(data: data, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines), text.count >= 32 {
            return text
        }
        let secret = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }.map { String(format: "%02x", $0) }.joined()
        try Data((secret + "\n").utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        return secret
    }
}
