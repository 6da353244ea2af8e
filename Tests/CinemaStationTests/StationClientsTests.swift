import CinemaCore
import CinemaStation
import CinemaTestSupport
import Foundation
import GRDB
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The station in this process starting real `cinema client` processes over its HTTP API. Their
/// room is on a backend that does not answer, so each keeps trying to join until it is stopped.
/// (Named EndToEnd… so that `script/test` runs it in its end-to-end phase: it spawns processes.)
@Suite("The station's clients, over its API", .timeLimit(.minutes(2)))
struct EndToEndStationClientsTests {
    static let session = "abc"

    static func start() throws -> String {
        try StationHarness.startBody(
            room: "ws://127.0.0.1:9/rooms/\(session)",
            token: "t",
            backend: StationHarness.nowhere,
            identifier: session
        )
    }

    static func isRunning(_ pid: Int32) -> Bool {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return false }
        return !status.contains("State:\tZ")
    }

    @Test(
        "A start runs one client per session, listed and in the live feed; a stop ends it and it is not started again; a station that stops stops its clients"
    )
    func startListStop() async throws {
        try await TemporaryDirectory.with { directory in
            let home = directory.file("home")
            let left = try await StationHarness.run(home: home) { station in
                let http = station.http
                let started = try await http.post("/api/start_pi_client", try Self.start())
                #expect(started.status == 200, "\(started.text)")
                #expect(started.json["success"]?.boolValue == true)
                #expect(started.json["alreadyRunning"]?.boolValue == false)
                #expect(started.json["roomUrl"]?.stringValue == "ws://127.0.0.1:9/rooms/\(Self.session)")
                let pid = try #require(started.json["pid"]?.int64Value.map { Int32($0) })
                #expect(Self.isRunning(pid))

                let again = try await http.post("/api/start_pi_client", try Self.start())
                #expect(again.json["alreadyRunning"]?.boolValue == true, "\(again.text)")
                #expect(again.json["pid"]?.int64Value == Int64(pid))

                guard case .array(let listed) = try await http.get("/api/clients").json, listed.count == 1, let first = listed.first else {
                    throw ServerProcess.Failure(description: "GET /api/clients did not list one client")
                }
                #expect(first["pid"]?.int64Value == Int64(pid))
                #expect(first["state"]?.stringValue == "running")
                #expect(first["identifier"]?.stringValue == Self.session)
                #expect(first["restarts"]?.int64Value == 0)
                #expect(try await http.get("/health").json["clients"]?.int64Value == 1)

                let fed = try await http.events("/api/clients/events") { events in
                    for try await event in events where event.event == "clients" {
                        return try JSONDecoder().decode(JSONValue.self, from: Data(event.data.utf8))
                    }
                    return JSONValue.null
                }
                #expect(fed == .array(listed), "the live feed starts with the list")

                let stopped = try await http.post("/api/clients/\(pid)/stop", "")
                #expect(stopped.status == 200, "\(stopped.text)")
                #expect(stopped.json["state"]?.stringValue == "exited")
                #expect(!Self.isRunning(pid))
                #expect(try await http.post("/api/clients/\(pid)/stop", "").status == 404)
                #expect(try await http.get("/health").json["clients"]?.int64Value == 0)
                #expect(try await station.database().clients().first?.state == .exited)

                // A new start for the session is a new client, which the station's end stops.
                let next = try await http.post("/api/start_pi_client", try Self.start())
                #expect(next.json["alreadyRunning"]?.boolValue == false, "\(next.text)")
                return try #require(next.json["pid"]?.int64Value.map { Int32($0) })
            }
            #expect(!Self.isRunning(left), "the station stopped its client when it stopped")
            let records = try await StationDatabase.open(path: home + "/" + StationDatabase.fileName).clients()
            #expect(records.count == 2)
            #expect(records.allSatisfy { $0.state == .exited }, "\(records)")
        }
    }

    @Test("A record update station.sqlite refuses is logged and counted in /health, and the client is still started and stopped")
    func failedRecordUpdatesAreCounted() async throws {
        try await StationHarness.withStation { station in
            // Every update of a client's record fails from now on; inserts still work.
            let queue = try DatabaseQueue(path: station.application.databasePath)
            try await queue.write { db in
                try db.execute(sql: "CREATE TRIGGER refuse_updates BEFORE UPDATE ON client BEGIN SELECT RAISE(ABORT, 'refused by the test'); END")
            }
            let started = try await station.http.post("/api/start_pi_client", try Self.start())
            #expect(started.status == 200, "\(started.text)")
            let pid = try #require(started.json["pid"]?.int64Value.map { Int32($0) })
            let afterStart = try #require(try await station.http.get("/health").json["recordUpdateFailures"]?.int64Value)
            #expect(afterStart >= 1, "the running state was not saved, and that was counted")

            let stopped = try await station.http.post("/api/clients/\(pid)/stop", "")
            #expect(stopped.status == 200, "\(stopped.text)")
            #expect(stopped.json["state"]?.stringValue == "exited")
            #expect(!Self.isRunning(pid))
            let afterStop = try #require(try await station.http.get("/health").json["recordUpdateFailures"]?.int64Value)
            #expect(afterStop > afterStart, "the exited state was not saved either, and that was counted")
            #expect(await station.application.supervisor.recordUpdateFailures == Int(afterStop))
        }
    }
}
