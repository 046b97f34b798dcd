import Testing
import EmailValidation

/// Agreement with python `email-validator` 2.3 (`validate_email(address,
/// check_deliverability=False)`, default options) on the project's fixture corpus.
@Suite struct EmailAddressValidatorFixtureTests {
    let validator = EmailAddressValidator()

    /// `Fixtures/emails.tsv`: address, expected verdict (`valid`/`invalid`), source.
    @Test func agreesWithEveryVerdictInTheCorpus() throws {
        let rows = try EmailFixture.load("emails.tsv")
        #expect(rows.count == 746)
        var disagreements: [String] = []
        for row in rows {
            guard row.fields.count == 3, ["valid", "invalid"].contains(row.fields[1]) else {
                disagreements.append("line \(row.line): malformed row \(row.fields)")
                continue
            }
            let address = row.fields[0]
            let expectValid = row.fields[1] == "valid"
            let shown = EmailFixture.encodeControlPictures(address)
            do {
                let result = try validator.validate(address)
                if !expectValid {
                    disagreements.append("line \(row.line): \(shown) accepted as \(result.normalized), expected invalid")
                }
            } catch {
                if expectValid {
                    disagreements.append("line \(row.line): \(shown) refused (\(error.message)), expected valid")
                }
            }
        }
        #expect(disagreements.isEmpty, """
            \(disagreements.count) of \(rows.count) rows disagree with email-validator 2.3:
            \(disagreements.joined(separator: "\n"))
            """)
    }

    /// `Fixtures/normalized.tsv`: for each valid address, the `normalized` string and
    /// `ascii_domain` the python library returns.
    @Test func producesThePythonNormalizedForms() throws {
        let rows = try EmailFixture.load("normalized.tsv")
        #expect(!rows.isEmpty)
        var disagreements: [String] = []
        for row in rows {
            guard row.fields.count == 3 else {
                disagreements.append("line \(row.line): malformed row \(row.fields)")
                continue
            }
            let (address, normalized, asciiDomain) = (row.fields[0], row.fields[1], row.fields[2])
            do {
                let result = try validator.validate(address)
                // Compare code points: String equality would hide NFC differences.
                if !result.normalized.unicodeScalars.elementsEqual(normalized.unicodeScalars)
                    || !result.asciiDomain.unicodeScalars.elementsEqual(asciiDomain.unicodeScalars) {
                    disagreements.append("line \(row.line): \(address) gave \(result.normalized) / "
                        + "\(result.asciiDomain), expected \(normalized) / \(asciiDomain)")
                }
            } catch {
                disagreements.append("line \(row.line): \(address) refused (\(error.message))")
            }
        }
        #expect(disagreements.isEmpty, """
            \(disagreements.count) of \(rows.count) normalized forms disagree:
            \(disagreements.joined(separator: "\n"))
            """)
    }
}
