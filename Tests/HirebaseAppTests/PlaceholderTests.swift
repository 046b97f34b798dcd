import Testing
import VaporTesting
@testable import HirebaseApp
@Test func placeholder() { #expect(Bool(true)) }
