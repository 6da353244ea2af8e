import CinemaCore
import Foundation

/// Hears one film's soundtrack a piece at a time and stores each piece as soon as it is heard.
///
/// Pieces are about `pieceSeconds` long and end at the quietest moment near there, so that no
/// word is cut in two; each is read from the video with ffmpeg only when its turn comes. A run
/// that was stopped goes on from the end of the last stored piece: pieces follow one another,
/// so the pieces done say where the next begins.
struct FilmTranscriber: Sendable {
    let database: LibraryDatabase
    let reader: SoundtrackReader
    let service: any SoundtrackTranscriber
    let configuration: TranscriptionConfiguration

    enum Outcome: Sendable, Equatable {
        /// Every piece is heard; the film has this many cues.
        case complete(cues: Int)
        /// The film was read again or removed while it was being heard: nothing more was saved.
        case changed
    }

    enum Failure: Error {
        case soundtrack(ToolError)
        case service(TranscriptionError)
        case library(LibraryError)
        case cancelled
    }

    /// `progress` is told how many seconds of the film are heard: first what earlier runs did,
    /// then after each piece.
    func transcribe(
        _ film: FilmRecord,
        model: String,
        progress: (Double) -> Void
    ) async throws(Failure) -> Outcome {
        guard let video = film.videoPath else { return .changed }
        let rate = SoundtrackReader.sampleRate
        let grouping = TranscribedCues(configuration: configuration)
        var pieces: [TranscribedPiece]
        do {
            pieces = try await database.transcribedPieces(of: film)
        } catch {
            throw .library(error)
        }
        // Pieces heard by another model are heard again, so that one film's lines come from one
        // model, the one its source names (the first new piece replaces them).
        if film.subtitleSource != DialogueSource.transcribing(model) { pieces = [] }
        var position = pieces.last?.end ?? 0
        progress(position)
        while true {
            if Task.isCancelled { throw .cancelled }
            let window = configuration.pieceSeconds + configuration.cutLeeway
            var samples: [Int16] = []
            // Past the probed end there is nothing to read; without a probed length, ffmpeg says.
            if film.duration.map({ position < $0 - 0.25 }) ?? true {
                do {
                    samples = try await reader.samples(of: video, from: position, seconds: window)
                } catch {
                    if case .cancelled = error { throw .cancelled }
                    // Ctrl-C reaches ffmpeg too (it is in the terminal's process group), and it
                    // may exit with a failure just before this task learns it was cancelled.
                    throw Task.isCancelled ? .cancelled : .soundtrack(error)
                }
            }
            // A window that came back short reached the end of the film.
            let isLast = samples.count < Int(window * Double(rate)) - rate / 10
            var piece: TranscribedPiece?
            if samples.count >= rate / 4 {
                let energy = SoundEnergy(samples, sampleRate: rate)
                let length =
                    isLast
                    ? samples.count
                    : Int(
                        PieceCut.quietest(
                            in: energy,
                            from: configuration.pieceSeconds - configuration.cutLeeway,
                            to: configuration.pieceSeconds + configuration.cutLeeway
                        ) * Double(rate)
                    )
                let seconds = Double(length) / Double(rate)
                let heard: [TimedWord]
                do {
                    heard = try await service.words(in: WAVFile(sampleRate: rate, samples: Array(samples[..<length])).bytes, seconds: seconds)
                } catch .cancelled {
                    throw .cancelled
                } catch {
                    throw .service(error)
                }
                let words = SpeechOnset.refine(Self.sane(heard, within: seconds), energy: energy).map { word in
                    TimedWord(text: word.text, start: position + word.start, end: position + word.end, probability: word.probability)
                }
                let heardPiece = TranscribedPiece(start: position, end: position + seconds, words: words)
                pieces.append(heardPiece)
                piece = heardPiece
            }
            // The whole film's cues again: a cue may span two pieces' words, and grouping even two
            // hours of words takes milliseconds.
            let cues = grouping.cues(from: pieces.flatMap(\.words))
            let saved: Bool
            do {
                saved = try await database.saveTranscription(
                    of: film,
                    piece: piece,
                    cues: cues,
                    source: isLast ? DialogueSource.transcribed(model) : DialogueSource.transcribing(model),
                    complete: isLast
                )
            } catch {
                throw .library(error)
            }
            guard saved else { return .changed }
            position = piece?.end ?? position
            progress(film.duration.map { isLast ? max($0, position) : min($0, position) } ?? position)
            if isLast { return .complete(cues: cues.count) }
        }
    }

    /// Words in order, within the piece, none ending before it starts: a server's rounding or
    /// a model's slip must not give a cue a negative length.
    static func sane(_ words: [TimedWord], within seconds: Double) -> [TimedWord] {
        var previousStart = 0.0
        return words.map { word in
            var word = word
            word.start = min(max(word.start, previousStart), seconds)
            word.end = min(max(word.end, word.start), seconds)
            previousStart = word.start
            return word
        }
    }
}
