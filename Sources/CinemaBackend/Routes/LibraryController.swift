import CinemaCore
import CinemaHTTP
import CinemaLibrary
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The library over HTTP: search, the films, and each film's video for players that stream.
/// A video is found by its film's id in the library, never by a path from the request.
struct LibraryController<Context: RequestContext>: Sendable {
    let library: LibraryDatabase
    let configuration: BackendConfiguration
    let fileIO = FileIO()

    var endpoints: RouteCollection<Context> {
        let routes = RouteCollection(context: Context.self)
        routes.get("api/search", use: search)
        routes.get("api/films", use: films)
        routes.get("api/films/:id", use: film)
        routes.get("media/:film_id", use: media)
        routes.head("media/:film_id", use: media)
        return routes
    }

    struct SearchResult: Encodable {
        struct Hit: Encodable {
            var id: Int64
            var filmID: Int64
            var filmTitle: String
            var start: Double
            var end: Double
            var text: String
            var score: Double?
            var mediaURL: String?
            /// Present (true) for a line heard in the soundtrack rather than read from subtitles.
            var transcribed: Bool?

            enum CodingKeys: String, CodingKey {
                case id
                case filmID = "film_id"
                case filmTitle = "film_title"
                case start, end, text, score
                case mediaURL = "media_url"
                case transcribed
            }
        }

        var query: String
        var clips: [Hit]
    }

    struct FilmSummary: Encodable {
        var id: Int64
        var title: String
        var duration: Double?
        var cueCount: Int
        var hasVideo: Bool
        var subtitleSource: String
        var mediaURL: String?

        enum CodingKeys: String, CodingKey {
            case id, title, duration
            case cueCount = "cue_count"
            case hasVideo = "has_video"
            case subtitleSource = "subtitle_source"
            case mediaURL = "media_url"
        }
    }

    struct FilmList: Encodable {
        var films: [FilmSummary]
    }

