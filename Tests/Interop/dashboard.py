"""Drives the station's dashboard in headless chromium, as an operator would, and reports what
it saw as JSON on stdout; the Swift test asserts on the report.

    dashboard.py DASHBOARD_URL SCREENSHOT_PATH

Start Experience, wait for the greeting clip in the log, type a visitor line, wait for the
answer, reload (the dashboard must find the live session again), search and play a clip by
hand, Stop, wait for the end. A step that does not happen within its time is reported with
what the page showed, not raised, so the test can say which step failed.
"""

import json
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

url, screenshot = sys.argv[1], sys.argv[2]
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
        WebDriverWait(driver, seconds, poll_frequency=0.1).until(lambda d: condition(d))
    except Exception:
        report["failed"] = {
            "step": what,
            "banner": text(driver, "#banner") if driver.find_element(By.ID, "banner").is_displayed() else None,
            "status": text(driver, "#session-status"),
            "log": entries(driver)[-12:],
        }
        raise
    report["steps"].append({"step": what, "seconds": round(time.monotonic() - started, 3)})


def main():
    driver = browser()
    try:
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
    except Exception as error:  # reported, with the page's state, for the test to show
        report.setdefault("error", f"{type(error).__name__}: {error}")
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
