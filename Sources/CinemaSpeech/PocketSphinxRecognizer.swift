import CPocketSphinx
import Foundation

/// The offline recognizer: Debian's pocketsphinx with its US English model.
///
/// The model is loaded once, when the recognizer is made (about a second), and every utterance
/// after that reuses it. Decoding is seconds of blocking C work: it runs on the recognizer's own
/// serial queue, one utterance at a time, never on Swift's cooperative threads, where two long
/// decodes would stall every other task of the process on a 2-core machine (they did).
public final class PocketSphinxRecognizer: SpeechRecognizer, @unchecked Sendable {
    // @unchecked: the C decoder is only ever touched on `queue`.
    public let name = "pocketsphinx"
    private let queue = DispatchQueue(label: "cinema.speech.pocketsphinx")

    public struct Model: Sendable, Equatable {
        /// The acoustic model directory.
        public var acousticModel: String
        /// The language model (`.lm.bin` or ARPA `.lm`).
        public var languageModel: String
        /// The pronunciation dictionary.
        public var dictionary: String

        /// A second language model mixed into `languageModel`, or nil for `languageModel` alone.
        public var mixture: Mixture?

        /// Another language model whose probabilities are interpolated with the first, word by
        /// word (sphinxbase's language model set): `(1 - weight) × P(first) + weight × P(mixed)`.
        /// Both models' words must be in the dictionary, so mixtures use the whole of cmudict.
        public struct Mixture: Sendable, Equatable {
            public var languageModel: String
            /// The mixed model's share, between 0 and 1.
            public var weight: Double

            public init(languageModel: String, weight: Double) {
                self.languageModel = languageModel
                self.weight = weight
            }
        }

        public init(acousticModel: String, languageModel: String, dictionary: String, mixture: Mixture? = nil) {
            self.acousticModel = acousticModel
            self.languageModel = languageModel
            self.dictionary = dictionary
            self.mixture = mixture
        }

        /// Where Debian's `pocketsphinx-en-us` puts it.
        public static let debianEnglish = Model(
            acousticModel: "/usr/share/pocketsphinx/model/en-us/en-us",
            languageModel: "/usr/share/pocketsphinx/model/en-us/en-us.lm.bin",
            dictionary: "/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict"
        )

        /// Debian's acoustic model with a language model built by ``LanguageModelBuilder`` and
        /// the dictionary written beside it (``LanguageModel/write(languageModel:dictionary:from:)``).
        public static func library(languageModel: String, dictionary: String) -> Model {
            Model(acousticModel: debianEnglish.acousticModel, languageModel: languageModel, dictionary: dictionary)
        }

        /// Debian's generic model interpolated with a library language model, over all of cmudict.
        public static func generic(mixedWith languageModel: String, weight: Double) -> Model {
            var model = debianEnglish
            model.mixture = Mixture(languageModel: languageModel, weight: weight)
            return model
        }
    }

    public let model: Model
    private let handles: Handles
    private var decoder: OpaquePointer { handles.decoder }

    /// Owns the C decoder and its configuration.
    private final class Handles: @unchecked Sendable {
        let decoder: OpaquePointer
        let config: OpaquePointer

        init(decoder: OpaquePointer, config: OpaquePointer) {
            self.decoder = decoder
            self.config = config
        }

        deinit {
            ps_free(decoder)
            cmd_ln_free_r(config)
        }
    }

    public static let sampleRate = 16_000

