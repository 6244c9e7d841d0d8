"""The portal in a real browser: Debian's Chromium, headless, driven by Selenium through Debian's
chromedriver (nothing is downloaded; the tests skip, saying why, where the two are not installed;
./test.sh installs them as root).  A hospital logs in, downloads its template, uploads a
non-compliant workbook with a data problem, sees the problem and the findings and downloads its
PDF report; the supervisor sees the hospital on the dashboard and drills down to it.  Every page
is photographed at desktop and phone widths into $COMPLIANCE_SCREENSHOTS (default: the test's
temporary folder)."""

from __future__ import annotations

import io
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from tests.portal_site import (
    HARBIN_2,
    PASSWORD,
    live_server,
    number_cell,
    workbook_bytes,
)

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}
pytestmark = pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER),
                                reason="Debian's chromium and chromium-driver are not installed (./test.sh installs "
                                       "them when run as root)")


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    downloads = tmp_path / "downloads"
    downloads.mkdir()
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM  # type: ignore[assignment]
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--disable-dev-shm-usage", f"--user-data-dir={tmp_path / 'profile'}", "--lang=zh-CN"):
        options.add_argument(argument)
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                              "download.prompt_for_download": False})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.downloads = downloads
    driver.set_window_size(*WIDTHS["desktop"])
    try:
        yield driver
    finally:
        driver.quit()


def _shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("COMPLIANCE_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def photograph(driver: Any, folder: Path, name: str) -> None:
    """Full-page pictures of the current page at each width (the window is set back to desktop)."""
    for label, (width, height) in WIDTHS.items():
        driver.set_window_size(width, height)
        full = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(width, min(max(height, full + 140), 6000))
        driver.save_screenshot(str(folder / f"{name}-{label}.png"))
        overflow = driver.execute_script("return document.documentElement.scrollWidth > window.innerWidth + 1")
        assert not overflow, f"{name} is wider than the {label} window"
    driver.set_window_size(*WIDTHS["desktop"])


def _wait_for(predicate: Any, what: str, seconds: float = 120) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _text(driver: Any, css: str = "main") -> str:
    """The text of the first element `css` once the page shows one (retried while a page loads)."""
    from selenium.common.exceptions import (
        NoSuchElementException,
        StaleElementReferenceException,
        WebDriverException,
    )
    from selenium.webdriver.common.by import By

    def read() -> str | None:
        try:
            return driver.find_element(By.CSS_SELECTOR, css).text or None
        except (NoSuchElementException, StaleElementReferenceException):
            return None
        except WebDriverException as exc:
            # Chromium's way of saying "stale" when the page is replaced between the find and the read
            if "does not belong to the document" in str(exc):
                return None
            raise

    return _wait_for(read, f"the page's {css}")


def _element(driver: Any, css: str) -> Any:
    """The first element `css` once the page shows one (retried while a page loads)."""
    from selenium.common.exceptions import NoSuchElementException
    from selenium.webdriver.common.by import By

    def find() -> Any:
        try:
            return driver.find_element(By.CSS_SELECTOR, css)
        except NoSuchElementException:
            return None

    return _wait_for(find, css)


def _shows(driver: Any, *words: str, css: str = "main") -> str:
    def found() -> str | None:
        text = _text(driver, css)
        return text if all(word in text for word in words) else None

    return _wait_for(found, f"{words} on the page")


def _downloaded(driver: Any, suffix: str) -> Path:
    return _wait_for(lambda: next((p for p in driver.downloads.iterdir() if p.name.endswith(suffix)), None),
                     f"a {suffix} download")


def _log_in(driver: Any, base: str, username: str) -> None:
    from selenium.webdriver.common.by import By

    driver.get(base + "/")
    driver.find_element(By.NAME, "username").send_keys(username)
    driver.find_element(By.NAME, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    _wait_for(lambda: "/login/" not in driver.current_url, "the login")


def test_hospital_uploads_and_supervisor_reviews(site: Any, browser: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    shots = _shots(tmp_path)
    server, base = live_server()
    try:
        browser.get(base + "/")
        photograph(browser, shots, "01-login")
        browser.find_element(By.NAME, "username").send_keys("h2")
        browser.find_element(By.NAME, "password").send_keys("wrong-password")
        browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        _shows(browser, "不正确", css=".alert")
        photograph(browser, shots, "02-login-failed")

        _log_in(browser, base, "h2")
        assert browser.current_url.endswith("/hospital/")
        photograph(browser, shots, "03-hospital-empty")
        _element(browser, "a[href='/hospital/template.xlsx']").click()
        template = openpyxl.load_workbook(_downloaded(browser, ".xlsx"))
        assert HARBIN_2 in [c.value for s in template.worksheets for row in s.iter_rows() for c in row]

        workbook = tmp_path / "本院2025年自评.xlsx"
        book = openpyxl.load_workbook(io.BytesIO(workbook_bytes(HARBIN_2)))
        sheet, ref = number_cell(book)
        book[sheet][ref] = "约三成"  # text where a number belongs: a data problem naming the cell
        book.save(workbook)
        _element(browser, "#files").send_keys(str(workbook))
        browser.find_element(By.CSS_SELECTOR, "form[enctype] button[type=submit]").click()
        _wait_for(lambda: "/uploads/" in browser.current_url, "the upload's page")
        _shows(browser, "数据问题", ref, "不达标", "整改建议", "依据")
        photograph(browser, shots, "04-upload-result")
        browser.find_element(By.XPATH, "//a[contains(@href, '/report')]").click()
        pdf = _downloaded(browser, ".pdf")
        assert pdf.read_bytes().startswith(b"%PDF")

        browser.get(base + "/hospital/")
        _shows(browser, workbook.name)
        photograph(browser, shots, "05-hospital-with-upload")
        browser.find_element(By.CSS_SELECTOR, "form[action='/language/'] button").click()
        _shows(browser, "Submissions")
        photograph(browser, shots, "06-hospital-english")
        browser.find_element(By.CSS_SELECTOR, "form[action='/language/'] button").click()
        _shows(browser, "报送记录")
        _element(browser, "form[action='/logout/'] button").click()
        _wait_for(lambda: "/login/" in browser.current_url, "the logout")

        _log_in(browser, base, "sup")
        assert browser.current_url.endswith("/supervisor/")
        _shows(browser, HARBIN_2, "未报送")
        photograph(browser, shots, "07-dashboard")
        _element(browser, f"a[href='/supervisor/hospitals/{HARBIN_2}/']").click()
        _shows(browser, workbook.name)
        photograph(browser, shots, "08-drill-down")
        browser.find_element(By.XPATH, f"//a[text()='{workbook.name}']").click()
        _shows(browser, "核查结果")
        browser.get(base + "/supervisor/waivers/")
        photograph(browser, shots, "09-waivers")
        browser.get(base + "/supervisor/audits/")
        photograph(browser, shots, "10-audits")
        browser.get(base + "/supervisor/no-such-page/")
        photograph(browser, shots, "11-not-found")
    finally:
        server.close()
