"""Drives the station's dashboard in headless chromium, as an operator would, and reports what
it saw as JSON on stdout; the Swift test asserts on the report.

    dashboard.py operator DASHBOARD_URL SCREENSHOT_PATH
    dashboard.py listening DASHBOARD_URL SCREENSHOT_PATH OPTIONS_JSON
    dashboard.py events DASHBOARD_DIRECTORY SCREENSHOT_PATH EVENTS_FILE

operator: Start Experience, wait for the greeting clip in the log, type a visitor line, wait for
the answer, reload (the dashboard must find the live session again), search and play a clip by
hand, Stop, wait for the end; then a session of this station begun elsewhere, which the page
must follow by itself.

listening: an installation beyond loopback whose TV hears a WAV as its microphone. The
microphone kept from before, the operator token asked for before anything starts, the lights for
"visitor speaking" and "muted", a heard line and its answer, the TV's client killed until the
station calls for help, a wrong backend, and at last the whole installation stopped under the
page. OPTIONS_JSON: {"token": operator token, "up_pid": PID of cinema up}.

events: the page alone, its files served from DASHBOARD_DIRECTORY on loopback with no station
behind them, given each event of EVENTS_FILE (a JSON array
of session events as the backend's Swift types encode them) as its session feed would give it;
reports each log entry's type and full text, and the session's state after them.

A step that does not happen within its time is reported with what the page showed, not raised,
so the test can say which step failed.
"""

import faulthandler
import json
import os
import signal
import sys
import time
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

scenario, url, screenshot = sys.argv[1], sys.argv[2], sys.argv[3]
options = (json.loads(sys.argv[4]) if scenario != "events" else {"events": sys.argv[4]}) if len(sys.argv) > 4 else {}
report = {"steps": [], "failed": None}


def browser():
    options = Options()
    options.binary_location = "/usr/bin/chromium"
    for argument in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,1000"]:
        options.add_argument(argument)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def text(driver, selector):
    found = driver.find_elements(By.CSS_SELECTOR, selector)
    return found[0].text if found else None


def entries(driver, selector="#log > li"):
    return [item.text for item in driver.find_elements(By.CSS_SELECTOR, selector)]


def wait(driver, what, condition, seconds=30):
    started = time.monotonic()
    try:
        value = WebDriverWait(driver, seconds, poll_frequency=0.1).until(lambda d: condition(d))
    except Exception:
        report["failed"] = {
            "step": what,
            "banner": text(driver, "#banner") if driver.find_element(By.ID, "banner").is_displayed() else None,
            "status": text(driver, "#session-status"),
            "log": entries(driver)[-12:],
        }
        raise
    report["steps"].append({"step": what, "seconds": round(time.monotonic() - started, 3)})
    return value


