import Foundation
import Logging
import Vapor

/// Starts Hirebase as the `hirebase` executable does: reads the configuration (after Vapor has
/// loaded `.env`), sets up logging, configures the app and runs the command line's command.
///
/// Configuration problems are written to standard error and the process exits with status 1.
/// `hirebase probe` is run before the configuration is read (`ProbeCommand.runStandalone`).
public enum Bootstrap {
    public static func run() async {
        do {
            let environment = try Environment.detect()
            let app = try await Application.make(environment)
            // `probe` checks another deployment over HTTP: it needs none of this server's
            // configuration (no database, no secrets besides its own), so it runs before any is
            // read, from cron on any machine, and exits 0 / 1 (a step failed) / 2 (usage).
            if environment.arguments.dropFirst().first == "probe" {
                exit(await ProbeCommand.runStandalone(app))
            }
            let config: AppConfig
            do {
                config = try AppConfig.load(from: ProcessInfo.processInfo.environment) { database in
                    var path: String?
                    if case .sqliteFile(let file) = database { path = file }
                    return try DevelopmentSecretStore(besideDatabaseAt: path).loadOrCreate()
                }
            } catch {
                FileHandle.standardError.write(Data("hirebase: \(error)\n".utf8))
                try? await app.asyncShutdown()
                exit(1)
            }
            LoggingSystem.bootstrap { label in
                switch config.logFormat {
                case .json: HirebaseLogHandler(label: label, level: config.logLevel, format: .json)
                case .pretty: HirebaseLogHandler(label: label, level: config.logLevel, format: .console)
                }
            }
            app.logger = Logger(label: "hirebase")
            let command = environment.arguments.dropFirst().first
            let asksForHelp = environment.arguments.contains("--help") || environment.arguments.contains("-h")
            let serving = !asksForHelp && (command == nil || command == "serve" || command?.hasPrefix("-") == true)
            do {
                try await configure(app, config: config, migrate: serving, backgroundJobs: serving)
                // The start-up report, for the two long-running commands.
                if serving || command == "worker" {
                    for line in config.report.text.split(separator: "\n") {
                        let text = String(line)
                        app.logger.log(level: ConfigReport.level(of: text), "\(text)")
                    }
                }
                try await app.execute()
            } catch let refusal as CommandUsageError {
                // A command line refused: one plain sentence, no log record of an internal value.
                FileHandle.standardError.write(Data("hirebase: \(refusal)\n".utf8))
                try? await app.asyncShutdown()
                exit(1)
            } catch {
                app.logger.critical("hirebase stopped", metadata: ["error": .string(String(describing: error))])
                try? await app.asyncShutdown()
                exit(1)
            }
            try await app.asyncShutdown()
        } catch {
            FileHandle.standardError.write(Data("hirebase: \(error)\n".utf8))
            exit(1)
        }
    }
}
