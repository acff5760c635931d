"""The dashboard as a person sees it: served by Voila, rendered in headless Chromium.

Each test leaves a screenshot in test-artifacts/ (see the `page` fixture).
"""

from __future__ import annotations

import csv
import io
import re
import sys

import pytest

from .conftest import PLOT, ROOT, set_ki67, start_server, stop

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ERROR_TEXT = ("Traceback", "Error", "Exception", "Kernel error", "No Jupyter kernel")


def open_dashboard(page, url: str):
    page.goto(url)
    page.wait_for_selector(PLOT, state="visible", timeout=120_000)
    page.wait_for_selector(".pnen-grade", timeout=30_000)
    return page


def assert_no_error_text(page) -> None:
    body = page.inner_text("body")
    assert not [word for word in ERROR_TEXT if word in body], body[:2000]


def plot_title(page) -> str:
    return page.text_content(".js-plotly-plot .gtitle")


def grade(page) -> str:
    return page.inner_text(".pnen-grade")


def test_dashboard_renders_plot_and_controls(page, dashboard_url):
    open_dashboard(page, dashboard_url)
    assert page.get_by_label("Outcome", exact=True).is_visible()
    assert page.get_by_label("Ki-67 (%)", exact=True).is_visible()
    assert page.get_by_role("tab", name="Treatment options").is_visible()
    assert grade(page) == "G2"
    assert "not clinical decision support" in page.inner_text("body")
    assert "import pnen_explorer" not in page.content()  # sources are stripped
    assert_no_error_text(page)


def test_ki67_across_20_changes_grade_verdicts_and_plot(page, dashboard_url):
    open_dashboard(page, dashboard_url)
    page.get_by_role("tab", name="Outcomes").click()
    before_plot = page.inner_html(".js-plotly-plot .main-svg")
    set_ki67(page, "30")
    page.wait_for_function("() => document.querySelector('.pnen-grade').textContent === 'G3'")
    page.wait_for_function(
        "before => document.querySelector('.js-plotly-plot .main-svg').innerHTML !== before",
        arg=before_plot,
    )
    page.get_by_role("tab", name="Treatment options").click()
    verdicts = (
        "() => Array.from(document.querySelectorAll('.pnen-verdict'))"
        ".map(v => v.textContent).join('|')"
    )
    page.wait_for_selector(".pnen-verdict")
    g3_verdicts = page.evaluate(verdicts)
    set_ki67(page, "8")
    page.wait_for_function("() => document.querySelector('.pnen-grade').textContent === 'G2'")
    page.wait_for_function(f"v => ({verdicts})() !== v", arg=g3_verdicts)
    everolimus = page.locator(".pnen-card-everolimus .pnen-verdict")
    assert everolimus.inner_text() == "consider"  # progression unknown: find out first (3.2)
    assert_no_error_text(page)


def switch_outcome_and_wait(page) -> None:
    """Open Outcomes, switch to overall survival and wait until its plot is drawn."""
    page.get_by_role("tab", name="Outcomes").click()
    page.get_by_label("Outcome", exact=True).select_option(label="Overall survival (OS)")
    page.wait_for_function(f"() => ({SHOWN_TITLES})().some(t => t.includes('Overall survival'))")


SHOWN_TITLES = (
    "() => [...document.querySelectorAll('.js-plotly-plot')].filter(p => p.offsetParent)"
    ".map(p => p.querySelector('.gtitle').textContent + ' | ' + "
    "p.querySelector('.gtitle-subtitle, .gtitle + text')?.textContent)"
)
"""Title and subtitle of every plot shown (figures drawn ahead wait hidden)."""


def test_switching_outcome_changes_the_plot_and_the_link(page, dashboard_url):
    open_dashboard(page, dashboard_url)
    assert "Progression-free survival" in plot_title(page)
    switch_outcome_and_wait(page)
    page.wait_for_function(
        "() => document.querySelector('a.pnen-share').href.includes('outcome=OS')"
    )
    assert_no_error_text(page)


def test_an_outcome_drawn_ahead_is_never_shown_for_an_earlier_patient(page, dashboard_url):
    """The Outcomes tab draws the other outcomes ahead, hidden; after a change of patient the
    switch must show the new patient's figure, whether drawn again or not yet."""
    open_dashboard(page, dashboard_url)
    page.get_by_role("tab", name="Outcomes").click()
    drawn = "n => document.querySelectorAll('.pnen-plot .js-plotly-plot').length >= n"
    page.wait_for_function(drawn, arg=7, timeout=60_000)  # every outcome drawn ahead
    for ki67, outcome in (("30", "Objective response rate (ORR)"), ("8", "Overall survival (OS)")):
        set_ki67(page, ki67)
        page.wait_for_function(
            f"k => ({SHOWN_TITLES})().some(t => t.includes('Ki-67 ' + k + ' %'))", arg=ki67
        )
        page.get_by_label("Outcome", exact=True).select_option(label=outcome)
        short = outcome.split("(")[0].strip()
        page.wait_for_function(f"s => ({SHOWN_TITLES})().some(t => t.startsWith(s))", arg=short)
        shown = page.evaluate(SHOWN_TITLES)
        assert len(shown) == 1 and f"Ki-67 {ki67} %" in shown[0], shown
    assert_no_error_text(page)


PLOT_FITS = (
    "() => { const views = [...document.querySelectorAll('.pnen-plot')]"
    ".filter(v => v.offsetParent); return views.length > 0 && views.every(v => "
    "v.clientWidth > 400 && Math.abs("
    "v.querySelector('.main-svg').getBoundingClientRect().width - v.clientWidth) <= 2); }"
)


