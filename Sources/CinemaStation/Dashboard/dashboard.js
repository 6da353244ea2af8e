// Cinema Chat's operator dashboard. Plain JavaScript, no build step: the station serves this file
// as it is. Everything live arrives pushed over Server-Sent Events: the session's log from the
// backend, the clients' state from the station.
"use strict";

const $ = (id) => document.getElementById(id);

const dashboard = {
  station: null,          // GET /api/station: name, backendUrl, playerUrl
  backend: "",            // the backend's base URL, without a trailing slash
  token: "",              // the operator token, when the backend wants one
  session: null,          // the identifier of the session this dashboard follows
  sessionStatus: null,
  sessionFeed: null,      // EventSource on the backend
  clientsFeed: null,      // EventSource on the station
  clients: [],
  decisions: new Map(),   // clip id → its decision, to name the clip when it starts
  tokenNeeded: false,     // the backend refused the operator's calls for want of the token
};

// MARK: Talking to the servers

class RequestFailed extends Error {
  constructor(message, status, code) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

// JSON over fetch, with errors turned into sentences that say which server failed and why.
async function call(server, base, path, { method = "GET", body, operator = false } = {}) {
  const headers = {};
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (operator && dashboard.token) headers["Authorization"] = "Bearer " + dashboard.token;
  let response;
  try {
    response = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (error) {
    throw new RequestFailed(`The ${server} cannot be reached at ${base || location.origin}. Is it running?`, 0, "unreachable");
  }
  const text = await response.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch (_) { /* not JSON: said below */ }
  if (!response.ok) {
    let message = (json && json.error) || `${response.status} ${response.statusText}`;
    if (response.status === 401 || response.status === 403) {
      message += " Give the operator token (Operator token, top right): it is in the backend's data directory, in the file operator-token.";
    }
    throw new RequestFailed(`The ${server} refused ${method} ${path}: ${message}`, response.status, json && json.code);
  }
  return json;
}

const station = (path, options) => call("station", "", path, options);
const backend = (path, options) => call("backend", dashboard.backend, path, options);

// MARK: Messages for the operator

function showBanner(text, kind = "error") {
  const banner = $("banner");
  banner.textContent = text;
  banner.className = "banner" + (kind === "error" ? "" : " " + kind);
  banner.hidden = false;
}

function clearBanner() {
  $("banner").hidden = true;
}

function chip(id, label, ok, title) {
  const element = $(id);
  element.textContent = label;
  element.className = "chip " + (ok === null ? "" : ok ? "ok" : "down");
  if (title) element.title = title;
}

async function attempt(action) {
  try {
    await action();
  } catch (error) {
    showBanner(error.message);
    console.error(error);
  }
}

// MARK: The session log

function clock(seconds) {
  const total = Math.max(0, Math.round(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function timeOf(event) {
  const date = new Date(event.at);
  return isNaN(date) ? "" : date.toLocaleTimeString();
}

function addEntry(node, event) {
  node.dataset.sequence = event.sequence;
  node.dataset.type = event.type;
  $("log").appendChild(node);
  $("log-empty").hidden = true;
  node.scrollIntoView({ block: "nearest" });
}

function line(event, className, text) {
  const item = element("li", "event " + (className || ""), text);
  item.prepend(element("span", "meta", timeOf(event) + " "));
  addEntry(item, event);
}

function ms(value) {
  return value === undefined || value === null ? null : `${Math.round(value)} ms`;
}

const kindTitles = {
  greeting: "Greeting",
  reply: "Answer",
  llm: "Answer (model)",
  fallback: "Answer (fallback)",
  farewell: "Farewell",
  curator: "Operator's choice",
};

// A line heard in the film's soundtrack by the speech model rather than read from subtitles:
// its words may be misheard, which the operator should know before playing it.
function transcribedTag() {
  const tag = element("span", "transcribed", " (transcribed)");
  tag.title = "Heard in the soundtrack by the speech model, not read from subtitles: the words may be misheard.";
  return tag;
}

// The film line like the visitor's that an answer follows, and what found it: its words
// (full-text search), its meaning (embeddings), or both.
function matchText(candidate) {
  const closeness = [];
  if (typeof candidate.lexical === "number") closeness.push(`words ${candidate.lexical.toFixed(2)}`);
  if (typeof candidate.semantic === "number") closeness.push(`meaning ${candidate.semantic.toFixed(2)}`);
  return `“${candidate.matched}”, found by ${candidate.found_by || "words"} (${closeness.join(", ")})`;
}

function decisionEntry(event) {
  const d = event.data;
  dashboard.decisions.set(d.clip.id, d);
  const item = element("li", "clip");
  const title = kindTitles[d.kind] || "Answer";
  item.appendChild(element("div", "meta", `${timeOf(event)} · ${title} · turn ${d.turn} · ${d.director}`));
  const film = element("div", "film", d.clip.film_title);
  film.appendChild(element("span", "meta", `  ${clock(d.clip.start)}–${clock(d.clip.end)}`));
  item.appendChild(film);
  const line = element("div", "line", `“${d.clip.text}”`);
  if (d.clip.transcribed) line.appendChild(transcribedTag());
  item.appendChild(line);
  // The stages that took time, then the whole: a stage at 0 ms did not run (no model, typed turn).
  const stages = [["stt", d.timings.stt_ms], ["search", d.timings.search_ms], ["model", d.timings.model_ms]]
    .filter(([, v]) => typeof v === "number" && v > 0);
  const timings = [...stages, ["director", d.timings.director_ms], ["turn", d.timings.total_ms]]
    .filter(([, v]) => typeof v === "number")
    .map(([k, v]) => `${k} ${ms(v)}`).join(" · ");
  item.appendChild(element("div", "meta timings", timings));
  const why = element("details");
  why.appendChild(element("summary", "", "Why this clip"));
  why.appendChild(element("p", "reasoning", d.reasoning || "(no reasoning given)"));
  if (d.fallback_reason) why.appendChild(element("p", "", "Fallback: " + d.fallback_reason));
  if (d.queries && d.queries.length) why.appendChild(element("p", "", "Searched: " + d.queries.join(" · ")));
  const chosen = (d.candidates || []).find((c) => c.clip_id === d.clip.id);
  if (chosen && chosen.matched) item.appendChild(element("div", "meta led", "Led by " + matchText(chosen)));
  if (d.candidates && d.candidates.length) {
    const list = element("ol");
    for (const candidate of d.candidates) {
      const kind = candidate.kind ? ` · ${candidate.kind}` : "";
      const led = candidate.matched ? ` · after ${matchText(candidate)}` : "";
      list.appendChild(element("li", "", `${candidate.film_title}: “${candidate.text}” (${candidate.score}${kind}${led})`));
    }
    why.appendChild(list);
  }
  item.appendChild(why);
  addEntry(item, event);
}

// One renderer per event type; unknown types still show, so a newer backend is not hidden.
const renderers = {
  "session-created": (e) => line(e, "", `Session ${e.session} created${e.data && e.data.station ? " for " + e.data.station : ""}.`),
  "state-changed": (e) => { setStatus(e.data.to); line(e, "", `Now ${e.data.to}.`); },
  "participant-joined": (e) => line(e, "", e.data.role === "device" ? "The TV joined the room." : `An ${e.data.role} joined.`),
  "participant-left": (e) => line(e, "", e.data.role === "device" ? "The TV left the room." : `An ${e.data.role} left.`),
  "visitor-text": (e) => {
    const item = element("li", "visitor");
    const source = e.data.source === "speech" ? "heard" : e.data.source === "operator" ? "typed by the operator" : "typed";
    item.appendChild(element("div", "meta", `${timeOf(e)} · Visitor (${source})`));
    item.appendChild(element("div", "words", e.data.text));
    addEntry(item, e);
  },
  "decision": decisionEntry,
  "clip-started": (e) => {
    const d = dashboard.decisions.get(e.data.clip_id);
    const what = d ? `${d.clip.film_title}, ${clock(d.clip.start)}–${clock(d.clip.end)}` : `clip ${e.data.clip_id}`;
    line(e, "playing", `▶ Playing ${what}.`);
  },
  "clip-ended": (e) => line(e, "", `■ Clip over (${e.data.reason}).`),
  "turn-dropped": (e) => line(e, "", `Turn dropped: ${e.data.reason}.`),
  "status": (e) => line(e, "", `Status: ${e.data.status || JSON.stringify(e.data)}`),
  "needs-help": (e) => { showHelp(e.data.reason); line(e, "error", `Needs help: ${e.data.reason}`); },
  "error": (e) => line(e, "error", `Error (${e.data.source || "backend"}): ${e.data.message}`),
  "session-ended": (e) => {
    setStatus("ended");
    const item = element("li", "ended", `Session ended (${e.data.reason}).`);
    addEntry(item, e);
    finishSession();
  },
};

function render(type, raw) {
  let event;
  try { event = JSON.parse(raw); } catch (_) { return; }
  event.type = event.type || type;
  (renderers[event.type] || ((e) => line(e, "", `${e.type} ${JSON.stringify(e.data)}`)))(event);
}

// MARK: Following a session

function setStatus(status) {
  dashboard.sessionStatus = status;
  const node = $("session-status");
  node.textContent = status || "idle";
  node.dataset.state = status || "";
  const live = !!dashboard.session && status !== "ended";
  $("start").disabled = live || dashboard.tokenNeeded;
  $("stop").disabled = !live;
  $("say-text").disabled = !live;
  $("say-send").disabled = !live;
  for (const button of document.querySelectorAll(".results button")) button.disabled = !live;
  if (!live) { signal("speaking", false); signal("muted", false); }
}

function signal(id, on) {
  $(id).dataset.on = String(!!on);
}

function showHelp(reason) {
  $("needs-help-reason").textContent = reason || "";
  $("needs-help").hidden = false;
}

function follow(identifier) {
  if (dashboard.sessionFeed) dashboard.sessionFeed.close();
  dashboard.session = identifier;
  dashboard.decisions.clear();
  $("log").replaceChildren();
  $("log-empty").hidden = false;
  $("needs-help").hidden = true;
  $("session-id").textContent = identifier;
  setStatus("waiting");
  updateClient();
  // EventSource cannot send headers: the token, when there is one, goes in the query.
  const query = dashboard.token ? `?token=${encodeURIComponent(dashboard.token)}` : "";
  const feed = new EventSource(`${dashboard.backend}/api/sessions/${encodeURIComponent(identifier)}/events${query}`);
  dashboard.sessionFeed = feed;
  for (const type of Object.keys(renderers)) {
    feed.addEventListener(type, (message) => render(type, message.data));
  }
  feed.addEventListener("message", (message) => render("message", message.data));
  // A new clip on the TV: its picture at once, not at the next refresh.
  feed.addEventListener("clip-started", () => showTV());
  // Live-only signals: not in the log, so with no id.
  feed.addEventListener("visitor-speaking", (message) => signal("speaking", JSON.parse(message.data).speaking));
  feed.addEventListener("microphone", (message) => signal("muted", JSON.parse(message.data).muted));
  feed.addEventListener("open", () => { chip("backend-state", "backend ok", true); clearBannerIf("backend"); });
  feed.addEventListener("error", () => {
    if (dashboard.sessionFeed !== feed) return;
    if (dashboard.sessionStatus === "ended") { feed.close(); return; }
    // EventSource tries again by itself, resuming after the last event it saw.
    chip("backend-state", "backend unreachable", false);
    showBanner(`Lost the backend at ${dashboard.backend}; trying again. The session's log resumes where it stopped.`);
  });
}

function clearBannerIf(server) {
  if ($("banner").textContent.includes(server)) clearBanner();
}

function finishSession() {
  if (dashboard.sessionFeed) dashboard.sessionFeed.close();
  dashboard.sessionFeed = null;
  setStatus("ended");
  updateClient();
}

// MARK: The station's clients

function followClients() {
  const feed = new EventSource("/api/clients/events");
  dashboard.clientsFeed = feed;
  feed.addEventListener("clients", (message) => {
    dashboard.clients = JSON.parse(message.data);
    updateClient();
  });
  feed.addEventListener("player", (message) => {
    const player = JSON.parse(message.data);
    chip("player-state", player.reachable ? "player ok" : "player down", player.reachable, player.url + (player.error ? ": " + player.error : ""));
  });
  // Only a station with a handset sends these: lifting it starts a visit, which the page follows.
  feed.addEventListener("handset", (message) => {
    const handset = JSON.parse(message.data);
    const labels = { lifted: "handset lifted", resting: "handset down", unknown: "handset …", unavailable: "handset unreadable" };
    $("handset-state").hidden = false;
    chip("handset-state", labels[handset.state] || "handset " + handset.state, handset.state === "unavailable" || handset.problem ? false : null,
      handset.source + (handset.problem ? ": " + handset.problem : ""));
    if (handset.visit && handset.visit !== dashboard.session) follow(handset.visit);
  });
  feed.addEventListener("open", () => { chip("station-state", "station ok", true); clearBannerIf("station"); });
  feed.addEventListener("error", () => {
    chip("station-state", "station unreachable", false);
    showBanner("The station cannot be reached; trying again. Is cinema station (or cinema up) still running?");
  });
}

function updateClient() {
  // The station lists its clients newest first.
  const client = dashboard.clients.find((c) => c.identifier && c.identifier === dashboard.session);
  $("client-pid").textContent = client ? `PID ${client.pid}` : "—";
  const state = $("client-state");
  state.textContent = client ? client.state + (client.exitCode !== undefined ? ` (exit ${client.exitCode})` : "") : "";
  state.dataset.state = client ? client.state : "";
  $("client-restarts").textContent = client ? String(client.restarts) : "—";
}

// MARK: Operator actions

async function startExperience() {
  clearBanner();
  $("start").disabled = true;
  try {
    let connection;
    try {
      // The station's silence timeout, if it has one, holds for visits started here too.
      const body = { station: dashboard.station.name };
      if (dashboard.station.silenceTimeout) body.idle_timeout = dashboard.station.silenceTimeout;
      connection = await backend("/api/connect", { method: "POST", body, operator: true });
    } catch (error) {
      // One live session per station: the running one is followed instead of a second.
      if (error.status === 409 && error.code === "station-busy") {
        const live = await liveSessionOfStation();
        if (live) {
          follow(live.identifier);
          showBanner("This station already had a live session; the dashboard follows it now.", "info");
          return;
        }
      }
      throw error;
    }
    follow(connection.identifier);
    let started;
    try {
      started = await station("/api/start_pi_client", {
        method: "POST",
        body: { roomUrl: connection.room_url, token: connection.token, backendUrl: dashboard.backend, identifier: connection.identifier },
        operator: true,
      });
    } catch (error) {
      // No TV for this session: ended at once, so that it does not hold the station.
      await backend(`/api/sessions/${encodeURIComponent(connection.identifier)}/end`, { method: "POST", body: {}, operator: true }).catch(() => {});
      throw error;
    }
    $("client-pid").textContent = `PID ${started.pid}`;
  } catch (error) {
    showBanner(error.message);
    setStatus(dashboard.sessionStatus);
  }
}

async function stopExperience() {
  if (!dashboard.session) return;
  $("stop").disabled = true;
  await attempt(() => backend(`/api/sessions/${encodeURIComponent(dashboard.session)}/end`, { method: "POST", body: {}, operator: true }));
}

async function say(event) {
  event.preventDefault();
  const text = $("say-text").value.trim();
  if (!text || !dashboard.session) return;
  $("say-send").disabled = true;
  await attempt(async () => {
    await backend(`/api/sessions/${encodeURIComponent(dashboard.session)}/say`, { method: "POST", body: { text }, operator: true });
    $("say-text").value = "";
  });
  $("say-send").disabled = dashboard.sessionStatus === "ended";
}

async function search(event) {
  event.preventDefault();
  const query = $("search-text").value.trim();
  if (!query) return;
  await attempt(async () => {
    const found = await backend(`/api/search?q=${encodeURIComponent(query)}&limit=25`);
    const list = $("search-results");
    list.replaceChildren();
    $("search-note").textContent = found.clips.length ? `${found.clips.length} ${found.clips.length === 1 ? "line" : "lines"}.` : `No line matches “${query}”.`;
    for (const clip of found.clips) {
      const item = element("li");
      const text = element("span", "text", `“${clip.text}”`);
      if (clip.transcribed) text.appendChild(transcribedTag());
      text.appendChild(element("span", "film", `${clip.film_title} · ${clock(clip.start)}–${clock(clip.end)}`));
      const play = element("button", "", "Play");
      play.disabled = !dashboard.session || dashboard.sessionStatus === "ended";
      play.addEventListener("click", () => playClip(clip.id));
      item.append(text, play);
      list.appendChild(item);
    }
  });
}

async function playClip(id) {
  if (!dashboard.session) return;
  await attempt(() => backend(`/api/sessions/${encodeURIComponent(dashboard.session)}/play`, { method: "POST", body: { clip_id: id }, operator: true }));
}

// MARK: The microphone

async function loadMicrophones() {
  const select = $("mic-select");
  try {
    const answer = await station("/api/audio-devices");
    select.replaceChildren();
    const none = element("option", "", "none (typed turns only)");
    none.value = "";
    select.appendChild(none);
    for (const device of answer.devices) {
      const option = element("option", "", `${device.name} (${device.id})`);
      option.value = device.id;
      select.appendChild(option);
    }
    if (answer.chosen && ![...select.options].some((o) => o.value === answer.chosen)) {
      const kept = element("option", "", `${answer.chosen} (kept; not present now)`);
      kept.value = answer.chosen;
      select.appendChild(kept);
    }
    select.value = answer.chosen || "";
    $("mic-note").textContent = answer.devices.length ? "" : "No capture device found (arecord -l lists none).";
  } catch (error) {
    $("mic-note").textContent = error.message;
  }
}

async function saveMicrophone() {
  await attempt(async () => {
    const answer = await station("/api/audio-device", { method: "POST", body: { device_id: $("mic-select").value }, operator: true });
    $("mic-note").textContent = answer.chosen ? `Kept: ${answer.chosen}.` : "Kept: no microphone.";
  });
}

// MARK: Start-up

async function liveSessionOfStation() {
  const sessions = await backend(`/api/sessions?status=live&station=${encodeURIComponent(dashboard.station.name)}`, { operator: true });
  const list = Array.isArray(sessions) ? sessions : sessions.sessions || [];
  return list.find((s) => s.station === dashboard.station.name);
}

// `quiet` leaves a message already shown in place (the station's, say) and only sets the chip.
async function checkBackend({ quiet = false } = {}) {
  try {
    const health = await backend("/health");
    chip("backend-state", "backend ok", true, `${health.library.films} films, director ${health.director}, speech ${health.speech}`);
    showHearing(health.hearing);
    clearBannerIf("backend");
    return true;
  } catch (error) {
    chip("backend-state", "backend unreachable", false, error.message);
    if (!quiet || $("banner").hidden) showBanner(error.message);
    return false;
  }
}

// Whisper when its model service is ready; said plainly when visitors are heard by pocketsphinx
// instead (the service missing, starting, restarting or without its weights), with why.
function showHearing(hearing) {
  if (!hearing) return chip("hearing-state", "hearing: unknown", null, "This backend does not say how it hears.");
  const model = hearing.model ? ` ${hearing.model}` : "";
  if (hearing.engine === "whisper" && hearing.service && hearing.service !== "ready") {
    const meanwhile = hearing.fallback ? ` — ${hearing.fallback} meanwhile` : "";
    return chip("hearing-state", `hearing: whisper ${hearing.service}${meanwhile}`, false, hearing.note || "");
  }
  const weak = hearing.engine === "pocketsphinx" && hearing.note;
  chip("hearing-state", `hearing: ${hearing.engine}${model}`, weak ? false : hearing.engine !== "none", hearing.note || `Visitors are heard by ${hearing.engine}${model}.`);
}

// A live session's feed tells at once when the backend goes; between sessions, this does, and
// it picks up a session of this station started elsewhere (another operator's page, or after
// the backend came back), so a page left open for weeks needs no reload.
function watchBackend() {
  setInterval(async () => {
    if (dashboard.sessionFeed || !dashboard.backend) return;
    if (!(await checkBackend({ quiet: true })) || dashboard.tokenNeeded) return;
    const live = await liveSessionOfStation().catch(() => null);
    if (live && !dashboard.sessionFeed) follow(live.identifier);
  }, 5000);
}

async function useBackend(url, { remember = true } = {}) {
  dashboard.backend = url.replace(/\/+$/, "");
  $("backend-url").value = dashboard.backend;
  // Kept only when the operator chose it; otherwise the station's own setting is followed.
  if (remember) localStorage.setItem("cinema.backend", dashboard.backend);
  dashboard.token = $("operator-token").value.trim();
  if (dashboard.token) localStorage.setItem("cinema.token", dashboard.token); else localStorage.removeItem("cinema.token");
  if (!(await checkBackend())) return false;
  // After a reload, the live session goes on: the dashboard finds it and follows it again.
  // Asking for it also tells whether this backend wants the operator token: then it is asked
  // for before anything is started, not after a session half begun.
  let live = null;
  try {
    live = await liveSessionOfStation();
    dashboard.tokenNeeded = false;
  } catch (error) {
    dashboard.tokenNeeded = error.status === 401 || error.status === 403;
    if (dashboard.tokenNeeded) {
      showBanner(error.message);
      document.querySelector("details.token").open = true;
      $("operator-token").focus();
    }
  }
  setStatus(dashboard.sessionStatus);
  if (live) follow(live.identifier);
  return true;
}

// The station names its backend as the station reaches it, often on loopback. A page opened
// from another machine must reach that backend by the address the page itself came from.
function isLoopback(host) {
  return host === "localhost" || host.startsWith("127.") || host === "[::1]" || host === "::1";
}

function reachableFromHere(url) {
  try {
    const address = new URL(url);
    if (!isLoopback(address.hostname) || isLoopback(location.hostname)) return url;
    address.hostname = location.hostname;
    return address.toString();
  } catch (_) {
    return url;
  }
}

// What the TV shows, through the station (which may reach the player when the page cannot),
// refreshed every few seconds while the page is in view.
async function showTV() {
  if (document.visibilityState !== "visible") return;
  const headers = dashboard.token ? { Authorization: "Bearer " + dashboard.token } : {};
  try {
    const response = await fetch("/api/screenshot", { headers });
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      $("tv-now-note").textContent = "On the TV now: " + (body.error || response.status);
      return;
    }
    const picture = URL.createObjectURL(await response.blob());
    const image = $("tv-now");
    if (image.src) URL.revokeObjectURL(image.src);
    image.src = picture;
    $("tv-now-note").textContent = "On the TV now, " + new Date().toLocaleTimeString();
  } catch (error) {
    $("tv-now-note").textContent = "On the TV now: the station cannot be reached";
  }
}

async function main() {
  $("start").addEventListener("click", startExperience);
  $("stop").addEventListener("click", stopExperience);
  $("say-form").addEventListener("submit", say);
  $("search-form").addEventListener("submit", search);
  $("mic-save").addEventListener("click", saveMicrophone);
  $("backend-form").addEventListener("submit", (event) => { event.preventDefault(); useBackend($("backend-url").value.trim()); });
  setStatus(null);
  try {
    dashboard.station = await station("/api/station");
    chip("station-state", "station ok", true, dashboard.station.name);
  } catch (error) {
    chip("station-state", "station unreachable", false);
    showBanner(error.message);
    return;
  }
  followClients();
  showTV();
  setInterval(showTV, 5000);
  watchBackend();
  loadMicrophones();
  $("operator-token").value = localStorage.getItem("cinema.token") || "";
  const chosen = localStorage.getItem("cinema.backend");
  if (chosen && chosen !== reachableFromHere(dashboard.station.backendUrl) && (await useBackend(chosen))) return;
  await useBackend(reachableFromHere(dashboard.station.backendUrl), { remember: false });
}

main();
