import Foundation

/// The executable of this process, with symbolic links resolved: what the station spawns its
/// clients from, and where SwiftPM put the resources beside it.
public enum RunningExecutable {
    public static var path: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }
}
