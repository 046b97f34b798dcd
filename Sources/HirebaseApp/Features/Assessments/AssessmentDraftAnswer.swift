import Foundation
import JSONTree

/// The AI provider's answer to `AssessmentDraftPrompt`, parsed and checked against the rules of
/// `POST /assessments` (`CreateAssessmentRequest.Question.validated`, the same code) and the
/// draft's own: exactly the asked number of questions, only the asked kinds, `points` on every
/// question, ids without control characters, and on `text` questions a non-empty `rubric` and no
/// accepted answers (drafted text questions are graded by the provider against their rubric,
/// never by exact match).
struct AssessmentDraftAnswer: Sendable, Equatable {
    /// The provider's title (trimmed), when it was needed.
    var title: String?
    var questions: [AssessmentQuestion]

    /// Why an answer cannot be used: the first rules it broke, for the 502's `detail`.
    struct Problem: Error, Sendable, Equatable {
        /// E.g. `questions[2].correct must name only listed choices`.
        var rule: String
    }

    /// The answer as the schema describes it (decoded leniently: the rules come after).
    private struct Wire: Decodable {
        var title: String?
        var questions: [CreateAssessmentRequest.Question]?
    }

    /// At most this many broken rules are named in a problem.
    static let namedProblems = 3

    /// Parses and checks `content` (`choices[0].message.content`, after `ChatCompletion.jsonText`:
    /// a BOM and one Markdown code fence around the JSON are accepted).
    /// - Parameters:
    ///   - questionCount: the number asked for.
    ///   - kinds: the kinds asked for.
    ///   - needsTitle: whether the provider's `title` is used (no title was given or taken from a job).
    /// - Returns: the checked draft, or the rules broken (not JSON, not the schema, a question rule).
    static func check(_ content: String, questionCount: Int, kinds: [AssessmentQuestion.Kind], needsTitle: Bool) -> Result<Self, Problem> {
        let data = Data(ChatCompletion.jsonText(content).utf8)
        guard let tree = try? JSONValue(parsing: data) else {
            return .failure(Problem(rule: "the answer is not JSON"))
        }
        guard tree.objectValue != nil else {
            return .failure(Problem(rule: "the answer is \(tree.kindName == "array" ? "an" : "a") \(tree.kindName), not the schema's object"))
        }
        let wire: Wire
        do {
            wire = try JSONDecoder().decode(Wire.self, from: data)
        } catch let error as DecodingError {
            return .failure(Problem(rule: "the answer does not follow the schema (\(describe(error)))"))
        } catch {
            return .failure(Problem(rule: "the answer does not follow the schema"))
        }

        var validator = FieldValidator()
        let title = needsTitle ? validator.text(wire.title, "title") : nil
        let questions = CreateAssessmentRequest.Question.validated(wire.questions, into: &validator)
        let sent = wire.questions ?? []
        if !sent.isEmpty, sent.count != questionCount {
            validator.fail("questions", "holds \(sent.count) questions instead of the \(questionCount) asked")
        }
        for (index, question) in sent.enumerated() {
            let field = "questions[\(index)]"
            if question.points == nil { validator.fail("\(field).points", "is required") }
            // An id is written on a line of its own in the grading prompt (`Question id: q1`): a
            // line break or other control character in it could forge the lines after it.
            if let id = question.id, id.unicodeScalars.contains(where: { CharacterSet.controlCharacters.contains($0) }) {
                validator.fail("\(field).id", "must not contain control characters")
            }
            guard let kind = question.kind.flatMap(AssessmentQuestion.Kind.init(rawValue:)) else { continue }
            if !kinds.contains(kind) { validator.fail("\(field).kind", "\(kind.rawValue) was not asked for") }
            if kind == .text {
                if (question.rubric ?? "").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                    validator.fail("\(field).rubric", "is required on a drafted text question")
                }
                if !(question.correct ?? []).isEmpty {
                    validator.fail("\(field).correct", "must be null on a drafted text question (it is graded by its rubric)")
                }
            }
        }
        guard validator.errors.isEmpty else {
            let named = validator.errors.prefix(namedProblems).map { "\($0.field) \($0.message)" }
            let more = validator.errors.count > namedProblems ? " (and \(validator.errors.count - namedProblems) more)" : ""
            return .failure(Problem(rule: named.joined(separator: "; ") + more))
        }
        return .success(AssessmentDraftAnswer(title: title, questions: questions))
    }

    /// A decoding error as `questions[2].points: expected a number`.
    private static func describe(_ error: DecodingError) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            var text = ""
            for key in keys {
                if let index = key.intValue { text += "[\(index)]" } else { text += text.isEmpty ? key.stringValue : ".\(key.stringValue)" }
            }
            return text.isEmpty ? "the answer" : text
        }
        switch error {
        case .typeMismatch(let type, let context):
            return "\(path(context.codingPath)): expected \(type == String.self ? "a string" : type == Double.self ? "a number" : "another type")"
        case .valueNotFound(_, let context):
            return "\(path(context.codingPath)): a value is missing"
        case .keyNotFound(let key, let context):
            return "\(path(context.codingPath + [key])): is missing"
        case .dataCorrupted(let context):
            return "\(path(context.codingPath)): \(context.debugDescription)"
        @unknown default:
            return "unreadable"
        }
    }
}