def operator(driver):
    driver.get(url)
    wait(driver, "station and backend reachable",
         lambda d: "ok" in text(d, "#station-state") and "ok" in text(d, "#backend-state"))
    report["player"] = text(driver, "#player-state")
    wait(driver, "player reachable", lambda d: text(d, "#player-state") == "player ok")

    driver.find_element(By.ID, "start").click()
    wait(driver, "greeting clip in the log", lambda d: len(d.find_elements(By.CSS_SELECTOR, "#log > li.clip")) >= 1, 60)
    wait(driver, "greeting clip playing", lambda d: any(e.startswith("▶") or "▶ Playing" in e for e in entries(d, "#log > li.playing")), 60)
    report["session"] = text(driver, "#session-id")
    report["greeting"] = entries(driver, "#log > li.clip")[0]
    # What the TV shows, through the station, refreshed every 5 s.
    wait(driver, "the TV's picture", lambda d: report.update(tv_note=text(d, "#tv-now-note")) or
         d.execute_script("return document.getElementById('tv-now').naturalWidth") > 0, 30)
    report["tv_picture"] = text(driver, "#tv-now-note")
    wait(driver, "client running", lambda d: text(d, "#client-state") == "running" and text(d, "#client-pid").startswith("PID "))
    report["client"] = text(driver, "#client-pid")

    wait(driver, "say box enabled", lambda d: d.find_element(By.ID, "say-text").is_enabled())
    driver.find_element(By.ID, "say-text").send_keys("Who are you?")
    driver.find_element(By.ID, "say-send").click()
    wait(driver, "visitor line in the log", lambda d: any("Who are you?" in e for e in entries(d, "#log > li.visitor")))
    wait(driver, "answering clip in the log", lambda d: len(d.find_elements(By.CSS_SELECTOR, "#log > li.clip")) >= 2, 60)
    report["answer"] = entries(driver, "#log > li.clip")[1]

    driver.refresh()
    wait(driver, "the same session after a reload",
         lambda d: text(d, "#session-id") == report["session"] and len(d.find_elements(By.CSS_SELECTOR, "#log > li.clip")) >= 2)
    report["after_reload"] = {"session": text(driver, "#session-id"), "clips": len(entries(driver, "#log > li.clip"))}

    driver.find_element(By.ID, "search-text").send_keys("mother")
    driver.find_element(By.ID, "search-send").click()
    wait(driver, "search results", lambda d: len(d.find_elements(By.CSS_SELECTOR, "#search-results li")) >= 1)
    report["search"] = entries(driver, "#search-results li")[:3]
    wait(driver, "play after the answer ends", lambda d: d.find_element(By.CSS_SELECTOR, "#search-results li button").is_enabled())
    driver.find_element(By.CSS_SELECTOR, "#search-results li button").click()
    wait(driver, "the chosen clip in the log",
         lambda d: any("Operator's choice" in e for e in entries(d, "#log > li.clip")), 60)
    report["curated"] = [e for e in entries(driver, "#log > li.clip") if "Operator's choice" in e][0]

    driver.find_element(By.ID, "stop").click()
    wait(driver, "session ended", lambda d: any("Session ended" in e for e in entries(d, "#log > li.ended")), 30)
    wait(driver, "client exited", lambda d: (text(d, "#client-state") or "").startswith("exited"), 30)
    report["ended"] = entries(driver, "#log > li.ended")[-1]
    report["client_after"] = text(driver, "#client-state")
    report["status_after"] = text(driver, "#session-status")

    # A session of this station begun elsewhere (another operator's page): this page follows it
    # by itself, without a reload.
    backend = driver.find_element(By.ID, "backend-url").get_attribute("value")
    name = json.load(urllib.request.urlopen(url.rstrip("/") + "/api/station"))["name"]
    connect = urllib.request.Request(backend + "/api/connect", data=json.dumps({"station": name}).encode(),
                                     headers={"content-type": "application/json"})
    elsewhere = json.load(urllib.request.urlopen(connect))["identifier"]
    wait(driver, "a session begun elsewhere followed", lambda d: text(d, "#session-id") == elsewhere, 30)
    report["followed_elsewhere"] = {"expected": elsewhere, "shown": text(driver, "#session-id"), "status": text(driver, "#session-status")}
    ending = urllib.request.Request(backend + f"/api/sessions/{elsewhere}/end", data=b"{}", headers={"content-type": "application/json"})
    urllib.request.urlopen(ending)
    wait(driver, "that session's end", lambda d: any("Session ended" in e for e in entries(d, "#log > li.ended")), 30)

    if "hook" in options:
        handset(driver, options["hook"])


def press(device, down):
    # struct input_event: the time (two 64-bit words), EV_KEY, KEY_SPACE, 1 down or 0 up.
    with open(device, "wb", buffering=0) as fifo:
        fifo.write(bytes(16) + (1).to_bytes(2, "little") + (57).to_bytes(2, "little") + (1 if down else 0).to_bytes(4, "little"))


def handset(driver, device):
    # The visitor's handset, a key of an input device (here a FIFO the station reads as one).
    # Its state is known once it first moves (a FIFO cannot be asked for it, a real device can).
    wait(driver, "the handset shown", lambda d: d.find_element(By.ID, "handset-state").is_displayed())
    report["handset_at_first"] = text(driver, "#handset-state")
    before = text(driver, "#session-id")
    press(device, True)
    wait(driver, "the handset lifted", lambda d: text(d, "#handset-state") == "handset lifted")
    wait(driver, "the handset's visit followed, its greeting in the log",
         lambda d: text(d, "#session-id") not in ("", before) and len(d.find_elements(By.CSS_SELECTOR, "#log > li.clip")) >= 1, 60)
    visit = text(driver, "#session-id")
    press(device, False)
    wait(driver, "the handset down", lambda d: text(d, "#handset-state") == "handset down")
    wait(driver, "the visit ended by hanging up", lambda d: any("Session ended" in e for e in entries(d, "#log > li.ended")), 30)
    report["handset"] = {"before": before, "visit": visit, "ended": entries(driver, "#log > li.ended")[-1]}


