import CinemaLibrary
import Foundation
import Logging

/// Demo films made for a test: speech over title cards with an exact `.srt` beside each video,
/// the reference that a transcription of the video is measured against.
public enum DemoFilms {
    public struct Made: Sendable {
        public var video: String
        public var subtitles: String
    }

    /// Renders `films` into `directory`, in their order.
    public static func render(_ films: [DemoFilm], into directory: String) async throws -> [Made] {
        let builder = DemoLibraryBuilder(configuration: LibraryConfiguration(), films: films, logger: Logger(label: "test"))
        _ = try await builder.build(into: directory)
        return films.map { Made(video: directory + "/\($0.slug).mp4", subtitles: directory + "/\($0.slug).srt") }
    }

    /// Copies the video alone into `folder`: a film without subtitles, its dialogue only in its
    /// soundtrack. Returns the copy's path.
    @discardableResult
    public static func videoAlone(_ made: Made, in folder: String) throws -> String {
        let copy = folder + "/" + (made.video as NSString).lastPathComponent
        try FileManager.default.copyItem(atPath: made.video, toPath: copy)
        return copy
    }
}
