/// A readable title from a file name: `A_Bucket_of_Blood_1959.en.srt` → "A Bucket of Blood (1959)",
/// `The.Third.Man.1949.1080p.BluRay.mkv` → "The Third Man (1949)".
enum FilmTitle {
    static func fromFileName(_ fileName: String) -> String {
        let stem = SubtitleName(fileName: fileName).stem
        let words = stem.split(whereSeparator: { $0 == "_" || $0 == "." || $0 == " " }).map(String.init)
        guard !words.isEmpty else { return stem }
        // Everything after the year in a release name is encoding detail, not title.
        if let yearIndex = words.indices.dropFirst().last(where: { isYear(words[$0]) }) {
            let year = words[yearIndex].filter(\.isNumber)
            return words[..<yearIndex].joined(separator: " ") + " (\(year))"
        }
        return words.joined(separator: " ")
    }

    private static func isYear(_ word: String) -> Bool {
        let digits = word.trimmingScalars(in: "()[]")
        guard digits.count == 4, let year = Int(digits) else { return false }
        return (1880...2099).contains(year)
    }
}
