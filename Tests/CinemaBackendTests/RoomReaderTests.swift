import CinemaCore
import Testing

@testable import CinemaBackend

@Suite("The room's reader: what each input from a socket leads to")
struct RoomReaderTests {
    static let limits = RoomReader.Limits(maxAudioFrameBytes: 1000, strikesBeforeClose: 3, audioReportInterval: 4)

    @Test("frames are heard while the microphone is open, and the first one after it shuts interrupts")
    func hearingAndInterrupting() {
        var reader = RoomReader(role: .device, limits: Self.limits)
        #expect(reader.frame(bytes: 640, microphoneOpen: false).action == .ignore)
        #expect(reader.frame(bytes: 640, microphoneOpen: true).action == .hear)
        #expect(reader.listening)
        #expect(reader.frame(bytes: 640, microphoneOpen: false).action == .interrupt)
        #expect(reader.frame(bytes: 640, microphoneOpen: false).report?.ignored == 3)
        #expect(!reader.listening)
    }

    @Test("counts are reported every interval of frames, then start again")
    func reports() {
        var reader = RoomReader(role: .device, limits: Self.limits)
        let reports = (0..<9).compactMap { _ in reader.frame(bytes: 10, microphoneOpen: true).report }
        #expect(reports == [SessionEvent.AudioCounts(frames: 4, bytes: 40), SessionEvent.AudioCounts(frames: 4, bytes: 40)])
        let closing = reader.closed()
        #expect(closing == RoomReader.Closing(report: SessionEvent.AudioCounts(frames: 1, bytes: 10), finishListening: true, violated: false))
    }

    @Test("an unheard microphone format leaves the device deaf: frames are counted and ignored")
    func unheardFormat() {
        var reader = RoomReader(role: .device, limits: Self.limits)
        let format = AudioFormat(sampleRate: 96_000, channels: 6)
        #expect(reader.received(.clientReady(id: nil, version: nil, audio: format)) == .unheard(format))
        #expect(reader.frame(bytes: 640, microphoneOpen: true).action == .ignore)
        let stereo = AudioFormat(sampleRate: 48_000, channels: 2)
        #expect(reader.received(.clientReady(id: nil, version: nil, audio: stereo)) == .use(stereo))
        #expect(reader.frame(bytes: 640, microphoneOpen: true).action == .hear)
        #expect(reader.received(.sendText("hello")) == RoomReader.Declaration.none)
    }

    @Test("an observer's declaration is no concern of the reader")
    func observerDeclaration() {
        var reader = RoomReader(role: .observer, limits: Self.limits)
        #expect(reader.received(.clientReady(id: nil, version: nil, audio: AudioFormat(sampleRate: 1))) == RoomReader.Declaration.none)
    }

    @Test("malformed messages, oversized frames and an observer's audio are strikes; enough of them close the socket")
    func strikes() {
        var reader = RoomReader(role: .device, limits: Self.limits)
        reader.rejected(malformed: false)
        reader.rejected(malformed: true)
        #expect(reader.frame(bytes: 1001, microphoneOpen: true).action == .refuseOversized(bytes: 1001))
        #expect(!reader.mustClose)
        reader.rejected(malformed: true)
        #expect(reader.mustClose)
        #expect(reader.closed() == RoomReader.Closing(report: SessionEvent.AudioCounts(oversized: 1), finishListening: false, violated: true))

        var observer = RoomReader(role: .observer, limits: Self.limits)
        for _ in 0..<3 { #expect(observer.frame(bytes: 640, microphoneOpen: true) == RoomReader.Frame(action: .refuseObserver)) }
        #expect(observer.mustClose)
        #expect(observer.closed().report == SessionEvent.AudioCounts())
    }
}
