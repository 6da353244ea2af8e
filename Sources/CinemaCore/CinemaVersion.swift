/// The version every role reports (`--version`, `/health`, `bot-ready`).
public enum CinemaVersion {
    public static let current = "0.1.0"
}
