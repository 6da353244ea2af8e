public import CinemaCore
import Foundation

/// Who may call a service, and from where: the one rule the backend, the station and the player
/// share (``CallerPolicyMiddleware`` applies it to every request).
///
/// - The `Host` a request names must be the service's own: an IP address, `localhost`, this
///   machine's name, or a name listed in `hostNames`. A page that rebinds its own DNS name to
///   127.0.0.1 (DNS rebinding) still sends its own name, and is refused.
/// - A call that changes anything (any method but GET, HEAD and OPTIONS, and a WebSocket
///   upgrade) from a web page must come from an allowed origin: the service's own, or one
///   `origins` allows. Programs send no `Origin` (curl), or a `ws://` one (WebSocket clients).
/// - Such a call's body must be JSON, declared as such: browsers send `text/plain` and form
///   bodies across sites without asking first, but never `application/json`.
///
/// Beyond loopback the operator token guards what reads a session or changes anything
/// (``OperatorGate``); this rule is what protects a service on loopback from the pages a
/// browser on the same machine opens.
public struct CallerPolicy: Sendable {
    /// The service, as messages name it: "backend", "station", "player".
    public var service: String
    /// Names this service answers to besides IP addresses, `localhost` and this machine's own
    /// name (`tv-box.gallery.lan`); lower case.
    public var hostNames: Set<String>
    /// Pages of other origins that may call.
    public var origins: CrossOriginPolicy
    /// The setting that allows more origins, for the refusal's sentence; nil when only the
    /// service's own pages may act.
    public var originsSetting: String?

    public init(service: String, hostNames: some Sequence<String> = [], origins: CrossOriginPolicy = .init(), originsSetting: String? = nil) {
        self.service = service
        self.hostNames = Set(hostNames.map { MachineAddresses.canonical($0) })
        self.origins = origins
        self.originsSetting = originsSetting
    }

    /// Whether a request naming `authority` (its `Host`: `127.0.0.1:8765`, `[::1]:3000`,
    /// `tv-box.local`) is addressed to this service.
    public func allowsHost(_ authority: String) -> Bool {
        let host = MachineAddresses.canonical(Authority(authority).host)
        if host.isEmpty { return false }
        if MachineAddresses.isAddress(host) || host == "localhost" || host.hasSuffix(".localhost") { return true }
        return HostName.machineNames.contains(host) || hostNames.contains(host)
    }

    /// Whether a page of `origin` may call a service addressed as `authority`.
    public func allowsOrigin(_ origin: String, authority: String?) -> Bool {
        // Browsers send the page's http(s) origin (or `null`); a `ws://` one comes from a
        // program's WebSocket library (the TV's client sends one), not from a page.
        if let scheme = URL(string: origin)?.scheme?.lowercased(), scheme == "ws" || scheme == "wss" { return true }
        if let authority, let page = Authority(origin: origin), page == Authority(authority, scheme: page.scheme) {
            return true  // the page is the service's own
        }
        return origins.allows(origin, addressedAs: authority)
    }
}

/// Which web pages of other origins may call a service from the browser.
public struct CrossOriginPolicy: Sendable {
    /// Any origin: for a service whose every action needs the operator token anyway.
    public var anyOrigin: Bool
    /// Exact origins (`http://tv-box.local:3000`).
    public var origins: Set<String>
    /// The station's dashboard on the machine the page reached this service by: an origin on
    /// this port whose host is the one the request addressed (or both are loopback). The
    /// backend allows its station's dashboard this way without naming every address.
    public var dashboardPort: Int?

    public init(anyOrigin: Bool = false, origins: some Sequence<String> = [], dashboardPort: Int? = nil) {
        self.anyOrigin = anyOrigin
        self.origins = Set(origins.map(Self.normalized))
        self.dashboardPort = dashboardPort
    }

    public func allows(_ origin: String, addressedAs authority: String? = nil) -> Bool {
        if anyOrigin || origins.contains(Self.normalized(origin)) { return true }
        guard let dashboardPort, let page = Authority(origin: origin), page.port == dashboardPort, let authority else { return false }
        let addressed = MachineAddresses.canonical(Authority(authority).host)
        let pageHost = MachineAddresses.canonical(page.host)
        return pageHost == addressed || (MachineAddresses.isThisMachine(pageHost) && MachineAddresses.isThisMachine(addressed))
    }

    static func normalized(_ origin: String) -> String {
        var origin = origin.lowercased()
        while origin.hasSuffix("/") { origin.removeLast() }
        return origin
    }
}

/// A host and port, as a `Host` header or an origin writes them.
struct Authority: Equatable {
    var host: String
    var port: Int?
    /// Set for origins; not compared.
    var scheme = "http"

    /// `host[:port]` or `[v6][:port]`; the port defaults to the scheme's.
    init(_ text: String, scheme: String = "http") {
        var host = Substring(text)
        var port: Int?
        if host.hasPrefix("[") {
            if let close = host.firstIndex(of: "]") {
                let rest = host[host.index(after: close)...]
                host = host[...close]
                if rest.hasPrefix(":") { port = Int(rest.dropFirst()) }
            }
        } else if let colon = host.lastIndex(of: ":") {
            port = Int(host[host.index(after: colon)...])
            host = host[..<colon]
        }
        self.host = String(host).lowercased()
        self.port = port ?? (scheme == "https" ? 443 : 80)
    }

    /// The origin a browser sends: `scheme://host[:port]`; nil for `null` and other schemes.
    init?(origin: String) {
        guard let url = URL(string: origin), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
            let host = url.host
        else { return nil }
        let bracketed = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        self.host = bracketed.lowercased()
        port = url.port ?? (scheme == "https" ? 443 : 80)
        self.scheme = scheme
    }

    static func == (a: Authority, b: Authority) -> Bool {
        MachineAddresses.canonical(a.host) == MachineAddresses.canonical(b.host) && a.port == b.port
    }
}

/// This machine's own names.
enum HostName {
    /// Its host name, and its short and mDNS forms (`tv-box`, `tv-box.local`); read once, so
    /// that a request's check asks no system call.
    static let machineNames: Set<String> = {
        let name = MachineAddresses.canonical(ProcessInfo.processInfo.hostName)
        guard !name.isEmpty else { return [] }
        let short = name.split(separator: ".").first.map(String.init) ?? name
        return [name, short, short + ".local"]
    }()
}
