public import CinemaCore
import Foundation

/// A session as the API lists it.
public struct SessionSummary: Codable, Sendable, Equatable {
    public var identifier: String
    public var station: String?
    public var status: SessionStatus
    public var endReason: String?
    public var needsHelp: Bool
    public var needsHelpReason: String?
    public var turns: Int
    public var eventCount: Int64
    public var deviceConnected: Bool
    public var createdAt: String
    public var updatedAt: String
    public var endedAt: String?

    init(_ record: SessionRecord, deviceConnected: Bool) {
        identifier = record.id
        station = record.station
        status = record.status
        endReason = record.endReason
        needsHelp = record.needsHelp
        needsHelpReason = record.needsHelpReason
        turns = record.turns
        eventCount = record.lastSequence
        self.deviceConnected = deviceConnected
        createdAt = Timestamp.string(record.createdAt)
        updatedAt = Timestamp.string(record.updatedAt)
        endedAt = record.endedAt.map(Timestamp.string)
    }

    enum CodingKeys: String, CodingKey {
        case identifier, station, status
        case endReason = "end_reason"
        case needsHelp = "needs_help"
        case needsHelpReason = "needs_help_reason"
        case turns
        case eventCount = "event_count"
        case deviceConnected = "device_connected"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case endedAt = "ended_at"
    }
}
