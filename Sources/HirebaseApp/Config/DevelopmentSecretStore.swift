import BillingCore
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
    ///
    /// Two processes starting together agree on one secret: the file is created with
    /// `O_CREAT | O_EXCL` (mode 0600 from the start, never readable by others), and the process
    /// that finds it already there reads what the other wrote (waiting up to a second for it).
    /// - Throws: a file-system error when the file cannot be read or written.
    public func loadOrCreate() throws -> String {
        if let existing = read() { return existing }
        let secret = SymmetricKey(size: .bits256).withUnsafeBytes { LowercaseHex.string(of: $0) }
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else {
            guard errno == EEXIST else { throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path]) }
            for _ in 0..<100 {
                if let written = read() { return written }
                usleep(10_000)
            }
            throw CocoaError(.fileReadCorruptFile, userInfo: [NSFilePathErrorKey: path])
        }
        defer { close(descriptor) }
        let bytes = Array((secret + "\n").utf8)
        guard write(descriptor, bytes, bytes.count) == bytes.count else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path]) }
        return secret
    }

    /// The stored secret, when the file holds one (at least 32 characters).
    private func read() -> String? {
        guard let data = FileManager.default.contents(atPath: path),
              let text = String(data: data, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines), text.count >= 32 else {
            return nil
        }
        return text
    }
}
