import Foundation
import Vapor

/// `POST /assessments/invitations/create` body.
struct CreateInvitationRequest: Content {
    var assessmentId: UUID?
    var candidateEmail: String?
    var candidateName: String?
    var jobId: UUID?
    /// 1...720, default 168 (a week).
    var expiresInHours: Int?
}

/// A validated `POST /assessments/invitations/create`.
struct NewInvitation: Sendable {
    var assessmentID: UUID
    /// Normalized (`FieldValidator.email`).
    var candidateEmail: String
    var candidateName: String?
    var jobID: UUID?
    /// 1...720.
    var expiresInHours: Int

    /// Validates the body.
    /// - Throws: 400 naming every bad field.
    init(_ body: CreateInvitationRequest) throws {
        var validator = FieldValidator()
        if body.assessmentId == nil { validator.fail("assessmentId", "is required") }
        let email = validator.email(body.candidateEmail, "candidateEmail")
        let name = validator.text(body.candidateName, "candidateName", maxLength: 200, required: false)
        validator.range(body.expiresInHours, "expiresInHours", 1...720)
        try validator.check()
        guard let assessmentID = body.assessmentId, let email else { throw AppError.invalidField("assessmentId", "is required") }
        self.assessmentID = assessmentID
        candidateEmail = email
        candidateName = name.isEmpty ? nil : name
        jobID = body.jobId
        expiresInHours = body.expiresInHours ?? 168
    }
}

/// `POST /assessments/invitations/{id}/submit` body: a candidate's answers with their token, or
/// a member's external score.
struct SubmitInvitationRequest: Content {
    var token: String?
    var answers: [SubmittedAnswer]?
    var score: Double?
}

/// E-mail delivery state of an invitation's latest message.
struct DeliveryDTO: Content {
    var status: String
    var attempts: Int
    var lastError: String?
}

extension DeliveryDTO {
    /// The delivery state of `email`.
    init(_ email: OutboxEmail) {
        self.init(status: email.status.rawValue, attempts: email.attempts, lastError: email.lastError)
    }
}

/// An invitation as the API shows it. `assessment` is added only for the candidate's read;
/// `delivery` and `grades` only for members.
struct InvitationDTO: Content {
    var id: String
    var status: String
    var candidateEmail: String
    var candidateName: String?
    var assessmentId: String
    var companyId: String
    var jobId: String?
    var expiresAt: Date
    var createdAt: Date?
    var openedAt: Date?
    var completedAt: Date?
    var cancelledAt: Date?
    var score: Int?
    var rawScore: Double?
    var maxScore: Double?
    var passed: Bool?
    /// The member who gave an external score, when one did.
    var scoredBy: String?
    var delivery: DeliveryDTO?
    var assessment: CandidateAssessmentDTO?
    /// `pending`, `done` or `failed` while or after the AI provider grades free-text answers;
    /// omitted when the submission needed no AI grading.
    var grading: String? = nil
    /// The grades of questions graded outside the answer keys (members only; omitted for a
    /// candidate, and when the invitation has none and needed no AI grading).
    var grades: [QuestionGradeDTO]? = nil
}

/// One question's grade as members see it: every key present, `null` when not known.
struct QuestionGradeDTO: Content, Equatable {
    var questionId: String
    /// 0...the question's points.
    var points: Double
    var rationale: String?
    /// `ai` or `member`.
    var gradedBy: String
    /// The AI run that gave the AI grade (kept when a member replaced it).
    var aiRunId: String?
    /// The member who gave the grade (`gradedBy` `member`).
    var gradedById: String?
    var gradedAt: Date

    /// Every key, `null` included (`QuestionGrade` in openapi.json requires them all).
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(questionId, forKey: .questionId)
        try container.encode(points, forKey: .points)
        try container.encode(rationale, forKey: .rationale)
        try container.encode(gradedBy, forKey: .gradedBy)
        try container.encode(aiRunId, forKey: .aiRunId)
        try container.encode(gradedById, forKey: .gradedById)
        try container.encode(gradedAt, forKey: .gradedAt)
    }
}

extension QuestionGradeDTO {
    /// The API's form of `grade`.
    init(_ grade: QuestionGrade) {
        self.init(questionId: grade.questionId, points: grade.points, rationale: grade.rationale, gradedBy: grade.gradedBy.rawValue,
                  aiRunId: grade.aiRunId?.lowercased, gradedById: grade.memberId?.lowercased, gradedAt: grade.gradedAt)
    }
}

/// The answer to a submission. `score`/`passed` are always present, `null` when not known
/// (nothing auto-graded, no passing score, or AI grading `pending`); `grading` too (`pending`
/// when free-text answers are being graded by the AI provider, else `null`).
struct SubmissionResultDTO: Content {
    var id: String
    var status: String
    var score: Int?
    var rawScore: Double?
    var maxScore: Double?
    var passed: Bool?
    var grading: String?

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(status, forKey: .status)
        try container.encode(score, forKey: .score)
        try container.encode(rawScore, forKey: .rawScore)
        try container.encode(maxScore, forKey: .maxScore)
        try container.encode(passed, forKey: .passed)
        try container.encode(grading, forKey: .grading)
    }
}

extension Invitation {
    func toDTO(delivery: OutboxEmail?) -> InvitationDTO {
        InvitationDTO(
            id: id?.lowercased ?? "", status: status.rawValue, candidateEmail: candidateEmail, candidateName: candidateName,
            assessmentId: assessmentID.lowercased, companyId: companyID.lowercased, jobId: jobID?.lowercased,
            expiresAt: expiresAt, createdAt: createdAt, openedAt: openedAt, completedAt: completedAt, cancelledAt: cancelledAt,
            score: score, rawScore: rawScore, maxScore: maxScore, passed: passed, scoredBy: scoredBy?.lowercased,
            delivery: delivery.map(DeliveryDTO.init),
            assessment: nil,
            grading: grading?.rawValue,
            grades: grading != nil || questionGrades != nil ? (questionGrades?.items ?? []).map(QuestionGradeDTO.init) : nil)
    }

    func toResultDTO() -> SubmissionResultDTO {
        SubmissionResultDTO(id: id?.lowercased ?? "", status: status.rawValue, score: score, rawScore: rawScore, maxScore: maxScore, passed: passed,
                            grading: grading?.rawValue)
    }
}
