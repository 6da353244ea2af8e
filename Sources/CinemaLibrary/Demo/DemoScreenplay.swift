/// The demo library's films. Written for Cinema Chat, so that a fresh installation has
/// something to talk with: each film is a string of short exchanges on one theme, and most
/// lines are answered by the next, because the retrieval director answers a visitor with the
/// line that follows the one that matched.
public enum DemoScreenplay {
    public static let films: [DemoFilm] = [greetings, smallTalk, questions, feelings, jokes, refusals, pardon, farewells]

    static let greetings = DemoFilm(
        slug: "Good_Evening_Stranger_1947",
        title: "Good Evening, Stranger",
        year: 1947,
        background: "0x1d2529",
        cast: [
            "NORA": .init(name: "en-gb+f3", pitch: 58, speed: 150),
            "HARRY": .init(name: "en-us+m3", pitch: 42, speed: 150),
            "ANGUS": .init(name: "en-gb-scotland+m1", pitch: 35, speed: 140),
        ],
        script: """
            NORA: Good evening.
            HARRY: Good evening to you. I didn't hear you come in.
            NORA: Hello? Is anybody there?
            ANGUS: Right here, miss. Welcome to the Grand Hotel.
            NORA: Hi there. What's your name?
            ANGUS: They call me Angus. I've been here forty years.
            HARRY: Nice to meet you, Angus.
            ANGUS: The pleasure is all mine, sir.
            --
            NORA: How do you do?
            HARRY: Very well, thank you. And how are you?
            NORA: I'm fine, thanks. A little tired from the journey.
            HARRY: Where did you come from?
            NORA: From the city. Three hours on a cold train.
            HARRY: Well, you're here now. That's what matters.
            NORA: Have we met before? Your face is familiar.
            HARRY: I don't think so. I'd remember a face like yours.
            NORA: Flattery will get you everywhere.
            HARRY: Then I'll keep it up. May I ask your name?
            NORA: Nora. Nora Whitfield.
            HARRY: Harry Lane. At your service.
            NORA: Are you staying here long, Mister Lane?
            HARRY: Only until the fog lifts. A day or two.
            --
            ANGUS: Good morning, everyone! Breakfast is served.
            NORA: Good morning, Angus. Did you sleep at all?
            ANGUS: Like a baby, miss. I woke up every two hours and cried.
            HARRY: Hey, look who's here!
            NORA: Well, well. Long time no see.
            HARRY: It's so good to see you again.
            NORA: You too. You haven't changed a bit.
            HARRY: Welcome back. We missed you around here.
            NORA: It's good to be home.
            ANGUS: Can I help you with anything else?
            HARRY: No, thank you. You've been very kind.
            ANGUS: Don't mention it. Just ring if you need me.
            """
    )

    static let smallTalk = DemoFilm(
        slug: "Small_Talk_at_the_Cafe_1952",
        title: "Small Talk at the Café",
        year: 1952,
        background: "0x2a2119",
        cast: [
            "MARGO": .init(name: "en-us+f2", pitch: 62, speed: 155),
            "FELIX": .init(name: "en-gb-x-rp+m2", pitch: 45, speed: 145),
            "WAITER": .init(name: "en-029+m4", pitch: 50, speed: 150),
        ],
        script: """
            FELIX: Lovely weather we're having.
            MARGO: Lovely? It's been raining for a week.
            FELIX: I like the rain. It keeps the tourists away.
            MARGO: What do you do for a living?
            FELIX: I sell umbrellas. Business has never been better.
            MARGO: Do you come here often?
            FELIX: Every day at four. The coffee is terrible, but the company is good.
            --
            WAITER: What can I get you?
            MARGO: A cup of tea, please. And something sweet.
            WAITER: We have apple pie, chocolate cake, or yesterday's bread.
            MARGO: I'll have the cake, thank you.
            FELIX: Are you hungry?
            MARGO: I'm starving. I could eat a horse.
            WAITER: I'm afraid horse is off the menu today.
            --
            FELIX: So, what do you do for fun?
            MARGO: I dance. I paint. I read terrible novels.
            FELIX: What's your favorite book?
            MARGO: The one I haven't finished yet.
            FELIX: Do you like music?
            MARGO: I love music. Jazz, mostly. Anything you can dance to.
            FELIX: What about the pictures? Do you like films?
            MARGO: I go every Saturday. I always sit in the back row.
            FELIX: How was your weekend?
            MARGO: Quiet. I slept, I walked, I fed the ducks.
            FELIX: It's cold today, isn't it?
            MARGO: Freezing. My nose is about to fall off.
            FELIX: Where are you from, originally?
            MARGO: A small town by the sea. Nobody ever leaves, and nobody ever arrives.
            FELIX: Do you have any family?
            MARGO: A sister, two cousins, and a cat who thinks he's my father.
            FELIX: How old are you, if you don't mind my asking?
            MARGO: I do mind. A lady never tells.
            WAITER: Here you are. Enjoy.
            MARGO: Thank you. It looks delicious.
            """
    )

