PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY);
INSERT INTO grdb_migrations VALUES('v1: sessions and events');
CREATE TABLE session (
    id TEXT PRIMARY KEY,
    station TEXT,
    status TEXT NOT NULL,
    endReason TEXT,
    config TEXT,
    baseURL TEXT NOT NULL,
    needsHelp BOOLEAN NOT NULL DEFAULT 0,
    needsHelpReason TEXT,
    turns INTEGER NOT NULL DEFAULT 0,
    lastSequence INTEGER NOT NULL DEFAULT 0,
    createdAt DATETIME NOT NULL,
    updatedAt DATETIME NOT NULL,
    endedAt DATETIME
);
INSERT INTO session VALUES('0d6d681b-9fc5-4ef9-8d7a-ab2c2d487bcd','tv-1','ended','operator',NULL,'http://127.0.0.1:37087',1,'visitor is stuck',2,21,'2026-12-04 05:30:17.557','2026-12-04 05:30:17.971','2026-12-04 05:30:17.971');
INSERT INTO session VALUES('0c14c330-27c7-407f-b1ff-88c04d21291e','tv-2','greeting',NULL,NULL,'http://127.0.0.1:37087',0,NULL,1,6,'2026-12-04 05:30:17.982','2026-12-04 05:30:18.022',NULL);
CREATE TABLE event (
    sessionId TEXT NOT NULL REFERENCES session(id) ON DELETE CASCADE,
    sequence INTEGER NOT NULL,
    at DATETIME NOT NULL,
    type TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (sessionId, sequence)
) WITHOUT ROWID;
INSERT INTO event VALUES('0c14c330-27c7-407f-b1ff-88c04d21291e',1,'2026-12-04 05:30:17.982','session-created','{"base_url":"http://127.0.0.1:37087","station":"tv-2"}');
INSERT INTO event VALUES('0c14c330-27c7-407f-b1ff-88c04d21291e',2,'2026-12-04 05:30:18.006','participant-joined','{"connection":"3C29F18F-7CE5-429A-B7CD-29AAE2D8BBE3","role":"device"}');
INSERT INTO event VALUES('0c14c330-27c7-407f-b1ff-88c04d21291e',3,'2026-12-04 05:30:18.008','state-changed','{"from":"waiting","to":"greeting"}');
INSERT INTO event VALUES('0c14c330-27c7-407f-b1ff-88c04d21291e',4,'2026-12-04 05:30:18.009','decision','{"candidates":[{"clip_id":2304,"film_title":"His Girl Friday (1940)","kind":"pool","notes":[],"score":1,"text":"Hello?"},{"clip_id":214,"film_title":"Charade (1963)","kind":"pool","notes":[],"score":1,"text":"Hello?"},{"clip_id":799,"film_title":"Charade (1963)","kind":"pool","notes":[],"score":1,"text":"Hello."},{"clip_id":2,"film_title":"The Parlour (1931)","kind":"pool","notes":[],"score":1,"text":"Good evening."}],"clip":{"cue_end":2380.796,"cue_start":2379.253,"end":2381.296,"film_id":3,"film_title":"His Girl Friday (1940)","id":2304,"start":2378.953,"text":"Hello?"},"director":"retrieval","kind":"greeting","queries":["Hello.","Good evening.","Good morning.","Hi there.","How do you do?","Good afternoon."],"reasoning":"Opening the session with a greeting: “Hello?” from His Girl Friday (1940), one of 4 greeting lines found.","timings":{"director_ms":0.168404,"model_ms":0,"search_ms":0.142228,"total_ms":0.234872},"turn":1,"utterances":[]}');
INSERT INTO event VALUES('0c14c330-27c7-407f-b1ff-88c04d21291e',5,'2026-12-04 05:30:18.019','clip-started','{"clip_id":2304,"player_ms":6,"turn":1}');
INSERT INTO event VALUES('0c14c330-27c7-407f-b1ff-88c04d21291e',6,'2026-12-04 05:30:18.022','visitor-text','{"source":"typed","text":"Where are you going?","utterance":1}');
INSERT INTO event VALUES('0d6d681b-9fc5-4ef9-8d7a-ab2c2d487bcd',1,'2026-12-04 05:30:17.557','session-created','{"base_url":"http://127.0.0.1:37087","station":"tv-1"}');
INSERT INTO event VALUES('0d6d681b-9fc5-4ef9-8d7a-ab2c2d487bcd',2,'2026-12-04 05:30:17.613','participant-joined','{"connection":"CBC8E857-F494-4A99-80CE-FFDBAD584F62","role":"device"}');
INSERT INTO event VALUES('0d6d681b-9fc5-4ef9-8d7a-ab2c2d487bcd',3,'2026-12-04 05:30:17.632','participant-joined','{"connection":"7A69B719-AF2D-4C66-939F-570BA15EB192","role":"observer"}');
INSERT INTO event VALUES('0d6d681b-9fc5-4ef9-8d7a-ab2c2d487bcd',4,'2026-12-04 05:30:17.638','state-changed','{"from":"waiting","to":"greeting"}');
INSERT INTO event VALUES('0d6d681b-9fc5-4ef9-8d7a-ab2c2d487bcd',5,'2026-12-04 05:30:17.641','decision','{"candidates":[{"clip_id":679,"film_title":"Charade (1963)","kind":"pool","notes":[],"score":1,"text":"Hello?"},{"clip_id":214,"film_title":"Charade (1963)","kind":"pool","notes":[],"score":1,"text":"Hello?"},{"clip_id":799,"film_title":"Charade (1963)","kind":"pool","notes":[],"score":1,"text":"Hello."},{"clip_id":2304,"film_title":"His Girl Friday (1940)","kind":"pool","notes":[],"score":1,"text":"Hello?"},{"clip_id":2,"film_title":"The Parlour (1931)","kind":"pool","notes":[],"score":1,"text":"Good evening."}],"clip":{"cue_end":3094.46,"cue_start":3092.459,"end":3094.96,"film_id":2,"film_title":"Charade (1963)","id":679,"start":3092.1589999999997,"text":"Hello?"},"director":"retrieval","kind":"greeting","queries":["Hello.","Good evening.","Good morning.","Hi there.","How do you do?","Good afternoon."],"reasoning":"Opening the session with a greeting: “Hello?” from Charade (1963), one of 5 greeting lines found.","timings":{"director_ms":0.333745,"model_ms":0,"search_ms":0.292116,"total_ms":2.45682},"turn":1,"utterances":[]}');
INSERT INTO event VALUES('0d6d681b-9fc5-4ef9-8d7a-ab2c2d487bcd',6,'2026-12-04 05:30:17.658','clip-started','{"clip_id":679,"player_ms":8.8,"turn":1}');
INSERT INTO event VALUES('0d6d681b-9fc5-4ef9-8d7a-ab2c2d487bcd',7,'2026-12-04 05:30:17.662','clip-ended','{"clip_id":679,"reason":"eof","turn":1}');
INSERT INTO event VALUES('0d6d681b-9fc5-4ef9-8d7a-ab2c2d487bcd',8,'2026-12-04 05:30:17.662','state-changed','{"from":"greeting","to":"conversing"}');
INSERT INTO event VALUES('0d6d681b-9fc5-4ef9-8d7a-ab2c2d487bcd',9,'2026-12-04 05:30:17.665','error','{"message":"The message is not JSON. Send RTVI envelopes: {\"label\": \"rtvi-ai\", \"type\": …}.","role":"device","source":"room"}');
INSERT INTO event VALUES('0d6d681b-9fc5-4ef9-8d7a-ab2c2d487bcd',10,'2026-12-04 05:30:17.670','error','{"message":"mpv could not open the film","source":"player"}');
INSERT INTO event VALUES('0d6d681b-9fc5-4ef9-8d7a-ab2c2d487bcd',11,'2026-12-04 05:30:17.681','visitor-text','{"source":"typed","text":"Who are you?","utterance":1}');
INSERT INTO event VALUES('0d6d681b-9fc5-4ef9-8d7a-ab2c2d487bcd',12,'2026-12-04 05:30:17.703','decision','{"candidates":[{"clip_id":4,"film_title":"The Parlour (1931)","found_by":"words","kind":"reply","lexical":1,"matched":"Who are you?","notes":["a question matched by a question","answered at once","sounds like an answer"],"score":1.3,"text":"I''m the new butler, sir."},{"clip_id":3507,"film_title":"Nothing Sacred (1937)","kind":"reflection","notes":["says the visitor''s sentence turned around"],"score":0.7,"text":"I don''t think you are.\nWell, who says?"},{"clip_id":103,"film_title":"Charade (1963)","kind":"reaction","notes":["a plain answer to a question"],"score":0.6,"text":"I don''t know."},{"clip_id":2873,"film_title":"His Girl Friday (1940)","found_by":"words","kind":"reply","lexical":0.231,"matched":"Who are you? Who is she?\nThis is Mrs. Baldwin, Bruce''s mother.","notes":["answered at once","does not open like an answer"],"score":0.527,"text":"What are you doing?\nShut up!"},{"clip_id":1811,"film_title":"His Girl Friday (1940)","found_by":"words","kind":"reply","lexical":0.25,"matched":"Well, who is he? Who are you?\nMy name''s Pete Davis.","notes":["answered at once","does not open like an answer","speaks of Davis, whom the visitor never mentioned"],"score":0.19,"text":"Mr. Davis, is this any concern of yours?\nNo."},{"clip_id":376,"film_title":"Charade (1963)","found_by":"words","kind":"reply","lexical":0.6,"matched":"Mrs. Lampert.\nWho are you?","notes":["a question matched by a question","answered at once","does not open like an answer","speaks of Charles, whom the visitor never mentioned","same film as a recent answer"],"score":0.17,"text":"Didn''t Charles tell you, Mrs. Lampert?\nTell me what?"},{"clip_id":225,"film_title":"Charade (1963)","kind":"reflection","notes":["says the visitor''s sentence turned around","speaks of Bartholomew, whom the visitor never mentioned","same film as a recent answer"],"score":0.127,"text":"Mr. Bartholomew, are you quite sure you know who I am?"},{"clip_id":3588,"film_title":"Nothing Sacred (1937)","kind":"reflection","notes":["too far from the turned-around sentence"],"score":0,"text":"I''ll prove to them before I die who the six great Americans are"}],"clip":{"cue_end":6,"cue_start":5,"end":6.5,"film_id":1,"film_title":"The Parlour (1931)","id":4,"media_url":"http://127.0.0.1:37087/media/1","path":"/tmp/cinema-test-44b864b3-12d5/films/The_Parlour_1931.mp4","start":4.7,"text":"I''m the new butler, sir."},"director":"retrieval","kind":"reply","queries":["Who are you?","who are i"],"reasoning":"Heard “Who are you?”. It resembles “Who are you?” (found by words), which in The Parlour (1931) is answered by “I''m the new butler, sir.” at 00:00:05.000 (1.0 s). Notes: a question matched by a question; answered at once; sounds like an answer. Drawn as number 1 of the best 3 of 7 candidates (score 1.30).","timings":{"director_ms":19.040998,"model_ms":0,"search_ms":18.387971,"total_ms":21.011202},"turn":2,"utterances":[1],"visitor":"Who are you?"}');
INSERT INTO event VALUES('0d6d681b-9fc5-4ef9-8d7a-ab2c2d487bcd',13,'2026-12-04 05:30:17.719','clip-started','{"clip_id":4,"player_ms":6.2,"turn":2}');
INSERT INTO event VALUES('0d6d681b-9fc5-4ef9-8d7a-ab2c2d487bcd',14,'2026-12-04 05:30:17.724','visitor-text','{"source":"typed","text":"Are you still there?","utterance":2}');
INSERT INTO event VALUES('0d6d681b-9fc5-4ef9-8d7a-ab2c2d487bcd',15,'2026-12-04 05:30:17.737','participant-joined','{"connection":"256040C7-9937-4004-B8F7-B108972F5A2A","role":"observer"}');
INSERT INTO event VALUES('0d6d681b-9fc5-4ef9-8d7a-ab2c2d487bcd',16,'2026-12-04 05:30:17.738','participant-left','{"connection":"256040C7-9937-4004-B8F7-B108972F5A2A","role":"observer"}');
INSERT INTO event VALUES('0d6d681b-9fc5-4ef9-8d7a-ab2c2d487bcd',17,'2026-12-04 05:30:17.949','status','{"context":{"messages":[]},"status":"active"}');
INSERT INTO event VALUES('0d6d681b-9fc5-4ef9-8d7a-ab2c2d487bcd',18,'2026-12-04 05:30:17.962','needs-help','{"reason":"visitor is stuck"}');
INSERT INTO event VALUES('0d6d681b-9fc5-4ef9-8d7a-ab2c2d487bcd',19,'2026-12-04 05:30:17.971','turn-dropped','{"reason":"operator","utterances":[2]}');
INSERT INTO event VALUES('0d6d681b-9fc5-4ef9-8d7a-ab2c2d487bcd',20,'2026-12-04 05:30:17.971','state-changed','{"from":"conversing","to":"ended"}');
INSERT INTO event VALUES('0d6d681b-9fc5-4ef9-8d7a-ab2c2d487bcd',21,'2026-12-04 05:30:17.971','session-ended','{"audio":{"bytes":0,"frames":0,"ignored_while_muted":0,"oversized":0},"reason":"operator"}');
CREATE UNIQUE INDEX session_live_station ON session(station) WHERE status != 'ended' AND station IS NOT NULL;
CREATE INDEX session_created ON session(createdAt);
COMMIT;
