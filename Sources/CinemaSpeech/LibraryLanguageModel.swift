import CinemaCore
import Foundation

/// The library's own dialogue as a pocketsphinx language model, kept on disk beside the library
/// and built again only when the dialogue changes (about 2 s for 60 films).
///
/// Measured (BENCHMARKS.md): it lowers the error on lines the films say, and decodes three to
/// five times faster than the generic model, but it does not help with words the films never
/// say; so it is a choice (`CINEMA_SPEECH_LANGUAGE_MODEL=library`), not the default.
public enum LibraryLanguageModel {
    /// The model for `lines`, from the cache in `directory` or built now. `dictionary` is the
    /// full pronunciation dictionary the model's words are taken from.
    public static func prepare(
        lines: [String],
        in directory: String,
        dictionary: String = PocketSphinxRecognizer.Model.debianEnglish.dictionary
    ) throws(LanguageModelError) -> PocketSphinxRecognizer.Model {
        let key = String(fingerprint(lines), radix: 16)
        let languageModel = directory + "/library-\(key).lm"
        let words = directory + "/library-\(key).dict"
        let model = PocketSphinxRecognizer.Model.library(languageModel: languageModel, dictionary: words)
        if FileManager.default.fileExists(atPath: languageModel) && FileManager.default.fileExists(atPath: words) { return model }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw .unwritable("could not create \(directory): \(error)")
        }
        let pronunciations = try PronunciationDictionary(contentsOf: dictionary)
        var builder = LanguageModelBuilder(pronounceable: pronunciations.words)
        for line in lines { builder.add(line) }
        let built = try builder.build()
        // Written under temporary names and moved into place, so a crash mid-write leaves no
        // half a model for the next start to trust.
        let partial = "." + UUID().uuidString
        try built.write(languageModel: languageModel + partial, dictionary: words + partial, from: pronunciations)
        for (from, to) in [(words + partial, words), (languageModel + partial, languageModel)] {
            guard rename(from, to) == 0 else { throw .unwritable("could not move \(from) to \(to) (errno \(errno))") }
        }
        // Models of an earlier library are no longer wanted.
        let stale = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter {
            $0.hasPrefix("library-") && !$0.hasPrefix("library-\(key).")
        }
        for name in stale { try? FileManager.default.removeItem(atPath: directory + "/" + name) }
        return model
    }

    /// The lines and the builder's version, hashed: the same dialogue gives the same name.
    static func fingerprint(_ lines: [String]) -> UInt64 {
        StableHash.fnv1a((["order \(LanguageModelBuilder.order)"] + lines).map { $0 + "\n" }.joined())
    }
}
