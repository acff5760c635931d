"""Learning mode in a real browser: the verdicts a change moved, two patients compared (and
reopened from the comparison's link), a quiz answered right and wrong, and the students notebook
checking an answer in JupyterLab.

Each test leaves screenshots in test-artifacts/ at 1280×720 (see the `page` fixture).
"""

from __future__ import annotations

import shutil
import sys
from urllib.parse import quote

import pytest

from .conftest import ROOT, set_ki67, start_server, stop

pytestmark = [pytest.mark.browser, pytest.mark.slow]

G3_CASE = "G3 NET, Ki-67 30 % (3.1, 3.4)"
MOVED = ("captem", "platinum-based-chemotherapy", "prrt")
SCREEN = {"width": 1280, "height": 720}
LOAD = 120_000


def open_case(page, url: str, tab: str) -> None:
    page.set_viewport_size(SCREEN)
    page.goto(f"{url}?case={quote(G3_CASE)}&tab={tab}")
    page.wait_for_selector(".pnen-root", timeout=LOAD)


def test_changing_ki67_marks_each_moved_verdict(page, dashboard_url, artifacts):
    open_case(page, dashboard_url, "treatments")
    page.wait_for_selector(".pnen-card .pnen-card-body", timeout=LOAD)
    assert page.locator(".pnen-was").count() == 0
    set_ki67(page, "60")
    page.wait_for_function("() => document.querySelectorAll('.pnen-was').length === 3")
    line = page.locator(".pnen-changed-line").inner_text()
    assert line.startswith("3 verdicts changed: CAPTEM, platinum-based chemotherapy, PRRT")
    for slug, was in zip(MOVED, ("recommended", "not recommended", "consider"), strict=True):
        mark = page.locator(f".pnen-card-{slug} .pnen-was")
        assert mark.inner_text().startswith(f"was: {was}")
        assert "before Ki-67 (%) 30 % → 60 %" in mark.inner_text()
        assert "Why now:" in mark.inner_text()
    assert page.locator(".pnen-card-moved").count() == 3
    page.locator(".pnen-changed-line").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "learning-was-marks-1280x720.png"))
    page.locator(".pnen-card-captem").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "learning-was-card-1280x720.png"))


def comparison(page) -> dict[str, object]:
    return {
        "heads": page.locator(".pnen-compare-heads").inner_text(),
        "fields": page.locator("table.pnen-compare").first.inner_text(),
        "verdicts": page.locator(".pnen-compare-verdicts tr[data-therapy]").evaluate_all(
            "rows => rows.map(r => r.dataset.therapy)"
        ),
    }


def wait_for_comparison(page) -> None:
    page.wait_for_selector(".pnen-compare-verdicts tr[data-therapy]", timeout=LOAD)
    page.wait_for_function(
        "() => document.querySelectorAll('.pnen-compare-plots .js-plotly-plot .main-svg')"
        ".length >= 2"
    )


def test_pin_a_change_to_b_and_reopen_the_comparison_from_its_link(page, dashboard_url, artifacts):
    open_case(page, dashboard_url, "compare")
    page.get_by_role("button", name="Pin this patient as A").click()
    page.wait_for_selector("text=Pin this patient as A again", timeout=30_000)
    set_ki67(page, "60")
    wait_for_comparison(page)
    shown = comparison(page)
    assert "A G3 NET (Ki-67 30 %)" in shown["heads"] and "B G3 NET (Ki-67 60 %)" in shown["heads"]
    assert shown["verdicts"] == ["captem", "platinum-based chemotherapy", "prrt"]
    assert "Ki-67 (%)\t30 %\t60 %" in shown["fields"]
    page.screenshot(path=str(artifacts / "learning-compare-1280x720.png"))
    page.locator(".pnen-compare-plots").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "learning-compare-plots-1280x720.png"))

    link = page.get_by_role("link", name="Link to this comparison").get_attribute("href")
    assert "pin=yes" in link and "a.ki67=30" in link
    again = page.context.new_page()
    again.set_viewport_size(SCREEN)
    again.goto(dashboard_url.rstrip("/") + "/" + link.lstrip("/"))
    wait_for_comparison(again)
    assert comparison(again) == shown
    assert again.locator(".pnen-was").count() == 0  # a link opens its case afresh
    again.close()