@pytest.mark.parametrize("tab", ["Outcomes", "Comparisons", "Evidence map"])
def test_plots_fill_their_panel_and_follow_the_window(page, dashboard_url, tab):
    open_dashboard(page, dashboard_url)
    page.get_by_role("tab", name=tab).click()
    page.wait_for_selector(".pnen-plot:visible .main-svg", timeout=30_000)
    page.wait_for_function(PLOT_FITS, timeout=10_000)
    page.set_viewport_size({"width": 1100, "height": 900})
    page.wait_for_function(PLOT_FITS, timeout=10_000)
    assert_no_error_text(page)


def test_query_string_opens_its_case(page, dashboard_url):
    open_dashboard(page, dashboard_url + "?ki67=30&liver_type=III&outcome=OS")
    page.wait_for_function("() => document.querySelector('.pnen-grade').textContent === 'G3'")
    assert "Overall survival" in plot_title(page)
    assert page.get_by_label("Liver type").locator("option:checked").inner_text() == "III"
    link = page.locator("a.pnen-share").get_attribute("href")
    assert "ki67=30" in link and "liver_type=III" in link and "outcome=OS" in link
    assert_no_error_text(page)


def test_invalid_query_values_fall_back_with_a_notice(page, dashboard_url):
    open_dashboard(page, dashboard_url + "?ki67=250&liver_type=IV")
    notice = page.locator(".pnen-notice").first
    notice.wait_for(timeout=30_000)
    text = page.inner_text("body")
    assert "ki67" in text and "liver_type" in text
    assert grade(page) == "unknown"  # a link names its whole case; bad fields stay unknown
    assert_no_error_text(page)


def test_script_in_the_link_is_shown_as_text_and_never_runs(page, dashboard_url):
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    hostile = (
        "?liver_type=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E&age=%3Cscript%3Ealert(2)%3C/script%3E"
    )
    open_dashboard(page, dashboard_url + hostile)
    page.locator(".pnen-notice").first.wait_for(timeout=30_000)
    notices = page.inner_text(".pnen-root")
    assert "<img src=x onerror=alert(1)>" in notices
    assert page.locator("img[src='x']").count() == 0
    page.wait_for_timeout(500)
    assert dialogs == []


def test_csv_export_downloads_with_provenance_columns(page, dashboard_url):
    open_dashboard(page, dashboard_url)
    page.get_by_role("tab", name="Evidence", exact=True).click()
    button = page.get_by_role("button", name="Evidence table (CSV)")
    button.wait_for(timeout=30_000)
    with page.expect_download() as info:
        button.click()
    assert info.value.suggested_filename == "pnen-evidence.csv"
    with open(info.value.path(), encoding="utf-8") as handle:
        text = handle.read()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows, text[:500]
    assert {"evidence_id", "source", "section", "ref_nos", "statement", "match"} <= set(rows[0])
    assert all(re.fullmatch(r"(lu2025|xue2025|primary)-\d{3}", r["evidence_id"]) for r in rows)
    assert_no_error_text(page)


def test_presenter_mode_enlarges_text(page, dashboard_url):
    open_dashboard(page, dashboard_url)
    label = "document.querySelector('.pnen-root .pnen-muted')"
    size = f"() => parseFloat(getComputedStyle({label}).fontSize)"
    before = page.evaluate(size)
    page.get_by_role("button", name="Presenter mode").click()
    page.wait_for_function(f"() => ({size})() > {before}")
    assert_no_error_text(page)


def test_dashboard_renders_under_voila_as_a_server_extension(page, tmp_path):
    """The JupyterHub route of the README: Voila inside a Jupyter server, not standalone."""
    command = [
        sys.executable,
        "-m",
        "jupyter",
        "server",
        "--allow-root",
        "--no-browser",
        "--port={port}",
        "--ServerApp.port_retries=0",
        "--ServerApp.ip=127.0.0.1",
        "--IdentityProvider.token=",
        "--ServerApp.password=",
        f"--ServerApp.root_dir={ROOT}",
    ]
    server, url = start_server(command, path="/api/status", log=tmp_path / "server.log")
    try:
        open_dashboard(page, url.replace("/api/status", "/voila/render/notebooks/dashboard.ipynb"))
        assert grade(page) == "G2"
        assert_no_error_text(page)
    finally:
        stop(server)


def test_script_in_an_uploaded_csv_is_shown_as_text_and_never_runs(page, dashboard_url, tmp_path):
    from .test_user_data import own_file

    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    hostile = own_file(
        statement="<img src=x onerror=alert(1)>", population="<script>alert(2)</script>"
    )
    upload = tmp_path / "mine.csv"
    upload.write_bytes(hostile)
    open_dashboard(page, dashboard_url)
    page.get_by_role("tab", name="Evidence", exact=True).click()
    with page.expect_file_chooser() as chooser:
        page.get_by_text("Add your evidence (.csv)").click()
    chooser.value.set_files(str(upload))
    page.get_by_text("Added 2 row(s)").wait_for(timeout=30_000)
    page.get_by_text("show rows that do not fit this patient").click()
    page.get_by_text("<script>alert(2)</script>").first.wait_for(timeout=30_000)
    page.locator("details", has_text="<img src=x onerror=alert(1)>").first.locator(
        "summary"
    ).click()  # the statement is one click away, in the row's details
    page.get_by_text("<img src=x onerror=alert(1)>").first.wait_for(timeout=30_000)
    assert page.locator("img[src='x']").count() == 0
    switch_outcome_and_wait(page)  # a round trip to the kernel and a redraw: time to run
    assert dialogs == []
    assert_no_error_text(page)
