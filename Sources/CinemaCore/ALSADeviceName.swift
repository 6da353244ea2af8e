/// The name of an ALSA capture device, as `arecord -D` takes it and as the station keeps the
/// operator's choice.
public enum ALSADeviceName {
    /// Letters, digits and `:,._=-` (`plughw:CARD=Device,DEV=0`), starting with a letter:
    /// nothing that could be taken for an option or a path.
    public static func isValid(_ name: String) -> Bool {
        guard let first = name.first, first.isLetter, name.count <= 128 else { return false }
        return name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || ":,._=-".contains($0)) }
    }
}
