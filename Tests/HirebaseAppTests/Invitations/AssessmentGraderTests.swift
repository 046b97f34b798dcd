import Testing
@testable import HirebaseApp

@Suite("Grading")
struct AssessmentGraderTests {
    let questions = [
        AssessmentQuestion(id: "q1", prompt: "", kind: .singleChoice, choices: ["3", "4"], correct: ["4"], points: 2),
        AssessmentQuestion(id: "q2", prompt: "", kind: .multipleChoice, choices: ["2", "3", "4"], correct: ["2", "3"]),
        AssessmentQuestion(id: "q3", prompt: "", kind: .text, correct: ["Paris"]),
        AssessmentQuestion(id: "q4", prompt: "", kind: .text),
    ]
    let grader = AssessmentGrader()

    func answer(_ id: String, _ value: AnswerValue) -> SubmittedAnswer { SubmittedAnswer(questionId: id, answer: value) }

    @Test func allRightIs100AndMemberGradedTextDoesNotCount() throws {
        let grade = try grader.grade([
            answer("q1", .one("4")), answer("q2", .many(["3", "2"])), answer("q3", .one("  pARIS ")), answer("q4", .one("essay")),
        ], questions: questions, passingScore: 50)
        #expect(grade == .init(rawScore: 4, maxScore: 4, score: 100, passed: true))
    }

    @Test func noPartialCreditAndUnansweredEarnZero() throws {
        let grade = try grader.grade([answer("q2", .many(["2"])), answer("q3", .one("Paris"))], questions: questions, passingScore: 50)
        #expect(grade == .init(rawScore: 1, maxScore: 4, score: 25, passed: false))
    }

    @Test func scoreRoundsHalvesToEvenAsPython() throws {
        let three = [
            AssessmentQuestion(id: "a", prompt: "", kind: .text, correct: ["x"]),
            AssessmentQuestion(id: "b", prompt: "", kind: .text, correct: ["x"]),
            AssessmentQuestion(id: "c", prompt: "", kind: .text, correct: ["x"], points: 6),
        ]
        // 1 of 8 points = 12.5 -> 12 (Python: round(12.5) == 12)
        let grade = try grader.grade([answer("a", .one("x"))], questions: three, passingScore: nil)
        #expect(grade.score == 12)
        #expect(grade.passed == nil)
    }

    @Test func multipleChoiceNeedsTheExactSet() throws {
        let extra = try grader.grade([answer("q2", .many(["2", "3", "4"]))], questions: questions, passingScore: nil)
        #expect(extra.rawScore == 0)
        let repeated = try grader.grade([answer("q2", .many(["2", "2", "3"]))], questions: questions, passingScore: nil)
        #expect(repeated.rawScore == 0)
    }

    @Test func unknownQuestionsAndWrongTypesAre400() {
        for answers in [
            [answer("nope", .one("x"))],
            [answer("q1", .many(["4"]))],
            [answer("q2", .one("2"))],
            [answer("q3", .many(["Paris"]))],
            [answer("q1", .one("4")), answer("q1", .one("4"))],
        ] {
            #expect(throws: AppError.self) { try grader.grade(answers, questions: questions, passingScore: nil) }
        }
    }

    @Test func onlyMemberGradedQuestionsGiveNoScore() throws {
        let grade = try grader.grade([answer("q4", .one("text"))], questions: [questions[3]], passingScore: 50)
        #expect(grade == .init(rawScore: 0, maxScore: 0, score: nil, passed: nil))
    }
}
