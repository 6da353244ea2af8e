import ArgumentParser
import CinemaCore
import CinemaLibrary
import CinemaSpeech
import CinemaTestSupport
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Word error rate and speed of Whisper (base and tiny.en, through the model service) and of
/// pocketsphinx with its generic language model and with language models built from the
/// library's dialogue. Build in release mode:
/// `swift run -c release cinema-bench speech --films ../shared/data/films --speech ../shared/data/speech/notld`.
struct SpeechBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "speech",
        abstract:
            "Benchmark the recognizers (word error rate, real-time factor): Whisper through the model service, pocketsphinx with generic and library language models."
    )

    @Option(help: "Folder of .srt files the library language models are built from.")
    var films: String

    @Option(help: "Folder of film speech: .wav clips, each with its transcript in a .txt beside it.")
    var speech: String

    @Option(help: "The film the clips come from (part of its file name), left out of the held-out model.")
    var heldOut = "Night_of_the_Living_Dead"

    @Option(help: "Variants to run, comma-separated: \(Variant.Kind.allCases.map(\.rawValue).joined(separator: ", ")).")
    var variants = Variant.Kind.allCases.map(\.rawValue).joined(separator: ",")

    @Option(help: "The library model's share in the mixed variants (0…1).")
    var weight = 0.5

    @Option(help: "Film lines spoken by espeak-ng (chosen at random from the films other than the held-out one).")
    var filmLines = 10

    @Option(help: "Random seed for choosing the film lines.")
    var seed: UInt64 = 42

    @Option(help: "Scratch folder for the language models (default: a new folder in the system temp directory).")
    var work: String?

    @Flag(help: "Print every reference and what each variant heard.")
    var verbose = false

    /// Everyday things a gallery visitor might say to the TV.
    static let visitorQuestions = [
        "what is your name", "do you like the movies", "where are you from", "can you tell me a joke",
        "what film is this", "who is your favorite actor", "are you a robot", "how old are you",
        "show me something scary", "i want to see a love story", "do you know any songs", "what do you think about love",
    ]

    /// The voices the espeak-ng sets are spoken in: a man and a woman, American and British.
    static let voices = ["en-us", "en-gb+f3", "en-us+m3", "en+f4"]

    func run() async throws {
        let kinds = try variants.split(separator: ",").map { name in
            guard let kind = Variant.Kind(rawValue: String(name)) else {
                throw ValidationError("unknown variant \(name); choose from \(Variant.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return kind
        }
        let scratch = work ?? FileManager.default.temporaryDirectory.path + "/cinema-bench-speech-\(getpid())"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { if work == nil { try? FileManager.default.removeItem(atPath: scratch) } }

        let clock = ContinuousClock()
        let dictionaryStart = clock.now
        let dictionary = try PronunciationDictionary(contentsOf: PocketSphinxRecognizer.Model.debianEnglish.dictionary)
        let pronounceable = dictionary.words
        print("# cinema-bench speech — \(ProcessInfo.processInfo.activeProcessorCount) cores\n")
        print("dictionary: \(pronounceable.count) words read in \(seconds(clock.now - dictionaryStart)) s")

        let filmFolder = AbsolutePath.resolve(films)
        let films = try FileManager.default.contentsOfDirectory(atPath: filmFolder).filter { $0.hasSuffix(".srt") }.sorted()
        var dialogue: [(film: String, lines: [String])] = []
        for film in films {
            let cues = try SubtitleParser.parse(fileAt: filmFolder + "/" + film).cues
            dialogue.append((film, cues.filter { $0.kind == .speech }.map(\.text)))
        }
        guard dialogue.contains(where: { $0.film.contains(heldOut) }) else {
            throw ValidationError("no film in \(filmFolder) has \(heldOut) in its name; pass the clips' film with --held-out")
        }

        // The two library models: every film, and every film but the clips' own.
        var modelRows: [[String]] = []
        var built: [String: (arpa: String, dictionary: String, words: Set<String>)] = [:]
        for (name, included) in [("films", dialogue), ("held-out", dialogue.filter { !$0.film.contains(heldOut) })] {
            let started = clock.now
            var builder = LanguageModelBuilder(pronounceable: pronounceable)
            for film in included { for line in film.lines { builder.add(line) } }
            let model = try builder.build()
            let buildSeconds = clock.now - started
            let arpa = scratch + "/\(name).lm"
            let dictionaryPath = scratch + "/\(name).dict"
            try model.write(languageModel: arpa, dictionary: dictionaryPath, from: dictionary)
            built[name] = (arpa, dictionaryPath, Set(model.words))
            let statistics = builder.statistics
            modelRows.append(
                [
                    name, "\(included.count)", "\(statistics.sentences)", "\(statistics.words)", "\(statistics.unknownWords)",
                    "\(model.ngramCounts[0])", "\(model.ngramCounts[1])", "\(model.ngramCounts[2])", mebibytes(arpa), mebibytes(dictionaryPath),
                    seconds(buildSeconds),
                ]
            )
        }
        print("\n## Library language models\n")
        print(
            Table.markdown(
                header: [
                    "model", "films", "sentences", "words", "unknown words", "1-grams", "2-grams", "3-grams", "ARPA MiB", "dict MiB", "build s",
                ],
                rows: modelRows
            )
        )
        print("(the generic en-us.lm.bin is \(mebibytes(PocketSphinxRecognizer.Model.debianEnglish.languageModel)) MiB; cmudict 3.1 MiB)")

        let sets = try await dataSets(dialogue: dialogue, pronounceable: pronounceable)
        print("\n## Data\n")
        for set in sets {
            let words = set.items.reduce(0) { $0 + $1.reference.count }
            let audio = set.items.reduce(0.0) { $0 + $1.utterances.reduce(0.0) { $0 + Double($1.count) / 16_000 } }
            print("- \(set.name): \(set.items.count) items, \(words) words, \(String(format: "%.0f", audio)) s of audio")
        }

        var rows: [[String]] = []
        for kind in kinds {
            let variant = Variant(kind: kind, weight: weight, built: built)
            let loadStart = clock.now
            let recognizer: any SpeechRecognizer
            var supervision: Task<Void, Never>?
            if let whisper = variant.whisperModel {
                let (service, task) = try await Self.startModelService(model: whisper)
                recognizer = WhisperRecognizer(configuration: .modelService(model: whisper), service: service)
                supervision = task
            } else {
                recognizer = try PocketSphinxRecognizer(model: variant.model)
            }
            defer { supervision?.cancel() }
            let loadSeconds = clock.now - loadStart
            for set in sets {
                var errors = 0
                var words = 0
                var unknown = 0
                var decodeSeconds = 0.0
                var audioSeconds = 0.0
                for item in set.items {
                    var heard: [String] = []
                    for utterance in item.utterances {
                        let transcript = try await recognizer.transcribe(utterance, sampleRate: 16_000)
                        heard.append(transcript.text)
                        decodeSeconds += transcript.seconds
                        audioSeconds += transcript.audioSeconds
                    }
                    let hypothesis = Self.words(heard.joined(separator: " "))
                    errors += Self.editDistance(item.reference, hypothesis)
                    words += item.reference.count
                    if let vocabulary = variant.vocabulary { unknown += item.reference.count(where: { !vocabulary.contains($0) }) }
                    if verbose {
                        print("\n[\(variant.name) / \(set.name) / \(item.name)]\n  said:  \(item.reference.joined(separator: " "))")
                        print("  heard: \(hypothesis.joined(separator: " "))")
                    }
                }
                rows.append(
                    [
                        variant.name, set.name, "\(words)", String(format: "%.2f", Double(errors) / Double(max(words, 1))),
                        variant.vocabulary == nil ? "–" : String(format: "%.2f", Double(unknown) / Double(max(words, 1))),
                        String(format: "%.2f", decodeSeconds / max(audioSeconds, 0.001)), seconds(loadSeconds),
                    ]
                )
                print("done: \(variant.name) / \(set.name)")
            }
            supervision?.cancel()
            await supervision?.value
        }
        print("\n## Word error rate and speed\n")
        print(Table.markdown(header: ["variant", "data", "words", "WER", "words not in LM", "RTF", "load s"], rows: rows))
        print(
            "\nWER: word-level Levenshtein distance over all reference words of the set (normalised: lower case, apostrophes kept)."
                + "\nRTF: decoding seconds per second of audio decoded (film clips split at pauses by the VAD, as a room does)."
        )
    }

    /// A language model setup to measure.
    struct Variant {
        enum Kind: String, CaseIterable {
            case whisperBase = "whisper-base"
            case whisperTiny = "whisper-tiny.en"
            case generic
            case films
            case heldOut = "held-out"
            case heldOutFullDictionary = "held-out-full-dict"
            case mixedHeldOut = "mixed-held-out"
            case mixedFilms = "mixed-films"
        }

        var name: String
        var model: PocketSphinxRecognizer.Model
        /// The words the model can hear, when it is a library model.
        var vocabulary: Set<String>?
        /// The model service's model, for the Whisper variants.
        var whisperModel: String?

        init(kind: Kind, weight: Double, built: [String: (arpa: String, dictionary: String, words: Set<String>)]) {
            let films = built["films"]!
            let heldOut = built["held-out"]!
            let generic = PocketSphinxRecognizer.Model.debianEnglish
            switch kind {
            case .whisperBase, .whisperTiny:
                let whisper = kind == .whisperBase ? "base" : "tiny.en"
                (name, model, vocabulary, whisperModel) = ("whisper \(whisper) (model service)", generic, nil, whisper)
            case .generic:
                (name, model, vocabulary) = ("generic en-us", generic, nil)
            case .films:
                (name, model, vocabulary) = ("library, all films", .library(languageModel: films.arpa, dictionary: films.dictionary), films.words)
            case .heldOut:
                (name, model, vocabulary) = (
                    "library, held out", .library(languageModel: heldOut.arpa, dictionary: heldOut.dictionary), heldOut.words
                )
            case .heldOutFullDictionary:
                (name, model, vocabulary) = (
                    "library, held out, full cmudict",
                    PocketSphinxRecognizer.Model(acousticModel: generic.acousticModel, languageModel: heldOut.arpa, dictionary: generic.dictionary),
                    heldOut.words
                )
            case .mixedHeldOut:
                (name, model, vocabulary) = ("generic + held out (\(weight))", .generic(mixedWith: heldOut.arpa, weight: weight), nil)
            case .mixedFilms:
                (name, model, vocabulary) = ("generic + all films (\(weight))", .generic(mixedWith: films.arpa, weight: weight), nil)
            }
        }
    }

    struct DataSet {
        struct Item {
            var name: String
            var reference: [String]
            var utterances: [[Int16]]
        }

        var name: String
        var items: [Item]
    }

    /// The film clips split at pauses, and espeak-ng sentences: film lines and visitor questions.
    private func dataSets(dialogue: [(film: String, lines: [String])], pronounceable: Set<String>) async throws -> [DataSet] {
        let folder = AbsolutePath.resolve(speech)
        var clips: [DataSet.Item] = []
        for file in try FileManager.default.contentsOfDirectory(atPath: folder).filter({ $0.hasSuffix(".wav") }).sorted() {
            let path = folder + "/" + file
            let transcript = try String(contentsOfFile: String(path.dropLast(4)) + ".txt", encoding: .utf8)
            var detector = VoiceActivityDetector()
            let samples = try await MediaFixtures.audioSamples(of: path)
            var utterances: [[Int16]] = []
            for event in detector.feed(samples) + detector.finish() {
                if case .ended(let utterance) = event { utterances.append(utterance.samples) }
            }
            clips.append(DataSet.Item(name: file, reference: Self.words(transcript), utterances: utterances))
        }

        // Single-sentence lines of 4 to 10 words that the dictionary can say, from the other films.
        var candidates: [String] = []
        for film in dialogue where !film.film.contains(heldOut) {
            for line in film.lines where !line.contains("\n") {
                let words = Self.words(line)
                let sentenceMarks = line.count(where: { ".!?".contains($0) })
                if (4...10).contains(words.count), sentenceMarks <= 1, words.allSatisfy(pronounceable.contains) { candidates.append(line) }
            }
        }
        var generator = SeededRandom(seed: seed)
        var lines: [String] = []
        while lines.count < filmLines, !candidates.isEmpty {
            lines.append(candidates.remove(at: Int.random(in: 0..<candidates.count, using: &generator)))
        }

        return try await TemporaryDirectory.with { directory in
            func spoken(_ sentences: [(sentence: String, voice: String)]) async throws -> [DataSet.Item] {
                var items: [DataSet.Item] = []
                for (sentence, voice) in sentences {
                    let samples = try await MediaFixtures.speech(sentence, voice: voice, in: directory)
                    items.append(DataSet.Item(name: "\(sentence) (\(voice))", reference: Self.words(sentence), utterances: [samples]))
                }
                return items
            }
            // The odd clips (in name order) were never looked at while the model service was
            // tuned (its window and beam were chosen on the even ones): the held-out half.
            return [
                DataSet(name: "NOTLD clips", items: clips),
                DataSet(name: "NOTLD clips, held-out half", items: clips.enumerated().filter { $0.offset % 2 == 1 }.map(\.element)),
                DataSet(
                    name: "espeak film lines",
                    items: try await spoken(lines.enumerated().map { ($0.element, Self.voices[$0.offset % Self.voices.count]) })
                ),
                DataSet(
                    name: "espeak visitor questions, \(Self.voices.count) voices",
                    items: try await spoken(Self.voices.flatMap { voice in Self.visitorQuestions.map { ($0, voice) } })
                ),
            ]
        }
    }

    static func words(_ text: String) -> [String] {
        TranscriptFilter.normalize(text.replacingOccurrences(of: "\u{2019}", with: "'")).split(separator: " ").map(String.init)
    }

    /// Substitutions, insertions and deletions that turn `reference` into `hypothesis`.
    static func editDistance(_ reference: [String], _ hypothesis: [String]) -> Int {
        var previous = Array(0...hypothesis.count)
        for (i, word) in reference.enumerated() {
            var current = [i + 1]
            for (j, heard) in hypothesis.enumerated() {
                current.append(min(previous[j + 1] + 1, current[j] + 1, previous[j] + (word == heard ? 0 : 1)))
            }
            previous = current
        }
        return previous[hypothesis.count]
    }

    /// The model service from this checkout's `cinema-models`, supervised until the task is
    /// cancelled, once it is ready.
    static func startModelService(model: String) async throws -> (ModelService, Task<Void, Never>) {
        let installation: ModelServiceInstallation
        switch ModelServiceInstallation.find() {
        case .success(let found): installation = found
        case .failure(let missing): throw ValidationError(missing.description)
        }
        var configuration = ModelService.Configuration(installation: installation)
        configuration.model = model
        let service = ModelService(configuration: configuration)
        let task = Task { await service.supervise() }
        guard await service.baseURL(within: .seconds(120)) != nil else {
            task.cancel()
            throw ValidationError("The model service did not become ready: \(await service.state)")
        }
        return (service, task)
    }

    private func seconds(_ duration: Duration) -> String { String(format: "%.2f", duration / .seconds(1)) }

    private func mebibytes(_ path: String) -> String {
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.doubleValue ?? 0
        return String(format: "%.1f", size / 1_048_576)
    }
}
