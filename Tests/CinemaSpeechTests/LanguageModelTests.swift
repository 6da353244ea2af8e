import CinemaCore
import CinemaTestSupport
import Foundation
import Testing

@testable import CinemaSpeech

@Suite("Language models built from the library's dialogue")
struct LanguageModelTests {
    static let dictionary = PronunciationDictionary(
        text: """
            the DH AH
            the(2) DH IY
            cat K AE T
            dog D AO G
            sat S AE T
            on AA N
            mat M AE T
            don't D OW N T
            don't(2) D OW N
            run R AH N
            a AH
            """
    )

    static let corpus = [
        "The cat sat on the mat.", "The dog sat on the cat!", "Don't run, cat.", "A dog sat.\nThe cat ran off the mat?",
        "Don't sit on a zyxw dog", "the the the cat",
    ]

    static func model(_ corpus: [String] = corpus) throws -> LanguageModel {
        var builder = LanguageModelBuilder(pronounceable: dictionary.words)
        for line in corpus { builder.add(line) }
        return try builder.build()
    }

    @Test("The dictionary reader folds variants into their word and keeps only the words asked for")
    func dictionaryReader() {
        #expect(Self.dictionary.words == ["the", "cat", "dog", "sat", "on", "mat", "don't", "run", "a"])
        #expect(Self.dictionary.restricted(to: ["don't", "the", "nowhere"]) == "don't D OW N T\ndon't(2) D OW N\nthe DH AH\nthe(2) DH IY\n")
    }

    @Test("The ARPA header counts the n-grams written, and every context's probabilities sum to 1")
    func arpaIsConsistent() throws {
        let arpa = try ARPA(try Self.model().arpa)
        for order in 1...3 { #expect(arpa.declared[order] == arpa.ngrams[order]?.count, "order \(order)") }
        #expect(arpa.declared[3]! > 0)

        // Every word but <s> can follow; a context's distribution is read the ARPA way, backing off.
        let targets = arpa.ngrams[1]!.keys.map { $0[0] }.filter { $0 != "<s>" }
        var contexts: [[String]] = [[]]
        contexts += arpa.ngrams[1]!.keys.filter { $0[0] != "</s>" }
        contexts += arpa.ngrams[2]!.keys.filter { $0[1] != "</s>" }
        for context in contexts {
            let total = targets.reduce(0.0) { $0 + pow(10, arpa.logProbability($1, after: context)) }
            #expect(abs(total - 1) < 1e-4, "P(· | \(context.joined(separator: " "))) sums to \(total)")
        }
        // Seen continuations are likelier than unseen ones.
        #expect(arpa.logProbability("sat", after: ["the", "cat"]) > arpa.logProbability("run", after: ["the", "cat"]))
    }

    @Test("Words the dictionary cannot say cut the sentence: no n-gram spans them")
    func unknownWordsSplitSentences() throws {
        let arpa = try ARPA(try Self.model().arpa)
        // "Don't sit on a zyxw dog": sit and zyxw are unknown, so "on a" is a sentence of its own.
        #expect(arpa.ngrams[2]![["on", "a"]] != nil)
        #expect(arpa.ngrams[3]![["<s>", "on", "a"]] != nil)
        #expect(arpa.ngrams[3]![["on", "a", "</s>"]] != nil)
        #expect(arpa.ngrams[2]![["a", "dog"]] != nil)  // from "A dog sat."
        #expect(arpa.ngrams[3]![["on", "a", "dog"]] == nil)
        #expect(arpa.ngrams[2]![["<s>", "dog"]] != nil)
        // Unknown words are nowhere; punctuation ended sentences; "Don't" is cmudict's don't.
        #expect(arpa.ngrams[1]![["zyxw"]] == nil && arpa.ngrams[1]![["sit"]] == nil && arpa.ngrams[1]![["ran"]] == nil)
        #expect(arpa.ngrams[2]![["run", "cat"]] != nil && arpa.ngrams[2]![["cat", "</s>"]] != nil)
        #expect(arpa.ngrams[2]![["<s>", "don't"]] != nil)
        let model = try Self.model()
        #expect(model.words == ["a", "cat", "dog", "don't", "mat", "on", "run", "sat", "the"])
        #expect(model.ngramCounts == [11, arpa.ngrams[2]!.count, arpa.ngrams[3]!.count])
    }

    @Test("Text with no word the dictionary knows gives an error that says so")
    func emptyCorpus() {
        #expect(throws: LanguageModelError.self) { try Self.model([]) }
        #expect {
            try Self.model(["Zyxw qqq!", "", "123"])
        } throws: { error in
            "\(error)".contains("pronunciation dictionary") && "\(error)".contains("3 words")
        }
        #expect {
            try PronunciationDictionary(contentsOf: "/nonexistent/cmudict.dict")
        } throws: { error in
            "\(error)".contains("/nonexistent/cmudict.dict")
        }
    }

    @Test("pocketsphinx loads a built model, alone and mixed with the generic one, and hears a sentence from it", .tags(.media))
    func pocketsphinxUsesBuiltModel() async throws {
        let cmudict = try PronunciationDictionary(contentsOf: PocketSphinxRecognizer.Model.debianEnglish.dictionary)
        var builder = LanguageModelBuilder(pronounceable: cmudict.words)
        let lines = [
            "What is your name?", "Where are you going tonight?", "I want to go home.", "Do you like the movies?",
            "They're coming to get you, Barbara.", "We have to board up the windows.", "Is there anything I can do?",
        ]
        for line in lines { builder.add(line) }
        let model = try builder.build()
        try await TemporaryDirectory.with { directory in
            let arpa = directory.file("films.lm")
            let dictionary = directory.file("films.dict")
            try model.write(languageModel: arpa, dictionary: dictionary, from: cmudict)
            #expect(try String(contentsOfFile: dictionary, encoding: .utf8).split(separator: "\n").count >= model.words.count)

            let sentence = "where are you going tonight"
            let samples = try await MediaFixtures.speech(sentence, in: directory)
            for model in [PocketSphinxRecognizer.Model.library(languageModel: arpa, dictionary: dictionary), .generic(mixedWith: arpa, weight: 0.7)] {
                let recognizer = try PocketSphinxRecognizer(model: model)
                let heard = try await recognizer.transcribe(samples, sampleRate: 16_000).text
                let expected = sentence.split(separator: " ")
                let right = Set(heard.split(separator: " ")).intersection(expected).count
                // The generic model alone keeps about one word in six of espeak's voice.
                #expect(right >= expected.count - 1, "heard \"\(heard)\" with \(model.mixture == nil ? "the library model" : "the mixture")")
            }
        }
    }

    @Test("A mixture weight outside 0…1 is refused with the reason")
    func badMixtureWeight() {
        #expect {
            _ = try PocketSphinxRecognizer(model: .generic(mixedWith: PocketSphinxRecognizer.Model.debianEnglish.languageModel, weight: 1.5))
        } throws: { error in
            "\(error)".contains("1.5") && "\(error)".contains("between 0 and 1")
        }
    }
}

