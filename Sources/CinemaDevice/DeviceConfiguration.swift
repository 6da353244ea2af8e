public import CinemaCore
public import Foundation

/// What one `cinema client` needs: the room to join, the player to drive, where the microphone
/// comes from, and where films may be read from disk.
public struct DeviceConfiguration: Sendable {
    /// `ws://` or `wss://…/rooms/ID`.
    public var roomURL: URL
    /// The room token; sent as `Authorization: Bearer`, so it stays out of URLs and logs.
    public var token: String?
    /// The backend's HTTP address, to ask whether the session still lives while the room is
    /// unreachable, and the only server films are streamed from. Derived from the room URL when
    /// not given.
    public var backendURL: URL
    /// The player's HTTP address (`cinema player`).
    public var playerURL: URL
    /// The operator token, for a player beyond loopback (which refuses calls without it).
    public var playerToken: String?
    public var microphone: Microphone
    /// Local films are played from disk only under these directories; anything else is
    /// streamed from the backend's `media_url`.
    public var mediaRoots: [String]
    /// Lay the visitor's words and the film's line over each clip.
    public var overlay: Bool
    /// Reconnecting: the pauses, and how long to keep trying before giving up.
    public var backoff: Backoff
    public var giveUpAfter: Duration

    public enum Microphone: Sendable, Equatable, CustomStringConvertible {
        /// Typed turns only.
        case none
        /// A WAV file, played in real time, then the silence of a quiet room.
        case file(String)
        /// An ALSA capture device (`plughw:1,0`, `default`), read with `arecord`.
        case alsa(String)

        public var description: String {
            switch self {
            case .none: "no microphone"
            case .file(let path): "WAV \(path)"
            case .alsa(let device): "ALSA \(device)"
            }
        }
    }

    public init(
        roomURL: URL,
        token: String?,
        backendURL: URL? = nil,
        playerURL: URL,
        playerToken: String? = nil,
        microphone: Microphone = .none,
        mediaRoots: [String] = [],
        overlay: Bool = false,
        backoff: Backoff = Backoff(),
        giveUpAfter: Duration = .seconds(300)
    ) throws(DeviceConfigurationError) {
        guard ["ws", "wss"].contains(roomURL.scheme?.lowercased() ?? ""), roomURL.host != nil else {
            throw .invalid("the room URL must be ws:// or wss:// with a host, such as ws://127.0.0.1:8765/rooms/ID, not '\(roomURL.absoluteString)'")
        }
        guard roomURL.pathComponents.count >= 3, roomURL.pathComponents.suffix(2).first == "rooms" else {
            throw .invalid("the room URL must end in /rooms/ID, as POST /api/connect returns it, not '\(roomURL.absoluteString)'")
        }
        for (name, url) in [("backend", backendURL), ("player", playerURL)] {
            guard let url else { continue }
            guard ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil else {
                throw .invalid("the \(name) URL must be http:// or https:// with a host, not '\(url.absoluteString)'")
            }
        }
        if case .alsa(let device) = microphone, !ALSADeviceName.isValid(device) {
            throw .invalid("'\(device)' is not an ALSA device name; use one such as plughw:1,0 or default (see arecord -L)")
        }
        if case .file(let path) = microphone, !FileManager.default.isReadableFile(atPath: path) {
            throw .invalid("there is no readable WAV file at \(path)")
        }
        self.roomURL = roomURL
        self.token = token
        self.backendURL = backendURL ?? ServiceAddress.httpBase(of: roomURL)
        self.playerURL = playerURL
        self.playerToken = playerToken.flatMap { $0.isEmpty ? nil : $0 }
        self.microphone = microphone
        self.mediaRoots = Self.resolvedRoots(mediaRoots)
        self.overlay = overlay
        self.backoff = backoff
        self.giveUpAfter = giveUpAfter
    }

    /// The session's identifier: the room URL's last path component.
    public var sessionID: String { roomURL.lastPathComponent }

    /// Roots as the files under them will be compared: absolute, without `..` or symlinks.
    static func resolvedRoots(_ roots: [String]) -> [String] {
        roots.map(MediaResolver.resolved)
    }
}

public enum DeviceConfigurationError: Error, CustomStringConvertible, Equatable {
    case invalid(String)

    public var description: String {
        switch self {
        case .invalid(let detail): "The client's configuration is wrong: \(detail)."
        }
    }
}
