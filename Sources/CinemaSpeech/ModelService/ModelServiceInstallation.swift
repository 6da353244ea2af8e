import CinemaCore
import Foundation

/// Where the model service (`cinema-models`, a Python program beside the Swift code) and the
/// Python of its own virtual environment are, as `script/bootstrap` installed them.
public struct ModelServiceInstallation: Sendable, Equatable {
    /// The `cinema-models` folder: its program, requirements and hash list.
    public var folder: String
    /// The virtual environment's interpreter, with the pinned packages and the weights.
    public var python: String

    public init(folder: String, python: String) {
        self.folder = folder
        self.python = python
    }

    /// Why the service cannot be used here, said so that the person reading knows what to do.
    public struct NotInstalled: Error, CustomStringConvertible, Equatable {
        public var description: String
    }

    /// The installation named by `folder` (CINEMA_MODELS_FOLDER), else the `cinema-models`
    /// folder found above the running executable or the current directory: a `cinema` built in
    /// the repository (`.build/release/cinema`) finds the one beside its sources.
    public static func find(folder configured: String? = nil, python: String? = nil) -> Result<Self, NotInstalled> {
        let candidates: [String]
        if let configured, !configured.isEmpty {
            candidates = [configured]
        } else {
            let above =
                ancestors(of: (RunningExecutable.path as NSString).deletingLastPathComponent)
                + ancestors(of: FileManager.default.currentDirectoryPath)
            candidates = above.map { $0 + "/cinema-models" }
        }
        let manager = FileManager.default
        guard let folder = candidates.first(where: { manager.fileExists(atPath: $0 + "/cinema_models/__main__.py") }) else {
            return .failure(
                NotInstalled(
                    description: configured.map { "CINEMA_MODELS_FOLDER is \($0), which holds no cinema-models program." }
                        ?? "The model service (cinema-models) was not found beside this cinema; set CINEMA_MODELS_FOLDER to its folder."
                )
            )
        }
        let interpreter = python.flatMap { $0.isEmpty ? nil : $0 } ?? folder + "/.venv/bin/python"
        guard manager.isExecutableFile(atPath: interpreter) else {
            let target = linkTarget(of: interpreter)
            if target != interpreter {
                // The environment is there, but its Python is not this user's to run: a service
                // user meeting a Python installed in a home (pyenv's in /root, for example).
                return .failure(
                    NotInstalled(
                        description:
                            "The model service in \(folder) has a Python this user cannot run: \(interpreter) leads to \(target), which is missing or closed to it. Make its environment again with the system's Python: rm -rf \(folder)/.venv && PYTHON=/usr/bin/python3 \(folder)/install."
                    )
                )
            }
            return .failure(
                NotInstalled(
                    description: "The model service in \(folder) is not installed (no \(interpreter)). Run script/bootstrap, or \(folder)/install."
                )
            )
        }
        return .success(Self(folder: folder, python: interpreter))
    }

    /// Where the symbolic links from `path` end, as far as they can be read (`.venv/bin/python`
    /// → `python3` → the interpreter the environment was made with); `path` itself when it is
    /// no link.
    public static func linkTarget(of path: String) -> String {
        var current = path
        for _ in 0..<16 {
            guard let next = try? FileManager.default.destinationOfSymbolicLink(atPath: current) else { break }
            current = next.hasPrefix("/") ? next : ((current as NSString).deletingLastPathComponent as NSString).appendingPathComponent(next)
        }
        return current
    }

    /// `path` and each folder above it, nearest first.
    private static func ancestors(of path: String) -> [String] {
        var folders: [String] = []
        var current = (path as NSString).standardizingPath
        while !current.isEmpty {
            folders.append(current)
            let parent = (current as NSString).deletingLastPathComponent
            if parent == current { break }
            current = parent
        }
        return folders
    }
}