# Every change of the two lights, with its time: a pulse shorter than a poll is still seen.
RECORD_LIGHTS = """
window.lights = [];
const observer = new MutationObserver((changes) => {
  for (const change of changes) {
    window.lights.push({light: change.target.id, on: change.target.dataset.on === "true", at: performance.now()});
  }
});
for (const id of ["speaking", "muted"]) {
  observer.observe(document.getElementById(id), {attributes: true, attributeFilter: ["data-on"]});
}
"""


def client_pid(driver):
    # PID and state read together, in one look at the page.
    label, state = driver.execute_script(
        "return [document.getElementById('client-pid').textContent, document.getElementById('client-state').textContent]")
    return int(label[4:]) if label.startswith("PID ") and state == "running" else None


def listening(driver):
    driver.get(url)
    wait(driver, "station and backend reachable",
         lambda d: "ok" in text(d, "#station-state") and "ok" in text(d, "#backend-state"))
    report["backend_url"] = driver.find_element(By.ID, "backend-url").get_attribute("value")
    driver.execute_script(RECORD_LIGHTS)

    # The microphone chosen earlier is kept and shown, though no sound card is there now.
    wait(driver, "the kept microphone", lambda d: Select(d.find_element(By.ID, "mic-select")).first_selected_option.get_attribute("value") == "plughw:1,0")
    report["microphone_kept"] = Select(driver.find_element(By.ID, "mic-select")).first_selected_option.text
    report["microphone_note"] = text(driver, "#mic-note")

    # Beyond loopback, the page asks for the operator token before anything can start.
    wait(driver, "the token asked for", lambda d: "operator token" in (text(d, "#banner") or "")
         and not d.find_element(By.ID, "start").is_enabled() and d.find_element(By.ID, "operator-token").is_displayed())
    report["without_token"] = text(driver, "#banner")
    driver.find_element(By.ID, "operator-token").send_keys(options["token"])
    driver.find_element(By.CSS_SELECTOR, "#backend-form button[type=submit]").click()
    wait(driver, "backend ok with the token", lambda d: text(d, "#backend-state") == "backend ok"
         and not d.find_element(By.ID, "banner").is_displayed())
    report["hearing"] = text(driver, "#hearing-state")

    Select(driver.find_element(By.ID, "mic-select")).select_by_value("")
    driver.find_element(By.ID, "mic-save").click()
    wait(driver, "no microphone kept", lambda d: text(d, "#mic-note") == "Kept: no microphone.")

    # The TV hears its WAV: the greeting mutes it, then the visitor speaks and is answered.
    wait(driver, "start enabled", lambda d: d.find_element(By.ID, "start").is_enabled())
    driver.find_element(By.ID, "start").click()
    wait(driver, "greeting clip in the log", lambda d: len(d.find_elements(By.CSS_SELECTOR, "#log > li.clip")) >= 1, 60)
    report["session"] = text(driver, "#session-id")
    wait(driver, "a heard line", lambda d: any("(heard)" in e for e in entries(d, "#log > li.visitor")), 90)
    report["heard"] = [e for e in entries(driver, "#log > li.visitor") if "(heard)" in e][0]
    wait(driver, "its answer", lambda d: len(d.find_elements(By.CSS_SELECTOR, "#log > li.clip")) >= 2, 60)
    report["heard_answer"] = entries(driver, "#log > li.clip")[1]
    report["lights"] = driver.execute_script("return window.lights")

    # The TV's client dies five times, each time once it is back in the room: restarted each
    # time, and then the station calls for help.
    killed = []
    for round in range(5):
        wait(driver, f"the TV in the room before kill {round + 1}",
             lambda d: sum("The TV joined the room." in e for e in entries(d)) > round, 60)
        # The PID the condition saw, not a second reading: the page may change in between.
        pid = wait(driver, f"client running before kill {round + 1}",
                   lambda d: (lambda pid: pid if pid is not None and pid not in killed else None)(client_pid(d)), 60)
        os.kill(pid, signal.SIGKILL)
        killed.append(pid)
        if round == 0:
            wait(driver, "the first restart shown",
                 lambda d: text(d, "#client-restarts") == "1" and client_pid(d) not in (None, pid), 30)
            report["after_first_kill"] = {"restarts": text(driver, "#client-restarts"), "state": text(driver, "#client-state")}
    report["killed"] = killed
    wait(driver, "needs help", lambda d: d.find_element(By.ID, "needs-help").is_displayed(), 60)
    report["needs_help"] = text(driver, "#needs-help")

    # The session goes on with the client started again.
    pid = wait(driver, "client running after the kills",
               lambda d: (lambda pid: pid if pid is not None and pid not in killed else None)(client_pid(d)), 60)
    report["client_after_kills"] = {"pid": pid, "restarts": text(driver, "#client-restarts")}
    clips = len(entries(driver, "#log > li.clip"))
    driver.find_element(By.ID, "say-text").send_keys("Where are you going?")
    driver.find_element(By.ID, "say-send").click()
    wait(driver, "typed line after the kills", lambda d: any("Where are you going?" in e for e in entries(d, "#log > li.visitor")))
    wait(driver, "an answer after the kills", lambda d: len(d.find_elements(By.CSS_SELECTOR, "#log > li.clip")) > clips, 60)

    # A backend that is not there: said, and the right one works again.
    field = driver.find_element(By.ID, "backend-url")
    field.clear()
    field.send_keys("http://127.0.0.1:9")
    driver.find_element(By.CSS_SELECTOR, "#backend-form button[type=submit]").click()
    wait(driver, "unreachable backend said", lambda d: "cannot be reached at http://127.0.0.1:9" in (text(d, "#banner") or ""))
    report["wrong_backend"] = {"banner": text(driver, "#banner"), "chip": text(driver, "#backend-state")}
    field.clear()
    field.send_keys(report["backend_url"])
    driver.find_element(By.CSS_SELECTOR, "#backend-form button[type=submit]").click()
    wait(driver, "backend back", lambda d: text(d, "#backend-state") == "backend ok" and not d.find_element(By.ID, "banner").is_displayed())

    # The installation stops under the page: both servers are reported gone.
    os.kill(options["up_pid"], signal.SIGINT)
    report["stopped_up"] = True
    wait(driver, "station unreachable said", lambda d: text(d, "#station-state") == "station unreachable", 60)
    report["station_down"] = {"banner": text(driver, "#banner"), "chip": text(driver, "#station-state")}
    wait(driver, "backend unreachable said", lambda d: text(d, "#backend-state") == "backend unreachable", 60)
    report["backend_down"] = text(driver, "#backend-state")


