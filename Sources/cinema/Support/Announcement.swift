import Foundation

/// Lines for whoever watches the output, a person or a script waiting for "listening on":
/// written at once, where `print` into a pipe would wait in a buffer until exit.
enum Announcement {
    static func say(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }
}
