import CinemaCore
import CinemaTestSupport
import Foundation
import Testing

@testable import CinemaDevice

@Suite("The client's configuration and media")
struct DeviceConfigurationTests {
    static let player = URL(string: "http://127.0.0.1:5000")!

    @Test("Room, backend and player URLs and ALSA names are checked, each refusal saying what is wrong")
    func validation() throws {
        let room = try #require(URL(string: "ws://tv.local:8765/rooms/abc"))
        let configuration = try DeviceConfiguration(roomURL: room, token: "t", playerURL: Self.player)
        #expect(configuration.sessionID == "abc")
        #expect(configuration.backendURL.absoluteString == "http://tv.local:8765")
        let secure = try DeviceConfiguration(roomURL: try #require(URL(string: "wss://tv.local/rooms/x")), token: nil, playerURL: Self.player)
        #expect(secure.backendURL.absoluteString == "https://tv.local")

        let refusals: [(() throws -> DeviceConfiguration, String)] = [
            ({ try DeviceConfiguration(roomURL: URL(string: "http://tv/rooms/a")!, token: nil, playerURL: Self.player) }, "ws:// or wss://"),
            ({ try DeviceConfiguration(roomURL: URL(string: "ws://tv/a")!, token: nil, playerURL: Self.player) }, "/rooms/ID"),
            ({ try DeviceConfiguration(roomURL: room, token: nil, playerURL: URL(string: "file:///tmp/x")!) }, "player URL"),
            ({ try DeviceConfiguration(roomURL: room, token: nil, playerURL: Self.player, microphone: .alsa("hw:0 -D x")) }, "ALSA device"),
            ({ try DeviceConfiguration(roomURL: room, token: nil, playerURL: Self.player, microphone: .alsa("-Dnull")) }, "ALSA device"),
            ({ try DeviceConfiguration(roomURL: room, token: nil, playerURL: Self.player, microphone: .file("/nonexistent.wav")) }, "WAV"),
        ]
        for (make, words) in refusals {
            #expect {
                _ = try make()
            } throws: { error in
                (error as? DeviceConfigurationError)?.description.contains(words) == true
            }
        }
        for name in ["plughw:1,0", "default", "hw:CARD=Device,DEV=0", "sysdefault:CARD=PCH"] {
            #expect(ALSADeviceName.isValid(name), "\(name)")
        }
    }

    @Test("A film is read from disk only under a media root; '..' and symlinks out of it, and missing files, go to the media URL")
    func mediaRoots() async throws {
        try await TemporaryDirectory.with { directory in
            let root = directory.file("films")
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
            let inside = try directory.write("films/a.mp4", "video")
            let outside = try directory.write("secret.mp4", "video")
            try FileManager.default.createSymbolicLink(atPath: root + "/link.mp4", withDestinationPath: outside)
            let media = MediaResolver(roots: DeviceConfiguration.resolvedRoots([root + "/"]), backend: URL(string: "http://backend:8765")!)
            let url = "http://backend:8765/media/1"

            #expect(try media.source(path: inside, mediaURL: url) == .file(inside))
            #expect(try media.source(path: root + "/../secret.mp4", mediaURL: url) == .url(url))
            #expect(try media.source(path: root + "/link.mp4", mediaURL: url) == .url(url))
            #expect(try media.source(path: root + "/absent.mp4", mediaURL: url) == .url(url))
            #expect(try media.source(path: "films/a.mp4", mediaURL: url) == .url(url))
            #expect(throws: DeviceError.self) { try media.source(path: outside, mediaURL: nil) }
            #expect(throws: DeviceError.self) { try media.source(path: nil, mediaURL: "file:///etc/passwd") }
            #expect(throws: DeviceError.self) { try media.source(path: nil, mediaURL: nil) }
        }
    }

    @Test("A media URL is streamed only from the client's own backend (its scheme, host and port); any other is unplayable, saying why")
    func mediaOnlyFromTheBackend() throws {
        let room = try #require(URL(string: "ws://127.0.0.1:8765/rooms/abc"))
        let derived = try DeviceConfiguration(roomURL: room, token: "t", playerURL: Self.player)
        let media = MediaResolver(roots: derived.mediaRoots, backend: derived.backendURL)
        #expect(try media.source(path: nil, mediaURL: "http://127.0.0.1:8765/media/1") == .url("http://127.0.0.1:8765/media/1"))
        // The same backend by another of this machine's names: a page opened by localhost.
        #expect(try media.source(path: nil, mediaURL: "http://localhost:8765/media/1") == .url("http://localhost:8765/media/1"))
        for foreign in [
            "http://attacker.example/media/1", "http://attacker.example:8765/media/1", "http://127.0.0.1:9999/media/1",
            "https://127.0.0.1:8765/media/1", "http://127.0.0.1/media/1",
        ] {
            #expect {
                _ = try media.source(path: nil, mediaURL: foreign)
            } throws: { error in
                guard case .unplayable(let detail) = error as? DeviceError else { return false }
                return detail.contains(foreign) && detail.contains("http://127.0.0.1:8765") && detail.contains("only")
            }
        }

