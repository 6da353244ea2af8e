import CinemaCore
import Foundation

/// Makes one demo film: each line spoken by espeak-ng in its character's voice, laid end to end
/// with pauses, and a title card per line rendered by ffmpeg. The `.srt` beside the video holds
/// each line's exact span of speech, measured from the audio itself.
struct DemoFilmRenderer: Sendable {
    let espeak: ExternalTool
    let ffmpeg: ExternalTool

    /// Silence before the first line (the opening title card), between lines, at scene breaks,
    /// and after the last line.
    static let opening = 2.5
    static let pause = 0.6
    static let scenePause = 1.6
    static let closing = 2.5

    struct Rendered: Sendable {
        var videoPath: String
        var subtitlePath: String
        var duration: Double
        var cues: [SubRipWriter.Entry]
    }

    /// Renders `film` as `<slug>.mp4` and `<slug>.srt` in `directory`, using `workDirectory` for
    /// intermediate files. `lineSpoken` is called after each line is synthesised.
    func render(
        _ film: DemoFilm,
        into directory: String,
        workDirectory: String,
        lineSpoken: @Sendable () -> Void
    ) async throws(DemoError)
        -> Rendered
    {
        var speech: [(line: DemoFilm.Line, audio: WAVFile)] = []
        for (number, line) in film.lines.enumerated() {
            speech.append((line, try await speak(line, voice: film.cast[line.speaker]!, number: number, in: workDirectory)))
            lineSpoken()
        }
        let sampleRate = speech.first?.audio.sampleRate ?? 22050
        var soundtrack: [Int16] = Array(repeating: 0, count: Int(Self.opening * Double(sampleRate)))
        var cues: [SubRipWriter.Entry] = []
        var cards: [(start: Double, end: Double, speaker: String, text: String)] = []
        for (index, (line, audio)) in speech.enumerated() {
            if index > 0 {
                soundtrack += Array(repeating: 0, count: Int((line.newScene ? Self.scenePause : Self.pause) * Double(sampleRate)))
            }
            let start = Double(soundtrack.count) / Double(sampleRate)
            soundtrack += audio.samples
            let end = Double(soundtrack.count) / Double(sampleRate)
            cues.append(SubRipWriter.Entry(start: start, end: end, text: line.text))
            cards.append((start, end, line.speaker, line.text))
        }
        soundtrack += Array(repeating: 0, count: Int(Self.closing * Double(sampleRate)))
        let duration = Double(soundtrack.count) / Double(sampleRate)

        try write(WAVFile(sampleRate: sampleRate, samples: soundtrack).bytes, to: workDirectory + "/soundtrack.wav")
        try write(Array(TitleCards.script(for: film, duration: duration, cards: cards).utf8), to: workDirectory + "/cards.ass")

        let partial = directory + "/.\(film.slug).partial.mp4"
        do {
            _ = try await ffmpeg.run(
                [
                    "-nostdin", "-v", "error", "-y",
                    "-f", "lavfi", "-i", "color=c=\(film.background):s=640x360:r=12:d=\(String(format: "%.3f", duration))",
                    "-i", "soundtrack.wav",
                    "-vf", "vignette=PI/5,ass=cards.ass",
                    "-c:v", "libx264", "-preset", "veryfast", "-tune", "stillimage", "-crf", "30", "-g", "24", "-pix_fmt", "yuv420p",
                    "-c:a", "aac", "-b:a", "64k",
                    "-t", String(format: "%.3f", duration),
                    "-metadata", "title=\(film.displayTitle)",
                    "-movflags", "+faststart",
                    "file:" + partial,
                ],
                workingDirectory: workDirectory,
                outputLimit: 1 << 20,
                timeout: .seconds(600)
            )
        } catch {
            throw .tool(error)
        }
        let videoPath = directory + "/\(film.slug).mp4"
        let subtitlePath = directory + "/\(film.slug).srt"
        try write(Array(SubRipWriter.text(cues).utf8), to: subtitlePath)
        try move(partial, to: videoPath)
        return Rendered(videoPath: videoPath, subtitlePath: subtitlePath, duration: duration, cues: cues)
    }