def events(driver):
    import functools
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    handler = functools.partial(SimpleHTTPRequestHandler, directory=url)
    handler.log_message = lambda *arguments: None
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    driver.get(f"http://127.0.0.1:{server.server_address[1]}/index.html")
    wait(driver, "the page loaded", lambda d: d.execute_script("return typeof render === 'function'"))
    with open(options["events"]) as file:
        given = json.load(file)
    for event in given:
        driver.execute_script("render(arguments[0], arguments[1])", event["type"], json.dumps(event))
    report["entries"] = driver.execute_script(
        "return [...document.querySelectorAll('#log > li')].map(li => ({sequence: Number(li.dataset.sequence), type: li.dataset.type, text: li.textContent}))")
    report["status"] = text(driver, "#session-status")
    report["needs_help"] = driver.execute_script("return document.getElementById('needs-help-reason').textContent")


def main():
    # A browser command that never answers must not hang the suite: after 4 minutes every
    # thread's stack goes to stderr, which the test shows, and the script ends.
    faulthandler.dump_traceback_later(240, exit=True)
    driver = browser()
    try:
        {"operator": operator, "listening": listening, "events": events}[scenario](driver)
    except Exception as error:  # reported, with the page's state, for the test to show
        report.setdefault("error", f"{type(error).__name__}: {error}")
        try:
            report["error_page"] = {
                "after_step": report["steps"][-1]["step"] if report["steps"] else None,
                "status": text(driver, "#session-status"),
                "log": entries(driver)[-12:],
            }
        except Exception:
            pass
    finally:
        try:
            driver.save_screenshot(screenshot)
            report["screenshot"] = screenshot
        except Exception as error:
            report["screenshot_error"] = str(error)
        try:
            report["console"] = [entry["message"] for entry in driver.get_log("browser")]
        except Exception:
            report["console"] = []
        driver.quit()
    print(json.dumps(report))


main()
