import Fluent
import Testing
@testable import HirebaseApp

/// The plan's numbering: explicit, gapless and in the order the migrations run.
@Suite("Migration plan")
struct MigrationPlanTests {
    @Test func numbersRunFromOneWithoutGapsInTheOrderApplied() {
        #expect(MigrationPlan.numbered.map(\.number) == Array(1...MigrationPlan.numbered.count))
        #expect(MigrationPlan.all.map(\.name) == MigrationPlan.numbered.map(\.migration.name))
    }

    @Test func theLandedListIsNumberedFirstAndAddedFollowsIt() {
        #expect(MigrationPlan.landedList.map(\.number) == Array(1...15))
        #expect(MigrationPlan.landedList.map(\.migration.name) == HirebaseMigrations.all.map(\.name))
        #expect(MigrationPlan.added.first?.number == 16)
    }

    /// Fluent records a migration by its name: two with one name would make the second look applied.
    @Test func namesAreUniqueAndTheOnesFluentRecords() {
        let names = MigrationPlan.all.map(\.name)
        #expect(Set(names).count == names.count)
        #expect(names.first == "HirebaseApp.CreateUsers")
    }
}