    static let questions = DemoFilm(
        slug: "Twenty_Questions_1938",
        title: "Twenty Questions",
        year: 1938,
        background: "0x1b1f2e",
        cast: [
            "LUCY": .init(name: "en-us+f4", pitch: 66, speed: 160),
            "PROFESSOR": .init(name: "en-gb-x-rp+m1", pitch: 30, speed: 135),
        ],
        script: """
            LUCY: Can I ask you a question?
            PROFESSOR: You just did. Go on, ask another.
            LUCY: What time is it?
            PROFESSOR: Half past nine. Late enough to be interesting.
            LUCY: Where are we going?
            PROFESSOR: Somewhere nobody has been before.
            LUCY: Why?
            PROFESSOR: Because somebody has to go first.
            LUCY: Who are you, really?
            PROFESSOR: A man who asks too many questions. Like you.
            LUCY: What is the meaning of life?
            PROFESSOR: Forty years of trying, and I still don't know.
            --
            LUCY: Do you believe in ghosts?
            PROFESSOR: Only on Tuesdays.
            LUCY: How does it work?
            PROFESSOR: Nobody knows. That's what makes it wonderful.
            LUCY: Is it true?
            PROFESSOR: Every word of it. Cross my heart.
            LUCY: What's the answer?
            PROFESSOR: Yes. The answer is always yes.
            LUCY: Are you sure?
            PROFESSOR: Absolutely certain. Well, almost.
            LUCY: How much does it cost?
            PROFESSOR: More than you have, and less than you think.
            --
            LUCY: What do you want from me?
            PROFESSOR: Nothing at all. Only the truth.
            LUCY: Can you keep a secret?
            PROFESSOR: I have kept a hundred. What's one more?
            LUCY: What would you do if you were me?
            PROFESSOR: I would run. And I would never look back.
            LUCY: Where were you last night?
            PROFESSOR: At home, reading by the fire. Alone, I'm afraid.
            LUCY: Any more questions?
            PROFESSOR: Just one. Why did you come here tonight?
            LUCY: To find out who I am.
            """
    )

    static let feelings = DemoFilm(
        slug: "A_Heart_in_the_Rain_1949",
        title: "A Heart in the Rain",
        year: 1949,
        background: "0x16222b",
        cast: [
            "VIVIAN": .init(name: "en-us+f5", pitch: 60, speed: 145),
            "JACK": .init(name: "en-us-nyc+m7", pitch: 40, speed: 150),
        ],
        script: """
            VIVIAN: I'm so happy I could sing.
            JACK: Then sing. The whole street is listening.
            JACK: I feel sad tonight.
            VIVIAN: Come here. Tell me all about it.
            VIVIAN: Are you angry with me?
            JACK: Angry? No. Just tired of waiting.
            JACK: I'm scared.
            VIVIAN: Don't be afraid. I'm right here.
            VIVIAN: I love you.
            JACK: I love you too. I always have.
            JACK: Do you love me?
            VIVIAN: More than anything in the world.
            --
            VIVIAN: I'm lonely.
            JACK: Not anymore. You've got me.
            JACK: I miss you.
            VIVIAN: I miss you too, every single day.
            VIVIAN: I'm so tired.
            JACK: Then rest. I'll keep watch.
            JACK: Are you okay?
            VIVIAN: I'm fine. Really, I am. Don't look at me like that.
            VIVIAN: I'm bored.
            JACK: Bored? In this town? Let's go dancing.
            --
            JACK: I'm worried about you.
            VIVIAN: Don't worry. I always land on my feet.
            VIVIAN: I'm sorry. I didn't mean it.
            JACK: I know. I'm sorry too.
            JACK: How do you feel?
            VIVIAN: Like the sun just came out.
            VIVIAN: You make me so happy.
            JACK: That's all I ever wanted.
            JACK: I'm nervous.
            VIVIAN: Take a deep breath. You'll be wonderful.
            VIVIAN: My heart is broken.
            JACK: Hearts mend. Give it time.
            """
    )