        // A backend given apart from the room is the one media comes from.
        let given = try DeviceConfiguration(
            roomURL: room,
            token: "t",
            backendURL: try #require(URL(string: "https://films.example:8443")),
            playerURL: Self.player
        )
        let fromGiven = MediaResolver(roots: given.mediaRoots, backend: given.backendURL)
        #expect(try fromGiven.source(path: nil, mediaURL: "https://FILMS.example:8443/media/2") == .url("https://FILMS.example:8443/media/2"))
        #expect(throws: DeviceError.self) { try fromGiven.source(path: nil, mediaURL: "http://127.0.0.1:8765/media/2") }
    }
}

@Suite("The client's microphones")
struct MicrophoneTests {
    @Test("A WAV plays in real time in 20 ms frames of its own format, then the room's silence")
    func wavInRealTime() async throws {
        try await TemporaryDirectory.with { directory in
            // 0.5 s of a 48 kHz stereo ramp: 25 frames of 3840 bytes.
            let samples = (0..<(24_000 * 2)).map { Int16(truncatingIfNeeded: $0 % 3000 + 1) }
            let path = try directory.write("mic.wav", WAVFile(sampleRate: 48_000, channels: 2, samples: samples).bytes)
            let microphone = try MicrophoneStream.wav(path)
            #expect(microphone.format == AudioFormat(sampleRate: 48_000, channels: 2))
            let clock = ContinuousClock()
            let start = clock.now
            var frames: [[UInt8]] = []
            for try await frame in microphone.frames() {
                frames.append(frame)
                if frames.count == 50 { break }
            }
            let elapsed = clock.now - start
            #expect(frames.allSatisfy { $0.count == 3840 })
            #expect(frames.prefix(25).allSatisfy { $0.contains { $0 != 0 } }, "the recording")
            #expect(frames.suffix(25).allSatisfy { $0.allSatisfy { $0 == 0 } }, "then silence")
            let first = frames[0]
            #expect(Int16(bitPattern: UInt16(first[0]) | UInt16(first[1]) << 8) == 1, "little-endian PCM as recorded")
            // 49 pauses of 20 ms: about 0.98 s, never sooner. (Later only when the test process's
            // threads are held by other tests' CPU work: 64 s has been seen in the full suite.)
            #expect(elapsed >= .milliseconds(960), "\(elapsed)")
        }
    }

    @Test("A file that is not a usable WAV is refused with its name")
    func badWAV() async throws {
        try await TemporaryDirectory.with { directory in
            let text = try directory.write("notes.wav", "not audio at all")
            #expect {
                _ = try MicrophoneStream.wav(text)
            } throws: { error in
                "\(error)".contains("notes.wav")
            }
            let fast = try directory.write("fast.wav", WAVFile(sampleRate: 96_000, samples: [0, 0]).bytes)
            #expect {
                _ = try MicrophoneStream.wav(fast)
            } throws: { error in
                "\(error)".contains("96000 Hz")
            }
        }
    }

    @Test("ALSA through arecord: frames of 640 bytes from a device, and a clear error naming a device that is not there")
    func alsa() async throws {
        // ALSA's null device needs no sound card: it captures silence.
        var frames = 0
        for try await frame in MicrophoneStream.alsa("null").frames() {
            #expect(frame.count == 640)
            frames += 1
            if frames == 10 { break }
        }
        #expect(frames == 10)

        await #expect {
            for try await _ in MicrophoneStream.alsa("plughw:7,0").frames() {}
        } throws: { error in
            let text = "\(error)"
            return text.contains("plughw:7,0") && text.contains("arecord -l")
        }
        await #expect {
            for try await _ in MicrophoneStream.alsa("null", arecord: "/nonexistent/arecord").frames() {}
        } throws: { error in
            "\(error)".contains("alsa-utils")
        }
    }
}

@Suite("The player's events as the client reads them")
struct PlayerEventTests {
    @Test("started, ended (with its reason), error and mpv-restarted are understood; others are ignored")
    func events() {
        #expect(PlayerBridge.event(ServerSentEvent(event: "started", data: #"{"clip_id": 4, "start": 1, "end": 2}"#)) == .started(clipID: 4))
        #expect(
            PlayerBridge.event(ServerSentEvent(event: "ended", data: #"{"clip_id": 4, "reason": "stopped"}"#)) == .ended(clipID: 4, reason: "stopped")
        )
        #expect(
            PlayerBridge.event(ServerSentEvent(event: "ended", data: #"{"clip_id": null, "reason": "eof"}"#)) == .ended(clipID: nil, reason: "eof")
        )
        #expect(PlayerBridge.event(ServerSentEvent(event: "error", data: #"{"message": "boom"}"#)) == .error("boom"))
        #expect(PlayerBridge.event(ServerSentEvent(event: "mpv-restarted", data: #"{"restarts": 2}"#)) == .mpvRestarted(count: 2))
        #expect(PlayerBridge.event(ServerSentEvent(event: "idle", data: "{}")) == nil)
    }
}