/// An ARPA file read back: n-grams with their log10 probability and backoff weight.
private struct ARPA {
    var declared: [Int: Int] = [:]
    var ngrams: [Int: [[String]: (probability: Double, backoff: Double)]] = [:]

    init(_ text: String) throws {
        var order = 0
        for line in text.split(separator: "\n") {
            if line.hasPrefix("ngram ") {
                let parts = line.dropFirst(6).split(separator: "=")
                declared[Int(parts[0])!] = Int(parts[1])!
            } else if line.hasSuffix("-grams:") {
                order = Int(String(line.dropFirst().prefix(while: \.isNumber)))!
                ngrams[order] = [:]
            } else if line == "\\end\\" {
                order = 0
            } else if order > 0 {
                let fields = line.split(separator: " ")
                try #require(fields.count == order + 1 || fields.count == order + 2, "line \"\(line)\"")
                let words = fields[1...order].map(String.init)
                ngrams[order]![words] = (Double(fields[0])!, fields.count == order + 2 ? Double(fields[order + 1])! : 0)
            }
        }
    }

    /// log10 P(word | context), backing off to shorter contexts as a decoder does.
    func logProbability(_ word: String, after context: [String]) -> Double {
        if let entry = ngrams[context.count + 1]?[context + [word]] { return entry.probability }
        guard !context.isEmpty else { return -.infinity }
        let backoff = ngrams[context.count]?[context]?.backoff ?? 0
        return backoff + logProbability(word, after: Array(context.dropFirst()))
    }
}