    static let jokes = DemoFilm(
        slug: "The_Comedians_1934",
        title: "The Comedians",
        year: 1934,
        background: "0x2b2417",
        cast: [
            "BUSTER": .init(name: "en-gb-x-gbclan+m3", pitch: 55, speed: 165),
            "DOLLY": .init(name: "en-gb+f2", pitch: 70, speed: 160),
        ],
        script: """
            BUSTER: Tell me a joke.
            DOLLY: Why did the scarecrow win a prize? Because he was outstanding in his field.
            BUSTER: That's not funny.
            DOLLY: Then why are you smiling?
            --
            BUSTER: Knock knock.
            DOLLY: Who's there?
            BUSTER: Lettuce.
            DOLLY: Lettuce who?
            BUSTER: Lettuce in, it's cold out here!
            DOLLY: Ha! Very funny.
            --
            BUSTER: I told my wife she was drawing her eyebrows too high.
            DOLLY: What did she say?
            BUSTER: Nothing. She just looked surprised.
            DOLLY: Are you pulling my leg?
            BUSTER: I wouldn't dare. You might kick.
            DOLLY: Say something funny.
            BUSTER: Something funny. There, I said it.
            DOLLY: You're a clown.
            BUSTER: Thank you. I've worked very hard at it.
            DOLLY: Why did the chicken cross the road?
            BUSTER: To get away from this conversation.
            --
            DOLLY: What do you call a fish with no eyes?
            BUSTER: A fsh.
            DOLLY: I don't get it.
            BUSTER: That's the joke. Nobody ever gets it.
            DOLLY: You're hilarious.
            BUSTER: I know. It's a curse.
            DOLLY: Is that supposed to be a joke?
            BUSTER: It was. It died on the way here.
            DOLLY: Stop making me laugh!
            BUSTER: Never. Laughing is good for you.
            DOLLY: What's so funny?
            BUSTER: Your face when you try not to laugh.
            """
    )

    static let refusals = DemoFilm(
        slug: "Absolutely_Not_1941",
        title: "Absolutely Not",
        year: 1941,
        background: "0x281a1d",
        cast: [
            "TOMMY": .init(name: "en-us+m5", pitch: 60, speed: 165),
            "MRS GRAVES": .init(name: "en-gb-x-rp+f1", pitch: 38, speed: 130),
        ],
        script: """
            TOMMY: Can I have some money?
            MRS GRAVES: Absolutely not.
            TOMMY: Please? Just a little?
            MRS GRAVES: No means no.
            TOMMY: Will you help me?
            MRS GRAVES: Not today. Ask me tomorrow.
            TOMMY: Can I come in?
            MRS GRAVES: Certainly not. Wipe your feet and go home.
            TOMMY: Will you marry me?
            MRS GRAVES: Not in a hundred years.
            --
            TOMMY: Let's go to the pictures.
            MRS GRAVES: I'd rather not. I have a headache.
            TOMMY: Can you do me a favor?
            MRS GRAVES: That depends. What kind of favor?
            TOMMY: Give me one more chance.
            MRS GRAVES: I've given you a dozen chances already.
            TOMMY: Would you like to dance?
            MRS GRAVES: No, thank you. My feet are not in the mood.
            TOMMY: Come on, it'll be fun!
            MRS GRAVES: I said no, and I meant it.
            TOMMY: Why not?
            MRS GRAVES: Because I said so. That's why.
            TOMMY: Just this once?
            MRS GRAVES: Not once, not twice, not ever.
            --
            TOMMY: You can't say no to me.
            MRS GRAVES: Watch me.
            TOMMY: Do you want to play a game?
            MRS GRAVES: I don't play games, young man.
            TOMMY: Can I stay up late?
            MRS GRAVES: Over my dead body.
            TOMMY: Will you at least think about it?
            MRS GRAVES: I've thought about it. The answer is still no.
            TOMMY: Fine. Maybe later?
            MRS GRAVES: Maybe. If you behave.
            """
    )

