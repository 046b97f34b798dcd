import Foundation
import Vapor

/// `POST /companies` body.
struct CreateCompanyRequest: Content {
    var name: String?
}

/// `POST /companies/{id}/members` body: exactly one of `userId` or `email`, and a role.
struct AddMemberRequest: Content {
    var userId: UUID?
    var email: String?
    var role: String?
}

/// A company as the API shows it.
struct CompanyDTO: Content {
    var id: String
    var name: String
    var createdAt: Date?
    /// The caller's role in it.
    var role: String?
}

/// A membership as the API shows it.
struct MemberDTO: Content {
    var companyId: String
    var userId: String
    var email: String?
    var role: String
    var createdAt: Date?
}

extension CompanyMember {
    /// The membership as the API shows it, with the member's stored e-mail.
    func toDTO(email: String?) -> MemberDTO {
        MemberDTO(companyId: companyID.lowercased, userId: userID.lowercased, email: email, role: role.rawValue, createdAt: createdAt)
    }
}

extension Company {
    func toDTO(role: CompanyRole?) -> CompanyDTO {
        CompanyDTO(id: id?.lowercased ?? "", name: name, createdAt: createdAt, role: role?.rawValue)
    }
}
