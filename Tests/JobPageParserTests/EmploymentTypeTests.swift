import JobPageParser
import Testing

/// `employmentType` spellings seen on real sites, to schema.org's values.
@Suite struct EmploymentTypeTests {
    @Test(arguments: [
        ("FULL_TIME", EmploymentType.fullTime), ("Full-time", .fullTime), ("full time", .fullTime),
        ("FullTime", .fullTime),
        ("PART_TIME", .partTime), ("Part time", .partTime), ("part-time", .partTime),
        ("CONTRACTOR", .contractor), ("CONTRACT", .contractor), ("Contract", .contractor),
        ("freelance", .contractor),
        ("TEMPORARY", .temporary), ("temp", .temporary), ("Seasonal", .temporary),
        ("INTERN", .intern), ("Internship", .intern),
        ("VOLUNTEER", .volunteer),
        ("PER_DIEM", .perDiem), ("per diem", .perDiem),
        ("OTHER", .other),
    ])
    func spellings(_ text: String, _ type: EmploymentType) {
        #expect(EmploymentType(normalizing: text) == type)
    }

    @Test func unknownSpellingIsNil() {
        #expect(EmploymentType(normalizing: "Permanent") == nil)
    }
}
