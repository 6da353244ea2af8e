public import Foundation
import GRDB

/// One client the station started for a session, as `station.sqlite` keeps it. A client that is
/// restarted keeps its record; its `pid` and `processStart` are the current process's.
public struct ClientRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public enum State: String, Codable, Sendable {
        case running, restarting, exited
    }

    public var id: Int64?
    public var pid: Int32
    /// The process's start time in clock ticks since boot (`/proc/PID/stat`): with the PID, it
    /// tells this process from a later one that was given the same number.
    public var processStart: UInt64
    public var identifier: String?
    public var roomURL: String
    public var backendURL: String
    public var startedAt: Date
    public var state: State
    public var restarts: Int
    public var exitCode: Int32?
    public var logPath: String

    public static let databaseTableName = "client"

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}