    public init(model: Model = .debianEnglish) throws(SpeechError) {
        var files = [("acoustic model", model.acousticModel), ("language model", model.languageModel), ("dictionary", model.dictionary)]
        if let mixture = model.mixture {
            guard (0...1).contains(mixture.weight) else {
                throw .decoderFailed("the mixed language model's weight is \(mixture.weight); give one between 0 and 1")
            }
            files.append(("mixed language model", mixture.languageModel))
        }
        for (what, path) in files {
            guard FileManager.default.fileExists(atPath: path) else {
                throw .modelMissing("no \(what) at \(path). Install it with: sudo apt-get install pocketsphinx-en-us")
            }
        }
        var arguments = [
            "-hmm", model.acousticModel, "-dict", model.dictionary, "-samprate", "\(Self.sampleRate)", "-logfn", "/dev/null",
        ]
        // A mixture is read below, as its own search; reading the first model here too would
        // load it twice.
        if model.mixture == nil { arguments += ["-lm", model.languageModel] }
        // cmd_ln_init is variadic, which Swift cannot call; cmd_ln_parse_r takes an argv.
        var argv = arguments.map { strdup($0) }
        defer { for argument in argv { free(argument) } }
        guard let config = cmd_ln_parse_r(nil, ps_args(), Int32(argv.count), &argv, 1) else {
            throw .decoderFailed("pocketsphinx refused its arguments: \(arguments.joined(separator: " "))")
        }
        guard let decoder = ps_init(config) else {
            cmd_ln_free_r(config)
            throw .modelMissing("pocketsphinx could not load the model in \(model.acousticModel)")
        }
        self.model = model
        self.handles = Handles(decoder: decoder, config: config)
        if let mixture = model.mixture {
            try Self.mix(mixture, into: model.languageModel, decoder: decoder, config: config)
        }
    }

    /// Replaces the decoder's search by one over both language models, interpolated.
    private static func mix(_ mixture: Model.Mixture, into languageModel: String, decoder: OpaquePointer, config: OpaquePointer) throws(SpeechError) {
        // Models in one set must share the decoder's log base, so both are read with its logmath.
        let logmath = ps_get_logmath(decoder)
        guard let first = ngram_model_read(config, languageModel, NGRAM_AUTO, logmath) else {
            throw .modelMissing("pocketsphinx could not read the language model \(languageModel)")
        }
        guard let second = ngram_model_read(config, mixture.languageModel, NGRAM_AUTO, logmath) else {
            ngram_model_free(first)
            throw .modelMissing("pocketsphinx could not read the language model \(mixture.languageModel)")
        }
        var models: [OpaquePointer?] = [first, second]
        var names = [strdup("first"), strdup("mixed")]
        defer { for name in names { free(name) } }
        var weights = [Float(1 - mixture.weight), Float(mixture.weight)]
        // The set owns both models from here on; the decoder's search keeps its own reference.
        guard let set = ngram_model_set_init(config, &models, &names, &weights, 2) else {
            ngram_model_free(first)
            ngram_model_free(second)
            throw .decoderFailed("sphinxbase could not interpolate \(languageModel) with \(mixture.languageModel)")
        }
        defer { ngram_model_free(set) }
        guard ps_set_lm(decoder, "mixed", set) == 0, ps_set_search(decoder, "mixed") == 0 else {
            throw .decoderFailed("pocketsphinx could not search the interpolated language model")
        }
    }

    public func transcribe(_ samples: [Int16], sampleRate: Int) async throws(SpeechError) -> Transcript {
        guard sampleRate == Self.sampleRate else {
            throw .unsupportedAudio("pocketsphinx's model hears 16 kHz; this audio is \(sampleRate) Hz")
        }
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<Transcript, SpeechError>, Never>) in
            queue.async { continuation.resume(returning: self.decode(samples, sampleRate: sampleRate)) }
        }
        return try result.get()
    }

    private func decode(_ samples: [Int16], sampleRate: Int) -> Result<Transcript, SpeechError> {
        let clock = ContinuousClock()
        let started = clock.now
        guard ps_start_utt(decoder) >= 0 else { return .failure(.decoderFailed("could not start an utterance")) }
        let processed = samples.withUnsafeBufferPointer { buffer in
            ps_process_raw(decoder, buffer.baseAddress, buffer.count, 0, 1)
        }
        let ended = ps_end_utt(decoder)
        guard processed >= 0, ended >= 0 else { return .failure(.decoderFailed("the decoder rejected \(samples.count) samples")) }
        var score: Int32 = 0
        let text = ps_get_hyp(decoder, &score).map { String(cString: $0) } ?? ""
        return .success(
            Transcript(text: text, seconds: (clock.now - started) / .seconds(1), audioSeconds: Double(samples.count) / Double(sampleRate))
        )
    }
}
