import CinemaCore
import CinemaTestSupport
import Foundation
import Testing

@testable import CinemaLibrary

/// Every subtitle file in ../shared/data: 60 films and some 400 fixtures from other parsers'
/// test suites. None may crash the parser, and in the films every timing line must be accounted
/// for: either a cue, or a counted warning.
@Suite("Subtitle corpus")
struct SubtitleCorpusTests {
    @Test("Every fixture file parses or is refused with a SubtitleError")
    func fixturesNeverCrash() {
        let files = SharedData.files(in: SharedData.fixtures).filter { !$0.hasSuffix(".md") }
        #expect(files.count > 350, "the shared fixtures are missing: \(SharedData.fixtures)")
        var parsed = 0
        for file in files {
            do {
                let document = try SubtitleParser.parse(fileAt: file)
                parsed += 1
                for cue in document.cues {
                    #expect(cue.end > cue.start, "\(file): cue \(cue.ordinal)")
                    #expect(!cue.text.contains("<i>") && !cue.text.contains("{\\"), "\(file): markup left in \(cue.text)")
                }
            } catch {
                // A refusal is fine; it must say which file and why.
                #expect(error.description.contains(file))
            }
        }
        #expect(parsed > files.count * 9 / 10)
    }

    @Test("All 60 films parse, and every timing line becomes a cue or a counted warning")
    func filmsAccountForEveryCue() throws {
        let films = SharedData.files(in: SharedData.films).filter { $0.hasSuffix(".srt") }
        #expect(films.count == 60)
        var total = 0
        var spoken = 0
        for film in films {
            let document = try SubtitleParser.parse(fileAt: film)
            let bytes = [UInt8](FileManager.default.contents(atPath: film) ?? Data())
            let timingLines = SubtitleTextDecoder.decode(bytes).text
                .split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r" || $0 == "\r\n" })
                .filter { $0.contains("-->") }.count
            #expect(document.cues.count + document.warnings.skippedCues == timingLines, "\(film)")
            #expect(document.spokenCues.count > document.cues.count * 8 / 10, "\(film): most cues should be speech")
            #expect(zip(document.cues, document.cues.dropFirst()).allSatisfy { $0.start <= $1.start }, "\(film): not sorted")
            total += document.cues.count
            spoken += document.spokenCues.count
        }
        // SOURCES.md counts 73k timing lines; a few dozen are empty or markup only.
        #expect(total > 72_900)
        #expect(spoken > 71_000)
    }

    @Test("Sampled lines from the films read exactly as spoken")
    func sampledFilmLines() throws {
        let bucket = try SubtitleParser.parse(fileAt: SharedData.film("A_Bucket_of_Blood_1959.en.srt"))
        #expect(
            bucket.cues.prefix(3).map(\.text) == [
                "I will talk to you of art,", "for there is nothing else to talk about,", "for there is nothing else.",
            ]
        )
        #expect(bucket.cues[0].start == 11.178)
        #expect(bucket.cues[0].end == 12.972)
        #expect(bucket.cues.count == 1214)

        let dead = try SubtitleParser.parse(fileAt: SharedData.film("Night_of_the_Living_Dead_1968.en.srt"))
        let fire = try #require(dead.cues.first { $0.text == "They're afraid of fire. I found that out." })
        #expect(fire.start == 25 * 60 + 34.533)
        #expect(dead.cues.count == 964)

        // cp1252 with stray Spanish accents, and a speaker dash.
        let lincoln = try SubtitleParser.parse(fileAt: SharedData.film("Abraham_Lincoln_1930.en.srt"))
        #expect(lincoln.encoding == .windows1252)
        #expect(lincoln.cues.contains { $0.text.contains("temptatión") })
        #expect(lincoln.cues.count == 959)

        // Italics everywhere in this one; none may survive.
        let town = try SubtitleParser.parse(fileAt: SharedData.film("Our_Town_1940.en.srt"))
        #expect(town.cues.count == 1381)
        #expect(!town.cues.contains { $0.text.contains("<") })
    }
}
