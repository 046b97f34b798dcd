import Fluent

/// `invitations.scored_by`: who gave a member's external score (issue 7 § 4).
struct AddInvitationScoredBy: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.addColumnIfMissing("scored_by", type: "UUID", postgresType: "UUID", to: "invitations")
    }

    func revert(on database: any Database) async throws {
        try await database.schema("invitations").deleteField("scored_by").update()
    }
}
