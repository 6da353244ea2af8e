import CPocketSphinx
import Foundation

/// The offline recognizer: Debian's pocketsphinx with its US English model.
///
/// The model is loaded once per decoder, when the recognizer is made (about a second each), and
/// every utterance after that reuses them. An utterance is heard while it is spoken (see
/// ``StreamingRecognizer``), so that when the visitor stops only the end of the search is left.
public final class PocketSphinxRecognizer: StreamingRecognizer, Sendable {
    public let name = "pocketsphinx"

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
    private let pool: DecoderPool

    public static let sampleRate = 16_000

    /// Loads `decoders` copies of the model (each about 90 MiB with the generic language model):
    /// as many utterances are decoded at once, others wait their turn.
    public init(model: Model = .debianEnglish, decoders: Int = 1) throws(SpeechError) {
        var loaded: [Decoder] = []
        for _ in 0..<max(1, decoders) { loaded.append(try Self.load(model)) }
        self.model = model
        pool = DecoderPool(loaded)
    }

    public var decoderCount: Int { pool.count }

    /// Loads one decoder: the model files are read, and a model that is missing is named.
    static func load(_ model: Model) throws(SpeechError) -> Decoder {
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
        let loaded = Decoder(decoder: decoder, config: config)
        if let mixture = model.mixture {
            try Self.mix(mixture, into: model.languageModel, decoder: decoder, config: config)
        }
        return loaded
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
        // A whole utterance is decoded in one pass, which lets pocketsphinx normalise the
        // voice over all of it: on the NOTLD clips this hears far better than the same audio
        // streamed, whose normalisation has to adapt as it goes.
        let decoder = await pool.acquire()
        let clock = ContinuousClock()
        let started = clock.now
        let text = await decoder.run { decoder -> String? in
            guard ps_start_utt(decoder) >= 0 else { return nil }
            let processed = samples.withUnsafeBufferPointer { ps_process_raw(decoder, $0.baseAddress, $0.count, 0, 1) }
            let heard = Decoder.endUtterance(decoder)
            return processed >= 0 ? heard : nil
        }
        await pool.release(decoder)
        guard let text else { throw .decoderFailed("the decoder rejected \(samples.count) samples") }
        return Transcript(text: text, seconds: (clock.now - started) / .seconds(1), audioSeconds: Double(samples.count) / Double(sampleRate))
    }

    public func begin() async throws(SpeechError) -> any UtteranceDecoding {
        let decoder = await pool.acquire()
        let started = await decoder.run { ps_start_utt($0) }
        guard started >= 0 else {
            await pool.release(decoder)
            throw .decoderFailed("could not start an utterance")
        }
        return PocketSphinxUtterance(decoder: decoder, pool: pool)
    }
}

/// One C decoder, with its configuration and the serial queue it is only ever touched on.
///
/// Decoding is seconds of blocking C work: it runs on this queue, never on Swift's cooperative
/// threads, where long decodes would stall every other task of the process on a 2-core machine
/// (they did, when the recognizer was an actor).
final class Decoder: @unchecked Sendable {
    // @unchecked: `decoder` and `config` are only used inside `run`, on `queue`.
    private let decoder: OpaquePointer
    private let config: OpaquePointer
    private let queue = DispatchQueue(label: "cinema.speech.pocketsphinx")

    init(decoder: OpaquePointer, config: OpaquePointer) {
        self.decoder = decoder
        self.config = config
    }

    /// Ends the utterance under way and reads what was heard; nil when it would not end. Only
    /// inside `run`.
    static func endUtterance(_ decoder: OpaquePointer) -> String? {
        guard ps_end_utt(decoder) >= 0 else { return nil }
        var score: Int32 = 0
        return ps_get_hyp(decoder, &score).map { String(cString: $0) } ?? ""
    }

    func run<T: Sendable>(_ body: @escaping @Sendable (OpaquePointer) -> T) async -> T {
        await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: body(self.decoder)) }
        }
    }

    deinit {
        ps_free(decoder)
        cmd_ln_free_r(config)
    }
}

/// The recognizer's decoders: an utterance takes one for as long as it lasts, and one that
/// finds them all busy waits, first come first served.
actor DecoderPool {
    private var free: [Decoder]
    private var waiting: [CheckedContinuation<Decoder, Never>] = []
    nonisolated let count: Int

    init(_ decoders: [Decoder]) {
        free = decoders
        count = decoders.count
    }

    func acquire() async -> Decoder {
        if let decoder = free.popLast() { return decoder }
        return await withCheckedContinuation { waiting.append($0) }
    }

    func release(_ decoder: Decoder) {
        if waiting.isEmpty {
            free.append(decoder)
        } else {
            waiting.removeFirst().resume(returning: decoder)
        }
    }
}

/// One utterance on one decoder, heard while it is spoken.
actor PocketSphinxUtterance: UtteranceDecoding {
    private var decoder: Decoder?
    private let pool: DecoderPool
    private var busy = Duration.zero
    private var samples = 0
    private var failure: SpeechError?

    init(decoder: Decoder, pool: DecoderPool) {
        self.decoder = decoder
        self.pool = pool
    }

    func feed(_ chunk: [Int16]) async {
        guard let decoder, failure == nil, !chunk.isEmpty else { return }
        let clock = ContinuousClock()
        let started = clock.now
        let processed = await decoder.run { decoder in
            chunk.withUnsafeBufferPointer { ps_process_raw(decoder, $0.baseAddress, $0.count, 0, 0) }
        }
        busy += clock.now - started
        samples += chunk.count
        if processed < 0 { failure = .decoderFailed("the decoder rejected \(chunk.count) samples") }
    }

    func finish() async throws(SpeechError) -> Transcript {
        guard let decoder else { throw .decoderFailed("the utterance was already finished") }
        self.decoder = nil
        let clock = ContinuousClock()
        let started = clock.now
        let text = await decoder.run { Decoder.endUtterance($0) }
        busy += clock.now - started
        await pool.release(decoder)
        if let failure { throw failure }
        guard let text else { throw .decoderFailed("could not end the utterance") }
        let rate = Double(PocketSphinxRecognizer.sampleRate)
        return Transcript(text: text, seconds: busy / .seconds(1), audioSeconds: Double(samples) / rate)
    }

    func cancel() async {
        guard let decoder else { return }
        self.decoder = nil
        _ = await decoder.run { ps_end_utt($0) }
        await pool.release(decoder)
    }
}
