import Testing
@testable import MatchingCore

@Suite struct PlaceAliasesTests {
    let places = PlaceAliases.bundled

    @Test func partsAreFoldedSplitAndAliased() {
        #expect(places.parts(of: "München, Bayern (Hybrid)") == ["munich", "bavaria"])
        #expect(places.parts(of: "New York, NY, USA") == ["new york", "united states"])
        #expect(places.parts(of: "NYC") == ["new york"])
        #expect(places.parts(of: "  St. Louis ,  MO ") == ["st louis", "mo"])
        #expect(places.parts(of: "Zürich") == places.parts(of: "zurich"))
    }

    @Test func workModeWordsAreNotPlaces() {
        #expect(places.parts(of: "Remote").isEmpty)
        #expect(places.parts(of: "Berlin / Remote") == ["berlin"])
    }

    @Test func cityMatchBeatsRegionMatchBeatsNone() {
        let job = places.parts(of: "Berlin, Germany")
        #expect(PlaceMatch.between(job: job, candidate: places.parts(of: "Berlin")) == .samePlace)
        #expect(PlaceMatch.between(job: job, candidate: places.parts(of: "Munich, Deutschland")) == .sameRegion)
        #expect(PlaceMatch.between(job: job, candidate: places.parts(of: "Paris, France")) == .different)
        #expect(PlaceMatch.between(job: job, candidate: []) == .notStated)
        #expect(PlaceMatch.between(job: places.parts(of: "Germany"), candidate: places.parts(of: "Berlin, DE")) == .samePlace)
    }
}
