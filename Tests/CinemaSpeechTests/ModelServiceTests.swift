import CinemaCore
import CinemaTestSupport
import Foundation
import Testing

@testable import CinemaSpeech

#if canImport(Glibc)
import Glibc
#endif

/// The real model service (cinema-models with Whisper base), supervised as `cinema serve` does,
/// and what a visitor gets when it dies, hangs, or has no usable weights.
@Suite("The model service, supervised", .serialized)
struct ModelServiceTests {
    static func installation() throws -> ModelServiceInstallation {
        switch ModelServiceInstallation.find() {
        case .success(let found): return found
        case .failure(let missing): throw missing
        }
    }

    static func words(_ text: String) -> [String] { TranscriptFilter.normalize(text).split(separator: " ").map(String.init) }

    /// This checkout's service, restarted quickly.
    static func configuration() throws -> ModelService.Configuration {
        var configuration = ModelService.Configuration(installation: try installation())
        configuration.backoff = Backoff(initial: .milliseconds(200), maximum: .seconds(1))
        return configuration
    }

    /// Runs `body` with the service supervised; stops it after.
    static func withService<T: Sendable>(
        _ configuration: ModelService.Configuration? = nil,
        _ body: (ModelService) async throws -> T
    ) async throws -> T {
        let configuration = try configuration ?? Self.configuration()
        let service = ModelService(configuration: configuration)
        let supervision = Task { await service.supervise() }
        defer { supervision.cancel() }
        let value = try await body(service)
        supervision.cancel()
        await supervision.value
        #expect(await service.state == .stopped)
        return value
    }

    struct NotReady: Error, CustomStringConvertible {
        var description: String
    }

    /// The service's address once it is ready; a test failure naming its state if it is not.
    static func ready(_ service: ModelService) async throws -> String {
        if let url = await service.baseURL(within: .seconds(90)) { return url }
        throw NotReady(description: "the model service is not ready: \(await service.state)")
    }

    static func question(_ text: String) async throws -> [Int16] {
        try await TemporaryDirectory.with { directory in try await MediaFixtures.speech(text, in: directory) }
    }

    @Test("Started, ready, and hears a spoken question word for word; stopped with the supervision", .tags(.media))
    func hearsAQuestion() async throws {
        let samples = try await Self.question("do you like the movies")
        let pid = try await Self.withService { service in
            let url = try await Self.ready(service)
            #expect(url.hasPrefix("http://127.0.0.1:") && url.hasSuffix("/v1"))
            let whisper = WhisperRecognizer(configuration: .modelService(model: "base"), service: service)
            let transcript = try await whisper.transcribe(samples, sampleRate: 16_000)
            #expect(Self.words(transcript.text) == ["do", "you", "like", "the", "movies"], "\(transcript.text)")
            #expect(transcript.seconds < 5)
            return try #require(await service.processID)
        }
        // Gone with the supervision: no orphan holding its memory.
        #expect(kill(pid, 0) != 0)
    }

    @Test("Killed mid-utterance: the utterance is heard by pocketsphinx, the service comes back by itself on a new port", .tags(.media))
    func killed() async throws {
        let samples = try await Self.question("do you like the movies")
        try await Self.withService { service in
            let first = try await Self.ready(service)
            let pid = try #require(await service.processID)
            let recognizer = FallbackRecognizer(
                primary: WhisperRecognizer(configuration: .modelService(model: "base"), service: service),
                fallback: try PocketSphinxRecognizer(decoders: 1)
            )
            async let heard = recognizer.transcribe(samples, sampleRate: 16_000)
            kill(pid, SIGKILL)
            let transcript = try await heard
            // Either the request was answered before the kill landed, or the stand-in heard it:
            // the visitor gets a turn whichever.
            #expect(!transcript.text.isEmpty)
            let again = try await Self.ready(service)
            #expect(again != first)
            #expect(await service.restarts >= 1)
            let back = try await recognizer.transcribe(samples, sampleRate: 16_000)
            #expect(back.engine == nil, "Whisper hears again once the service is back")
            #expect(Self.words(back.text).contains("movies"), "\(back.text)")
        }
    }

    @Test("Hung (stopped by SIGSTOP): the request gives up in seconds, the visitor is still heard, and the hung service is killed and replaced")
    func hung() async throws {
        let samples = try await Self.question("tell me a story")
        var configuration = try Self.configuration()
        configuration.healthInterval = .seconds(1)
        configuration.healthTimeout = .seconds(1)
        try await Self.withService(configuration) { service in
            _ = try await Self.ready(service)
            let pid = try #require(await service.processID)
            kill(pid, SIGSTOP)
            let recognizer = FallbackRecognizer(
                primary: WhisperRecognizer(configuration: .modelService(model: "base"), service: service),
                fallback: try PocketSphinxRecognizer(decoders: 1)
            )
            let clock = ContinuousClock()
            let started = clock.now
            let transcript = try await recognizer.transcribe(samples, sampleRate: 16_000)
            // Heard by the stand-in, or by Whisper on the retry if the replacement was ready.
            #expect(!transcript.text.isEmpty)
            #expect(clock.now - started < .seconds(12), "a visitor waited \(clock.now - started)")
            _ = try await Self.ready(service)
            #expect(await service.processID != pid)
            #expect(kill(pid, 0) != 0, "the hung process was killed")
        }
    }

    @Test("Damaged or missing weights: the service is refused with the file named, and pocketsphinx hears at once")
    func badWeights() async throws {
        try await TemporaryDirectory.with { directory in
            let installation = try Self.installation()
            let real = installation.folder + "/.venv/share/cinema-models/whisper-base"
            let copy = directory.file("weights/whisper-base")
            try FileManager.default.createDirectory(atPath: copy, withIntermediateDirectories: true)
            for name in ["config.json", "tokenizer.json", "vocabulary.txt"] {
                try FileManager.default.linkItem(atPath: real + "/" + name, toPath: copy + "/" + name)
            }
            // One changed byte in the first mebibyte of a copy of the model.
            let original = try #require(FileHandle(forReadingAtPath: real + "/model.bin"))
            var model = try #require(try original.read(upToCount: 1 << 20))
            try original.close()
            model[4096] ^= 0xFF
            try model.write(to: URL(fileURLWithPath: copy + "/model.bin"))
            var configuration = try Self.configuration()
            configuration.weightsFolder = directory.file("weights")
            try await Self.withService(configuration) { service in
                #expect(await service.baseURL(within: .seconds(60)) == nil)
                let state = await service.state
                #expect(state.name == "failed")
                #expect(state.reason?.contains("model.bin") == true, "\(state)")
                #expect(state.reason?.contains("not the published file") == true, "\(state)")
                let status = await SpeechStatus.of(service, fallback: "pocketsphinx")
                #expect(status.note?.contains("pocketsphinx hears visitors meanwhile") == true)
            }
            try FileManager.default.removeItem(atPath: copy + "/model.bin")
            try await Self.withService(configuration) { service in
                #expect(await service.baseURL(within: .seconds(60)) == nil)
                let state = await service.state
                #expect(state.reason?.contains("is not installed") == true, "\(state)")
            }
        }
    }
}
