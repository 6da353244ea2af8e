public import CinemaStorage
import Crypto
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The secrets a backend keeps in its data directory, each in a file only its owner can read
/// (mode 0600): the key that signs room tokens, and the operator token.
public struct BackendSecrets: Sendable {
    public let signingKey: Data
    public let operatorToken: String
    /// True when this start created the operator token, so that it can be shown once.
    public let operatorTokenIsNew: Bool

    public static let signingKeyFile = "backend-secret"
    public static let operatorTokenFile = "operator-token"

    /// Reads the secrets under `directory`, creating any that are missing.
    public static func load(from directory: String) throws(BackendSetupError) -> BackendSecrets {
        let (key, _) = try secret(at: directory + "/" + signingKeyFile)
        let (token, isNew) = try secret(at: directory + "/" + operatorTokenFile)
        guard let keyData = Data(hexString: key) else {
            throw .secret(path: directory + "/" + signingKeyFile, reason: "it does not hold a hex key; delete it to make a new one")
        }
        return BackendSecrets(signingKey: keyData, operatorToken: token, operatorTokenIsNew: isNew)
    }

    /// The file's content, or 32 fresh random bytes (hex) written to it with mode 0600.
    private static func secret(at path: String) throws(BackendSetupError) -> (String, Bool) {
        if let existing = try? String(contentsOfFile: path, encoding: .utf8) {
            let value = existing.trimmingCharacters(in: .whitespacesAndNewlines)
            guard value.count >= 32 else { throw .secret(path: path, reason: "it holds fewer than 32 characters; delete it to make a new one") }
            // Tighten a file someone loosened: tokens readable by others are not secrets.
            if let mode = (try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? Int, mode & 0o077 != 0 {
                chmod(path, 0o600)
            }
            return (value, false)
        }
        let value = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }.hexString
        // O_EXCL: if another process created it meanwhile, read theirs instead.
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else {
            if errno == EEXIST, let existing = try? String(contentsOfFile: path, encoding: .utf8) {
                return (existing.trimmingCharacters(in: .whitespacesAndNewlines), false)
            }
            throw .secret(path: path, reason: String(cString: strerror(errno)))
        }
        defer { close(descriptor) }
        let bytes = Array((value + "\n").utf8)
        guard write(descriptor, bytes, bytes.count) == bytes.count, fsync(descriptor) == 0 else {
            throw .secret(path: path, reason: String(cString: strerror(errno)))
        }
        return (value, true)
    }
}

extension Data {
    var hexString: String { map { String(format: "%02x", $0) }.joined() }

    init?(hexString: String) {
        guard hexString.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        var index = hexString.startIndex
        while index < hexString.endIndex {
            let next = hexString.index(index, offsetBy: 2)
            guard let byte = UInt8(hexString[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        self.init(bytes)
    }
}

/// Why the backend could not start, with what to do about it.
public enum BackendSetupError: Error, CustomStringConvertible {
    case secret(path: String, reason: String)
    case home(path: String, reason: String)
    case database(StorageError)

    public var description: String {
        switch self {
        case .secret(let path, let reason):
            "Could not use the secret file \(path): \(reason)."
        case .home(let path, let reason):
            "Could not prepare the data directory \(path): \(reason). Check its permissions and free space, or set CINEMA_HOME."
        case .database(let failure):
            "Could not open the session database: \(failure) Moving the file away starts an empty history."
        }
    }
}
