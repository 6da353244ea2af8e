import CinemaCore
import Foundation

/// Where the player reads a clip's film from: the file itself when it is on this machine under
/// a media root, else the backend's copy over HTTP. Only the client's own backend: a room is
/// not to make the TV fetch and show whatever URL it names.
struct MediaResolver: Sendable {
    enum Source: Sendable, Equatable {
        case file(String)
        case url(String)
    }

    /// Resolved, without symlinks.
    let roots: [String]
    /// The client's backend: media URLs are accepted on it alone.
    let backend: URL

    func source(path: String?, mediaURL: String?) throws(DeviceError) -> Source {
        if let path, let local = local(path) { return .file(local) }
        if let mediaURL {
            guard let url = URL(string: mediaURL), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil else {
                throw .unplayable("the backend sent a media_url that is not http(s): '\(mediaURL)'")
            }
            // The same server by any of this machine's names: a session begun from a page that
            // reached the backend by the machine's LAN address has its media URLs on that address.
            guard MachineAddresses.sameServer(url, backend) else {
                throw .unplayable(
                    "its media_url \(mediaURL) is not on this client's backend \(backend.absoluteString), and films are streamed from that backend only; index the film on that backend, or put it under a media root (CINEMA_MEDIA_ROOTS)"
                )
            }
            return .url(mediaURL)
        }
        if let path {
            throw .unplayable(
                "the film \(path) is not under a media root on this machine (\(roots.isEmpty ? "none set" : roots.joined(separator: ", "))) and the backend sent no media_url; set CINEMA_MEDIA_ROOTS"
            )
        }
        throw .unplayable("the clip has no video: its film was indexed from subtitles only")
    }

    /// A path as it is compared with the roots: absolute, without `..` or symlinks.
    static func resolved(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
    }

    /// The path if it names a file that exists under one of the roots, with `..` and symlinks
    /// resolved first, so that neither leads outside.
    private func local(_ path: String) -> String? {
        guard path.hasPrefix("/") else { return nil }
        let resolved = Self.resolved(path)
        guard roots.contains(where: { root in root == "/" || resolved.hasPrefix(root.hasSuffix("/") ? root : root + "/") }) else { return nil }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: resolved, isDirectory: &isDirectory), !isDirectory.boolValue else { return nil }
        return resolved
    }
}
