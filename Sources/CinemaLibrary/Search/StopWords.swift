/// English function words: frequent in every film, so they say little about which line answers.
/// Includes the fragments that contractions split into ("don't" → "don", "t").
enum StopWords {
    static let english: Set<String> = [
        "a", "about", "above", "after", "again", "against", "all", "am", "an", "and", "any", "are", "aren", "as", "at",
        "be", "because", "been", "before", "being", "below", "between", "both", "but", "by",
        "can", "couldn", "could", "d", "did", "didn", "do", "does", "doesn", "doing", "don", "down", "during",
        "each", "few", "for", "from", "further", "get", "got", "had", "hadn", "has", "hasn", "have", "haven", "having",
        "he", "her", "here", "hers", "herself", "him", "himself", "his", "how", "i", "if", "in", "into", "is", "isn", "it",
        "its", "itself", "just", "ll", "m", "me", "might", "more", "most", "must", "mustn", "my", "myself",
        "no", "nor", "not", "now", "o", "of", "off", "oh", "on", "once", "only", "or", "other", "our", "ours", "ourselves",
        "out", "over", "own", "re", "s", "same", "shall", "shan", "she", "should", "shouldn", "so", "some", "such",
        "t", "than", "that", "the", "their", "theirs", "them", "themselves", "then", "there", "these", "they", "this",
        "those", "through", "to", "too", "under", "until", "up", "us", "ve", "very", "was", "wasn", "we", "were", "weren",
        "what", "when", "where", "which", "while", "who", "whom", "why", "will", "with", "won", "would", "wouldn",
        "y", "yes", "yeah", "you", "your", "yours", "yourself", "yourselves",
    ]
}