    static let pardon = DemoFilm(
        slug: "Pardon_1950",
        title: "Pardon?",
        year: 1950,
        background: "0x1e2a22",
        cast: [
            "ELSIE": .init(name: "en-gb+f4", pitch: 68, speed: 160),
            "GRANDPA": .init(name: "en-gb-scotland+m6", pitch: 28, speed: 125),
        ],
        script: """
            ELSIE: Good morning, Grandpa!
            GRANDPA: What? Speak up, I can't hear you.
            ELSIE: I said good morning!
            GRANDPA: Pardon? What did you say?
            ELSIE: Never mind.
            GRANDPA: Say that again?
            ELSIE: I said, would you like some tea?
            GRANDPA: I don't understand a word you're saying.
            ELSIE: Tea! Would you like some tea?
            GRANDPA: Oh, tea! Why didn't you say so?
            --
            ELSIE: What do you mean?
            GRANDPA: I mean exactly what I said. Whatever that was.
            ELSIE: Are you listening to me?
            GRANDPA: Eh? Sorry, I wasn't listening.
            ELSIE: Did you hear that?
            GRANDPA: Hear what? I didn't hear a thing.
            ELSIE: What are you talking about?
            GRANDPA: I have no idea. I lost track an hour ago.
            ELSIE: Could you repeat that, please?
            GRANDPA: Certainly. I forget what I said, but I'll say it again.
            ELSIE: Huh?
            GRANDPA: Exactly. My thoughts precisely.
            --
            ELSIE: Excuse me?
            GRANDPA: You're excused. Off you go.
            ELSIE: I'm sorry, I didn't catch that.
            GRANDPA: Nobody ever does. I mumble.
            ELSIE: You're not making any sense.
            GRANDPA: Sense is overrated, my dear.
            ELSIE: What was that?
            GRANDPA: The wind, I think. Or my stomach.
            ELSIE: Could you speak more slowly?
            GRANDPA: I am speaking as slowly as I can.
            ELSIE: Now I understand.
            GRANDPA: Good. Then explain it to me.
            """
    )

    static let farewells = DemoFilm(
        slug: "Last_Train_Home_1946",
        title: "Last Train Home",
        year: 1946,
        background: "0x20202a",
        cast: [
            "EVELYN": .init(name: "en-us+f3", pitch: 57, speed: 145),
            "CAPTAIN": .init(name: "en-gb+m6", pitch: 38, speed: 140),
            "CONDUCTOR": .init(name: "en-us-nyc+m2", pitch: 48, speed: 170),
        ],
        script: """
            CONDUCTOR: All aboard! Last train to the coast!
            EVELYN: Well, I suppose this is goodbye.
            CAPTAIN: Goodbye, Evelyn. Take care of yourself.
            EVELYN: I have to go now.
            CAPTAIN: So soon? You only just arrived.
            EVELYN: See you later.
            CAPTAIN: Not if I see you first.
            EVELYN: Goodnight, Captain.
            CAPTAIN: Goodnight. Sleep well, and dream of me.
            --
            EVELYN: Will I ever see you again?
            CAPTAIN: Someday. When you least expect it.
            EVELYN: Promise you'll write.
            CAPTAIN: Every week. Every single week.
            EVELYN: I'll miss you.
            CAPTAIN: I'll miss you more. That's a promise.
            EVELYN: Don't forget me.
            CAPTAIN: How could I? You're unforgettable.
            CONDUCTOR: Tickets, please. The train leaves in one minute.
            --
            EVELYN: Bye-bye! Have a safe trip!
            CAPTAIN: Farewell, my friend. Until we meet again.
            EVELYN: It's been a pleasure.
            CAPTAIN: The pleasure was all mine.
            EVELYN: Thank you for everything.
            CAPTAIN: Thank you. For the best days of my life.
            EVELYN: Take care.
            CAPTAIN: You too. Keep your chin up.
            EVELYN: So long!
            CAPTAIN: So long, sweetheart. Don't look back.
            CONDUCTOR: That's all, folks. End of the line.
            EVELYN: I'm leaving now. Goodbye, everyone!
            CAPTAIN: Goodbye! And good luck!
            """
    )
}
