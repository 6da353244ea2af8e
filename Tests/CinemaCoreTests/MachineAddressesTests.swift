import Foundation
import Testing

@testable import CinemaCore

@Suite("This machine's addresses")
struct MachineAddressesTests {
    @Test(
        "Loopback names and addresses, this machine's own addresses and host name are this machine; other hosts, and names that only look like loopback, are not"
    )
    func thisMachine() throws {
        for host in ["localhost", "LOCALHOST", "127.0.0.1", "127.1.2.3", "::1", "[::1]", "0:0:0:0:0:0:0:1", "localhost."] {
            #expect(MachineAddresses.isThisMachine(host), "\(host)")
        }
        for address in MachineAddresses.external() {
            #expect(MachineAddresses.isThisMachine(address), "\(address)")
        }
        let name = try String(contentsOfFile: "/proc/sys/kernel/hostname", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(MachineAddresses.isThisMachine(name), "the host name \(name)")
        for host in ["attacker", "127.example.com", "localhost.example.com", "8.8.8.8", "[2001:db8::1]", ""] {
            #expect(!MachineAddresses.isThisMachine(host), "\(host)")
        }
    }

    @Test("Two URLs reach the same server with the same scheme (ws as http), port and host, or two hosts that are both this machine")
    func sameServer() throws {
        func same(_ first: String, _ second: String) throws -> Bool {
            MachineAddresses.sameServer(try #require(URL(string: first)), try #require(URL(string: second)))
        }
        #expect(try same("ws://127.0.0.1:8765/rooms/a", "http://127.0.0.1:8765"))
        #expect(try same("ws://localhost:8765/rooms/a", "http://127.0.0.1:8765"))
        #expect(try same("ws://[::1]:8765/rooms/a", "http://127.0.0.1:8765"))
        #expect(try same("wss://tv.example:443/rooms/a", "https://TV.example"))
        #expect(try same("http://backend.lan/media/1", "http://backend.lan:80"))
        if let lan = MachineAddresses.external().first {
            #expect(try same("ws://\(lan):8765/rooms/a", "http://127.0.0.1:8765"), "the dashboard opened by the LAN address")
        }
        #expect(try !same("ws://attacker:8765/rooms/a", "http://127.0.0.1:8765"))
        #expect(try !same("ws://127.0.0.1:9999/rooms/a", "http://127.0.0.1:8765"))
        #expect(try !same("wss://127.0.0.1:8765/rooms/a", "http://127.0.0.1:8765"))
        #expect(try !same("http://backend.lan:8765", "http://other.lan:8765"))
        #expect(try !same("file:///etc/passwd", "http://127.0.0.1:8765"))
    }
}
