import Foundation

/// Provider answers for `POST /assessments/generate` tests: a draft that follows
/// `AssessmentDraftPrompt`'s schema and rules, and ways to break it.
enum DraftAnswers {
    /// A usable draft of `count` questions cycling through `kinds`.
    static func valid(count: Int = 10, kinds: [String] = ["single_choice", "multiple_choice", "text"], title: String = "Swift skills") -> [String: Any] {
        let questions: [[String: Any]] = (0..<count).map { index in
            let kind = kinds[index % kinds.count]
            var question: [String: Any] = ["id": "q\(index + 1)", "prompt": "Question \(index + 1)?", "kind": kind, "points": 2]
            switch kind {
            case "single_choice":
                question["choices"] = ["a", "b", "c"]; question["correct"] = ["b"]; question["rubric"] = NSNull()
            case "multiple_choice":
                question["choices"] = ["a", "b", "c"]; question["correct"] = ["a", "c"]; question["rubric"] = NSNull()
            default:
                question["choices"] = NSNull(); question["correct"] = NSNull(); question["rubric"] = "Names actors and value types."
            }
            return question
        }
        return ["title": title, "questions": questions]
    }

    /// `answer` as the message text a provider sends.
    static func text(_ answer: [String: Any]) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: answer), as: UTF8.self)
    }

    /// A valid draft whose question `index` has `key` set to `value` (`nil` removes it).
    static func changing(_ index: Int, _ key: String, to value: Any?, count: Int = 10, kinds: [String] = ["single_choice", "multiple_choice", "text"]) -> String {
        var answer = valid(count: count, kinds: kinds)
        var questions = answer["questions"] as! [[String: Any]]
        questions[index][key] = value
        answer["questions"] = questions
        return text(answer)
    }
}
