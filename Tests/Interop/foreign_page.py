"""A web page from elsewhere tries to drive the installation through the operator's browser, as
the probe's did; reports what happened as JSON on stdout, and the Swift test asserts on it.

    foreign_page.py DASHBOARD_URL BACKEND_URL STATION_NAME

The page is served from another local origin (http://127.0.0.1:<its own port>) and again under
a foreign name (http://evil.example:<port>, which chromium is told resolves to 127.0.0.1). From
each it sends what browsers send across sites without asking: POSTs with text/plain bodies
(fetch in no-cors mode), and a form posted into a hidden frame; then what they ask about first:
JSON. Last, chromium opens the station by the foreign name, as a page would after rebinding its
DNS name to this machine. Then the script asks the station and the backend directly whether any
client started or any session was created, and whether the operator can still start one.
"""

import http.server
import json
import socketserver
import sys
import threading
import urllib.parse
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.support.ui import WebDriverWait

dashboard, backend, station_name = sys.argv[1].rstrip("/"), sys.argv[2].rstrip("/"), sys.argv[3]
report = {"attempts": {}}

ATTACK = """<!doctype html><meta charset="utf-8"><title>attack</title>
<iframe name="sink" style="display:none"></iframe>
<form id="form" method="POST" enctype="text/plain" target="sink"></form>
<script>
const station = %(station)s, backend = %(backend)s, name = %(name)s;
const room = {roomUrl: "ws://127.0.0.1:9/rooms/attacker", token: "attacker-token", backendUrl: "http://127.0.0.1:9"};
const results = {};
async function attempt(what, request) {
  try {
    const response = await request();
    results[what] = response.type === "opaque" ? "sent" : "answered " + response.status;
  } catch (error) {
    results[what] = "blocked by the browser";
  }
}
function post(form, action, field, value) {
  form.action = action;
  form.innerHTML = "";
  const input = document.createElement("input");
  input.name = field;
  input.value = value;
  form.appendChild(input);
  form.submit();
}
(async () => {
  const plain = {method: "POST", mode: "no-cors", headers: {"Content-Type": "text/plain"}};
  await attempt("station start, text/plain", () => fetch(station + "/api/start_pi_client", {...plain, body: JSON.stringify(room)}));
  await attempt("backend connect, text/plain", () => fetch(backend + "/api/connect", {...plain, body: JSON.stringify({station: name})}));
  await attempt("backend connect, no body type", () => fetch(backend + "/connect", {method: "POST", mode: "no-cors", body: "{}"}));
  const json = {method: "POST", headers: {"Content-Type": "application/json"}};
  await attempt("station start, JSON", () => fetch(station + "/api/start_pi_client", {...json, body: JSON.stringify(room)}));
  await attempt("backend connect, JSON", () => fetch(backend + "/api/connect", {...json, body: JSON.stringify({station: name})}));
  // A form's text/plain body reads as JSON when the field's name is most of it.
  const form = document.getElementById("form");
  post(form, backend + "/api/connect", '{"station": "' + name + '", "x": "', '"}');
  await new Promise((resolve) => setTimeout(resolve, 1000));
  post(form, station + "/api/start_pi_client", JSON.stringify(room).slice(0, -1) + ', "x": "', '"}');
  await new Promise((resolve) => setTimeout(resolve, 1000));
  results["forms"] = "posted";
  window.results = results;
})();
</script>"""


class Page(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = (ATTACK % {"station": json.dumps(dashboard), "backend": json.dumps(backend), "name": json.dumps(station_name)}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *arguments):
        pass


def get(url):
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Page)
threading.Thread(target=server.serve_forever, daemon=True).start()
port = server.server_address[1]

options = Options()
options.binary_location = "/usr/bin/chromium"
for argument in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--host-resolver-rules=MAP evil.example 127.0.0.1"]:
    options.add_argument(argument)
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
driver.set_page_load_timeout(30)
try:
    for origin in [f"http://127.0.0.1:{port}", f"http://evil.example:{port}"]:
        driver.get(origin + "/")
        WebDriverWait(driver, 30, poll_frequency=0.2).until(lambda d: d.execute_script("return window.results !== undefined"))
        report["attempts"][origin] = driver.execute_script("return window.results")

    # DNS rebinding: the station's own page, reached by a name that is not the station's.
    station_port = dashboard.rsplit(":", 1)[1]
    driver.get(f"http://evil.example:{station_port}/")
    report["rebound_page"] = driver.find_element("tag name", "body").text[:300]
finally:
    driver.quit()
    server.shutdown()

report["clients"] = get(dashboard + "/api/clients")
report["sessions"] = get(backend + "/api/sessions?status=live&station=" + urllib.parse.quote(station_name))["sessions"]
connect = urllib.request.Request(backend + "/api/connect", data=json.dumps({"station": station_name}).encode(),
                                 headers={"Content-Type": "application/json"})
with urllib.request.urlopen(connect, timeout=10) as response:
    report["operator_connect"] = response.status
print(json.dumps(report))
