"""The web console in a real browser: Debian's chromium driven by Selenium through Debian's chromedriver.

An admin logs in with the token, filters the list, opens an incident, confirms it with a note; the store and
the `leekguard incidents` CLI see the review. LEEKGUARD_SCREENSHOTS=docs/ also saves the pages' pictures
(that is how docs/web-*.png are made)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.support.web import TOKEN, cli_samples, cli_show

pytestmark = pytest.mark.browser


def browser():
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver") or ("/usr/bin/chromedriver" if Path("/usr/bin/chromedriver").exists() else None)
    if not chromium or not driver:
        pytest.skip("Debian chromium and chromium-driver are not installed "
                    "(apt-get install -y chromium chromium-driver); CI installs them")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1300,900",
                "--disable-background-networking", "--disable-component-update", "--no-first-run", "--lang=en-US"):
        options.add_argument(arg)
    options.add_experimental_option("prefs", {"intl.accept_languages": "en-US,en"})
    return webdriver.Chrome(service=Service(driver), options=options)


@pytest.fixture
def chrome():
    driver = browser()
    try:
        yield driver
    finally:
        driver.quit()


def click(driver, element) -> None:
    """Click something that loads a page, and wait until the new page has replaced the old one."""
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    old = driver.find_element(By.TAG_NAME, "html")
    element.click()

    def replaced(_driver) -> bool:
        # EC.staleness_of, plus the other answer chromedriver gives when it asks about a node mid-navigation
        try:
            old.is_enabled()
            return False
        except StaleElementReferenceException:
            return True
        except WebDriverException as exc:
            if "does not belong to the document" in str(exc):
                return True
            raise

    WebDriverWait(driver, 15).until(replaced)
    WebDriverWait(driver, 15).until(lambda d: d.execute_script("return document.readyState") == "complete")


def shoot(driver, name: str, tmp_path: Path) -> None:
    where = Path(os.environ.get("LEEKGUARD_SCREENSHOTS") or tmp_path)
    where.mkdir(parents=True, exist_ok=True)
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1300, max(700, min(int(height) + 40, 2000)))
    assert driver.save_screenshot(str(where / f"web-{name}.png"))
    assert (where / f"web-{name}.png").stat().st_size > 10_000


def test_log_in_filter_open_confirm_and_the_cli_sees_it(site, chrome, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    url, db, ids = site
    chrome.get(url + "/")
    assert chrome.current_url == url + "/login"  # nothing without the token
    chrome.find_element(By.ID, "token").send_keys("not-the-token")
    click(chrome, chrome.find_element(By.ID, "login"))
    assert "Wrong token" in chrome.find_element(By.ID, "login-error").text
    shoot(chrome, "login", tmp_path)
    chrome.find_element(By.ID, "token").send_keys(TOKEN)
    click(chrome, chrome.find_element(By.ID, "login"))

    rows = chrome.find_elements(By.CSS_SELECTOR, "#incidents tbody tr")
    assert [int(r.get_attribute("data-id")) for r in rows] == [ids["hostile"], ids["api"], ids["clean"], ids["course"]]
    hostile = chrome.find_element(By.CSS_SELECTOR, f'tr[data-id="{ids["hostile"]}"]').text
    assert "<script>alert('xss')</script>" in hostile and "<b>boss</b>" in hostile  # shown as text, not run
    assert chrome.execute_script("return document.querySelectorAll('main script, main b, main img').length") == 0
    shoot(chrome, "list", tmp_path)

    Select(chrome.find_element(By.NAME, "verdict")).select_by_value("scam")
    chrome.find_element(By.ID, "q").send_keys("月入过万")
    click(chrome, chrome.find_element(By.ID, "filter"))
    rows = chrome.find_elements(By.CSS_SELECTOR, "#incidents tbody tr")
    assert [int(r.get_attribute("data-id")) for r in rows] == [ids["course"]]

    click(chrome, rows[0].find_element(By.CSS_SELECTOR, "a.open-incident"))
    assert chrome.find_element(By.CSS_SELECTOR, "#message mark").text == "零基础月入过万"  # evidence highlighted
    assert "paid_course.income" in chrome.find_element(By.ID, "findings").text
    assert chrome.find_element(By.ID, "state").text == "open"
    chrome.find_element(By.ID, "note").send_keys("网页审核: 典型割韭菜")
    click(chrome, chrome.find_element(By.ID, "confirm"))
    assert chrome.find_element(By.ID, "state").text == "confirmed"
    assert "is now confirmed" in chrome.find_element(By.ID, "flash").text
    assert "网页审核: 典型割韭菜" in chrome.find_element(By.ID, "review-record").text
    shoot(chrome, "incident", tmp_path)

    shown = cli_show(db, ids["course"])
    assert (shown["state"], shown["review_note"], shown["reviewed_by"]) == ("confirmed", "网页审核: 典型割韭菜",
                                                                            "web:admin")
    assert [(s["incident_id"], s["label"]) for s in cli_samples(db)] == [(ids["course"], "scam")]

    chrome.get(url + "/stats")
    assert chrome.find_element(By.ID, "total").text == "4"
    bar = chrome.find_element(By.CSS_SELECTOR, '#outcomes .row[data-label="confirmed"] .bar')
    assert bar.size["width"] > 5  # the chart is drawn
    shoot(chrome, "stats", tmp_path)


def test_chinese_browser_gets_chinese_pages(site, tmp_path):
    from selenium import webdriver  # noqa: F401  (skips first when chromium is absent)
    from selenium.webdriver.common.by import By

    driver = browser()
    try:
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd("Network.setExtraHTTPHeaders", {"headers": {"Accept-Language": "zh-CN,zh;q=0.9"}})
        url, _, _ = site
        driver.get(url + "/login")
        assert driver.find_element(By.ID, "login").text == "登录"
        driver.find_element(By.ID, "token").send_keys(TOKEN)
        click(driver, driver.find_element(By.ID, "login"))
        assert driver.find_element(By.TAG_NAME, "h1").text == "事件"
        shoot(driver, "list-zh", tmp_path)
    finally:
        driver.quit()
