import CinemaLibrary
import Testing

@testable import CinemaDirector

@Suite("Text rules")
struct TextRulesTests {
    @Test(
        "Reflection turns the sentence around as a listener would",
        arguments: [
            ("I'm sad.", "you re sad"),
            ("I am tired", "you are tired"),
            ("You're stupid!", "i m stupid"),
            ("I love you.", "you love me"),
            ("Do you like me?", "do i like you"),
            ("My car broke down", "your car broke down"),
        ]
    )
    func reflection(text: String, reflected: String) {
        #expect(Reflection.reflect(text) == reflected)
    }

    @Test("Nothing to reflect without I or you")
    func noReflection() {
        #expect(Reflection.reflect("It's raining outside.") == nil)
        #expect(Reflection.reflect("") == nil)
    }

    @Test("Greetings and goodbyes are recognised, not when they open something else")
    func intents() {
        for text in ["Hello", "Hi, I'm Maria.", "Good morning, how are you?", "Nice to meet you."] {
            #expect(VisitorIntent.isGreeting(text), "\(text)")
        }
        for text in ["Hey, is anyone in there?", "Hello? Can you hear me at all in there?", "What's good about the morning?"] {
            #expect(!VisitorIntent.isGreeting(text), "\(text)")
        }
        for text in ["Goodbye.", "Bye!", "See you later.", "I have to go now.", "Good night."] {
            #expect(VisitorIntent.isGoodbye(text), "\(text)")
        }
        for text in ["Lovely to see you.", "I'll be back.", "She said goodbye to her husband and left for the war in the spring", "Good."] {
            #expect(!VisitorIntent.isGoodbye(text), "\(text)")
        }
    }

    @Test("Broad remarks get a reaction: thanks, distress, rebukes, a bare yes or no")
    func reactions() {
        func reaction(_ text: String) -> Reaction? { Reaction.detect(SearchQuery(text).words) }
        #expect(reaction("Thank you so much!") == .thanks)
        #expect(reaction("I'm so sad.") == .distress)
        #expect(reaction("I feel a bit lonely tonight") == .distress)
        #expect(reaction("My heart is broken.") == .distress)
        #expect(reaction("You're stupid!") == .rebuke)
        #expect(reaction("Shut up.") == .rebuke)
        #expect(reaction("Yes.") == .acknowledgement)
        #expect(reaction("No") == .acknowledgement)
        #expect(reaction("I'm so happy today") == nil)
        #expect(reaction("Do you believe in ghosts?") == nil)
        #expect(reaction("Yes, and then we drove all the way to the coast and back") == nil)
    }

    @Test("Names from a film's plot are found; forms of address, 'I' and the visitor's own words are not")
    func names() {
        #expect(ReplyRules.namedPerson(in: "Yes, Sweeney, very hungry.", unless: "") == "Sweeney")
        #expect(ReplyRules.namedPerson(in: "What can I do for you, Sweeney?", unless: "") == "Sweeney")
        #expect(ReplyRules.namedPerson(in: "Happy, Mr. Cook?", unless: "") == "Cook")
        #expect(ReplyRules.namedPerson(in: "Yes, Mr. Day?", unless: "What do you do all day?") == "Day")
        #expect(ReplyRules.namedPerson(in: "Yes, sir. I'm fine. Oh, God!", unless: "") == nil)
        #expect(ReplyRules.namedPerson(in: "Maria! His Excellency's glass is empty.", unless: "Hi, I'm Maria") == "Excellency's")
        #expect(ReplyRules.namedPerson(in: "Hello, Maria.", unless: "Hi, I'm Maria") == nil)
    }

    @Test("A pool line may add a word, but not a name")
    func poolLines() {
        #expect(ReplyRules.addsCapitalizedWord("Sara, how dare you!", to: ["how", "dare", "you"]))
        #expect(ReplyRules.addsCapitalizedWord("Goodbye, George.", to: ["goodbye"]))
        #expect(!ReplyRules.addsCapitalizedWord("Pardon? What did you say?", to: ["what", "did", "you", "say"]))
        #expect(!ReplyRules.addsCapitalizedWord("You're welcome.", to: ["you", "re", "welcome"]))
        #expect(!ReplyRules.addsCapitalizedWord("Oh, I'm sorry.", to: ["i", "m", "sorry"]))
    }

    @Test("Echoes: saying it back is not an answer; agreeing or denying is")
    func echoes() {
        let question = ReplyRules.Utterance("Where are you going?")
        #expect(ReplyRules.echoes("Wait a minute, where are you going?", question))
        #expect(!ReplyRules.echoes("To the station.", question))
        let love = ReplyRules.Utterance("I love you.")
        #expect(!ReplyRules.echoes("I love you too.", love))
        let stupid = ReplyRules.Utterance("You're stupid.")
        #expect(!ReplyRules.echoes("I'm not stupid!", stupid))
        #expect(ReplyRules.echoes("Stupid?", ReplyRules.Utterance("Stupid.")))
    }

    @Test("Similarity prefers the whole sentence to a shared word")
    func similarity() {
        let heard = ReplyRules.Utterance("Can you hear me?")
        let close = ReplyRules.similarity(heard, SearchQuery("Can you hear me, Joe?"))
        let loose = ReplyRules.similarity(heard, SearchQuery("Hear, hear."))
        #expect(close > loose)
        #expect(close >= 0.9)
        #expect(ReplyRules.similarity(heard, SearchQuery("Nothing in common at all.")) < 0.2)
    }

    @Test("Utterances that continue into the next cue are joined into one clip")
    func merging() {
        #expect(UtteranceMerger.continues("I will talk to you of art,", into: "for there is nothing else."))
        #expect(UtteranceMerger.continues("I was thinking...", into: "...that we should go."))
        #expect(!UtteranceMerger.continues("I was thinking...", into: "Never mind."))
        #expect(!UtteranceMerger.continues("Good night.", into: "and then?"))
    }
}