    @Sendable func search(_ request: Request, context: Context) async throws -> Response {
        guard let query = request.uri.queryParameters.get("q"), !query.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw APIError.missingField("q")
        }
        guard query.count <= 500 else { throw APIError.invalid("q", "is longer than 500 characters.") }
        let limitText = request.uri.queryParameters.get("limit") ?? "10"
        guard let limit = Int(limitText), (1...100).contains(limit) else {
            throw APIError.invalid("limit", "should be a whole number from 1 to 100.")
        }
        let clips = try await libraryCall { try await library.search(query, limit: limit) }
        let base = BaseURL.http(for: request, configuration: configuration)
        let hits = clips.map {
            SearchResult.Hit(
                id: $0.id,
                filmID: $0.filmID,
                filmTitle: $0.filmTitle,
                start: $0.start,
                end: $0.end,
                text: $0.text,
                score: $0.score,
                mediaURL: $0.videoPath == nil ? nil : base + "/media/\($0.filmID)",
                transcribed: $0.transcribed ? true : nil
            )
        }
        return try JSONResponse.make(SearchResult(query: query, clips: hits))
    }

    @Sendable func films(_ request: Request, context: Context) async throws -> Response {
        let base = BaseURL.http(for: request, configuration: configuration)
        let films = try await libraryCall { try await library.films() }
        return try JSONResponse.make(FilmList(films: films.map { summary($0, base: base) }))
    }

    @Sendable func film(_ request: Request, context: Context) async throws -> Response {
        let film = try await indexedFilm(context, parameter: "id")
        return try JSONResponse.make(summary(film, base: BaseURL.http(for: request, configuration: configuration)))
    }

    /// The film's video, whole or (with `Range: bytes=…`) in part.
    @Sendable func media(_ request: Request, context: Context) async throws -> Response {
        let film = try await indexedFilm(context, parameter: "film_id")
        guard let path = film.videoPath else {
            throw APIError.notFound("Film \(film.id) (\(film.title)) was indexed from subtitles alone; it has no video to serve.", code: "no-video")
        }
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path), let size = (attributes[.size] as? NSNumber)?.intValue else {
            throw APIError.notFound(
                "The video of film \(film.id) (\(film.title)) is missing from \(path). Put it back, or run `cinema index` again.",
                code: "video-missing"
            )
        }
        var headers: HTTPFields = [.acceptRanges: "bytes", .contentType: Self.contentType(of: path)]
        let range: ClosedRange<Int>?
        switch ByteRange.parse(request.headers[.range], size: size) {
        case .whole:
            range = nil
        case .partial(let requested):
            range = requested
        case .unsatisfiable:
            var error = APIError(.rangeNotSatisfiable, code: "range-not-satisfiable", "The requested range is outside the file's \(size) bytes.")
            error.headers[.contentRange] = "bytes */\(size)"
            throw error
        }
        let isHead = request.method == .head
        if let range {
            headers[.contentRange] = "bytes \(range.lowerBound)-\(range.upperBound)/\(size)"
            headers[.contentLength] = String(range.count)
            let body = isHead ? ResponseBody() : try await fileIO.loadFile(path: path, range: range, context: context)
            return Response(status: .partialContent, headers: headers, body: body)
        }
        headers[.contentLength] = String(size)
        let body = isHead || size == 0 ? ResponseBody() : try await fileIO.loadFile(path: path, context: context)
        return Response(status: .ok, headers: headers, body: body)
    }

    private func indexedFilm(_ context: Context, parameter: String) async throws -> Film {
        let text = try context.parameters.require(parameter)
        guard let id = Int64(text) else {
            throw APIError.notFound("'\(text)' is not a film id. List films with GET /api/films.", code: "unknown-film")
        }
        guard let film = try await libraryCall({ try await library.film(id: id) }) else {
            throw APIError.notFound("There is no film \(id) in the library. List films with GET /api/films.", code: "unknown-film")
        }
        return film
    }

    private func summary(_ film: Film, base: String) -> FilmSummary {
        FilmSummary(
            id: film.id,
            title: film.title,
            duration: film.duration,
            cueCount: film.cueCount,
            hasVideo: film.videoPath != nil,
            subtitleSource: film.subtitleSource,
            mediaURL: film.videoPath == nil ? nil : base + "/media/\(film.id)"
        )
    }

    private func libraryCall<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as LibraryError {
            throw APIError(.serviceUnavailable, code: "library-failed", error.description)
        }
    }

    static func contentType(of path: String) -> String {
        switch (path as NSString).pathExtension.lowercased() {
        case "mp4", "m4v": "video/mp4"
        case "mkv": "video/x-matroska"
        case "webm": "video/webm"
        case "mov": "video/quicktime"
        case "avi": "video/x-msvideo"
        case "ogv": "video/ogg"
        case "mpg", "mpeg": "video/mpeg"
        case "ts": "video/mp2t"
        default: "application/octet-stream"
        }
    }
}

/// A `Range: bytes=…` header (RFC 9110 §14), single ranges only: players ask for one span at a
/// time, and anything else is answered with the whole file, as the RFC allows.
enum ByteRange: Equatable {
    case whole
    case partial(ClosedRange<Int>)
    case unsatisfiable

    static func parse(_ header: String?, size: Int) -> ByteRange {
        guard let header, header.hasPrefix("bytes=") else { return .whole }
        let spec = header.dropFirst("bytes=".count).trimmingCharacters(in: .whitespaces)
        guard !spec.contains(","), let dash = spec.firstIndex(of: "-") else { return .whole }
        let first = spec[..<dash].trimmingCharacters(in: .whitespaces)
        let last = spec[spec.index(after: dash)...].trimmingCharacters(in: .whitespaces)
        if first.isEmpty {
            // The last N bytes.
            guard let count = Int(last), count > 0 else { return last.isEmpty ? .whole : .unsatisfiable }
            guard size > 0 else { return .unsatisfiable }
            return .partial(max(0, size - count)...(size - 1))
        }
        guard let start = Int(first), start >= 0 else { return .whole }
        guard start < size else { return .unsatisfiable }
        if last.isEmpty { return .partial(start...(size - 1)) }
        guard let end = Int(last), end >= start else { return .whole }
        return .partial(start...min(end, size - 1))
    }
}