def choose(page, question: str, answer: str) -> None:
    group = page.locator(f".pnen-quiz-choice-{question.replace(' ', '-')}")
    group.get_by_role("button", name=answer, exact=True).click()
    page.wait_for_function(
        "([q, a]) => [...document.querySelectorAll(`.pnen-quiz-choice-${q} button`)]"
        ".some(b => b.textContent.trim() === a && b.classList.contains('mod-active'))",
        arg=[question.replace(" ", "-"), answer],
    )


def test_a_quiz_answered_right_and_wrong_shows_score_and_explanation(
    page, dashboard_url, artifacts
):
    page.set_viewport_size(SCREEN)
    page.goto(f"{dashboard_url}?mode=quiz&quiz=ki67-across-55")
    page.wait_for_selector(".pnen-quiz-title", timeout=LOAD)
    assert page.locator(".pnen-card").count() == 0  # no verdict on the page
    assert page.locator(".pnen-quiz-score").count() == 0
    choose(page, "grade", "G3")  # right
    choose(page, "captem", "recommended")  # wrong: Ki-67 60 % is past the review's line
    page.screenshot(path=str(artifacts / "learning-quiz-question-1280x720.png"))
    page.get_by_role("button", name="Check my answers").click()
    page.wait_for_selector(".pnen-quiz-score", timeout=30_000)
    score = page.locator(".pnen-quiz-score").inner_text()
    assert score.startswith("Score: 1 of 5 right")
    assert "✓ right" in page.locator("tr[data-question='grade']").inner_text()
    wrong = page.locator("tr[data-question='captem']").inner_text()
    assert "✗ wrong" in wrong and "55 %" in wrong and "lu2025 3.1" in wrong
    missed = page.locator(".pnen-quiz-missed").inner_text()
    assert "CAPTEM: the answer is not recommended (you said recommended)" in missed
    page.locator(".pnen-quiz-score").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "learning-quiz-answers-1280x720.png"))


def test_the_students_notebook_checks_an_answer_in_jupyterlab(page, tmp_path, artifacts):
    """Run in a copy: JupyterLab saves what it runs, and the notebook is kept without outputs
    of widgets."""
    work = tmp_path / "lab"
    work.mkdir()
    shutil.copy(ROOT / "notebooks" / "students.ipynb", work / "students.ipynb")
    command = [
        sys.executable,
        "-m",
        "jupyter",
        "lab",
        "--allow-root",
        "--no-browser",
        "--port={port}",
        "--ServerApp.port_retries=0",
        "--ServerApp.ip=127.0.0.1",
        "--ServerApp.token=",
        "--ServerApp.password=",
        f"--ServerApp.root_dir={work}",
        "--LabApp.news_url=",
    ]
    server, url = start_server(command, path="/api/status", log=tmp_path / "lab.log")
    try:
        page.set_viewport_size(SCREEN)
        page.goto(url.replace("/api/status", "/lab/tree/students.ipynb"))
        page.wait_for_selector(".jp-Notebook", timeout=LOAD)
        # the kernel has started and is idle: Run All would otherwise find no kernel to run on
        page.get_by_text("Python 3 (ipykernel) | Idle").wait_for(timeout=LOAD)
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
        first = page.locator(".pnen-exercise").first
        first.wait_for(timeout=LOAD)
        first.scroll_into_view_if_needed()
        first.locator(".pnen-quiz-choice-grade").get_by_role("button", name="G2").click()
        first.get_by_role("button", name="Check my answers").click()
        score = first.locator(".pnen-quiz-score")
        score.wait_for(timeout=30_000)
        assert score.inner_text().startswith("Score: 1 of 5 right")
        assert "✓ right" in first.locator("tr[data-question='grade']").inner_text()
        score.scroll_into_view_if_needed()
        page.screenshot(path=str(artifacts / "learning-students-notebook-1280x720.png"))
    finally:
        stop(server)
