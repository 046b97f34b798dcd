import Fluent

/// Every schema change, in order. Append new ones; never edit one that has shipped.
enum HirebaseMigrations {
    static let all: [any AsyncMigration] = [
        CreateUsers(),
        CreateCompanies(),
        CreateCompanyMembers(),
        CreateAssessments(),
        CreateInvitations(),
        CreateOutboxEmails(),
        CreateCSRFTokens(),
        CreateJobs(),
        CreateCandidates(),
        CreateApplications(),
        CreateUsageLedger(),
        CreateBilling(),
        CreateRateLimitBuckets(),
        AddInvitationScoredBy(),
        AddCSRFTokenOrder(),
    ]
}