    /// One line as audio, trimmed to where the voice is, so that cue times are speech times.
    private func speak(_ line: DemoFilm.Line, voice: DemoFilm.Voice, number: Int, in workDirectory: String) async throws(DemoError) -> WAVFile {
        let file = "line-\(number).wav"
        do {
            // The text is the last argument and never starts with "-" (DemoScreenplay's tests check).
            _ = try await espeak.run(
                ["-v", voice.name, "-p", String(voice.pitch), "-s", String(voice.speed), "-w", file, line.text],
                workingDirectory: workDirectory,
                outputLimit: 1 << 20,
                timeout: .seconds(60)
            )
        } catch {
            throw .tool(error)
        }
        let path = workDirectory + "/" + file
        let audio: WAVFile
        do {
            audio = try WAVFile(bytes: [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))))
        } catch let error as WAVError {
            throw .audio(line: line.text, reason: error.description)
        } catch {
            throw .audio(line: line.text, reason: error.localizedDescription)
        }
        guard let audible = audio.audibleRange() else { throw .audio(line: line.text, reason: "espeak-ng produced silence") }
        return WAVFile(sampleRate: audio.sampleRate, channels: audio.channels, samples: Array(audio.samples[audible]))
    }

    private func write(_ bytes: [UInt8], to path: String) throws(DemoError) {
        do {
            try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw .directory(path: path, reason: error.localizedDescription)
        }
    }

    private func move(_ source: String, to destination: String) throws(DemoError) {
        // rename(2) replaces the old file in one step, so a reader never sees half a video.
        guard Foundation.rename(source, destination) == 0 else {
            throw .directory(path: destination, reason: String(cString: strerror(errno)))
        }
    }
}

/// The title cards as an ASS script for ffmpeg's libass filter: the film's title along the top,
/// a large opening title, and each line centred with its speaker's name beneath.
enum TitleCards {
    static func script(for film: DemoFilm, duration: Double, cards: [(start: Double, end: Double, speaker: String, text: String)]) -> String {
        var script = """
            [Script Info]
            ScriptType: v4.00+
            PlayResX: 640
            PlayResY: 360
            WrapStyle: 0

            [V4+ Styles]
            Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, Underline, \
            StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding
            Style: Header,DejaVu Serif,20,&H00C8E6F0,&H000000FF,&H00000000,&H00000000,0,1,0,0,100,100,2,0,1,1,0,8,20,20,16,1
            Style: Opening,DejaVu Serif,40,&H00F0F8FF,&H000000FF,&H00101010,&H00000000,1,0,0,0,100,100,2,0,1,2,1,5,40,40,20,1
            Style: Line,DejaVu Serif,30,&H00F0F8FF,&H000000FF,&H00101010,&H00000000,0,0,0,0,100,100,0,0,1,2,1,5,50,50,20,1
            Style: Speaker,DejaVu Sans,16,&H0090B0C0,&H000000FF,&H00000000,&H00000000,1,0,0,0,100,100,3,0,1,1,0,2,20,20,40,1

            [Events]
            Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text

            """
        script += event(2.0, duration, "Header", film.displayTitle.uppercased())
        script += event(0, DemoFilmRenderer.opening - 0.2, "Opening", film.title + "\\N{\\fs24}\(film.year)")
        for (index, card) in cards.enumerated() {
            // Let the card linger a moment after the voice, but never over the next line.
            let next = index + 1 < cards.count ? cards[index + 1].start : duration
            let end = min(card.end + 0.4, next)
            script += event(card.start, end, "Line", escaped(card.text))
            script += event(card.start, end, "Speaker", escaped(card.speaker))
        }
        return script
    }

    private static func event(_ start: Double, _ end: Double, _ style: String, _ text: String) -> String {
        "Dialogue: 0,\(time(start)),\(time(end)),\(style),,0,0,0,,\(text)\n"
    }

    /// `H:MM:SS.cc`, ASS's centisecond timestamps.
    private static func time(_ seconds: Double) -> String {
        let centiseconds = Int((seconds * 100).rounded())
        let (hours, minutes, secs, cs) = (centiseconds / 360_000, centiseconds / 6000 % 60, centiseconds / 100 % 60, centiseconds % 100)
        return String(format: "%d:%02d:%02d.%02d", hours, minutes, secs, cs)
    }

    /// Braces and backslashes are ASS markup; a script line must not contain them as text.
    private static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "{", with: "(").replacingOccurrences(of: "}", with: ")").replacingOccurrences(of: "\\", with: "/")
    }
}
