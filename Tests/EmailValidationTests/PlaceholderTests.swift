import Testing
@testable import EmailValidation
@Test func placeholder() { #expect(Bool(true)) }
