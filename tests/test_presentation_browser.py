"""The dashboard as a class sees it: every tab of three teaching cases at the sizes of
classroom screens and projectors, in normal and presenter mode, with axe-core and a keyboard.

Each test leaves screenshots in test-artifacts/ (see the `page` fixture and `shot`).
"""

from __future__ import annotations

from urllib.parse import quote

import pytest

from pnen_explorer.vocabulary import TABS

from .conftest import PLOT, open_tab

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SIZES = ((1024, 768), (1280, 720), (1440, 900))
CASES = (
    "G2 NET, type I, resectable (section 1.1)",
    "G3 NET, Ki-67 30 % (3.1, 3.4)",
    "G1 NET, diffuse type III, SSTR+ (3.5)",
)
PRESENTER_MIN_PX = 20

# Boxes of every text a plot draws, per plot, to find labels cut with "…" or drawn over
# each other. Texts of one legend entry, tick labels of one axis and hidden texts are skipped.
PLOT_TEXTS = """() => [...document.querySelectorAll('.js-plotly-plot')]
  .filter(p => p.offsetParent)
  .map(p => [...p.querySelectorAll('text')]
    .filter(t => t.textContent.trim() && t.getBBox().width > 0)
    .map(t => { const b = t.getBoundingClientRect();
      return { text: t.textContent, x: b.left, y: b.top, w: b.width, h: b.height,
               cls: t.getAttribute('class') || t.parentNode.getAttribute('class') || '' }; }))"""

WIDER_THAN_VIEWPORT = """() => [...document.querySelectorAll('.pnen-root *')]
  .filter(e => e.offsetParent && !e.closest('.pnen-scroll'))
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
  .map(e => e.className || e.tagName).slice(0, 5)"""


def open_case(page, url: str, case: str, presenter: bool = False):
    query = f"?case={quote(case)}" + ("&presenter=yes" if presenter else "")
    page.goto(url + query)
    page.wait_for_selector(PLOT, state="visible", timeout=120_000)
    page.wait_for_selector(".pnen-grade", state="attached", timeout=30_000)
    if presenter:
        page.wait_for_selector(".pnen-presenter", timeout=30_000)


def overlaps(texts: list[dict]) -> list[tuple[str, str]]:
    """Pairs of plot texts whose boxes cross (by more than 2 px each way)."""
    found = []
    for i, a in enumerate(texts):
        for b in texts[i + 1 :]:
            if (
                min(a["x"] + a["w"], b["x"] + b["w"]) - max(a["x"], b["x"]) > 2
                and min(a["y"] + a["h"], b["y"] + b["h"]) - max(a["y"], b["y"]) > 2
            ):
                found.append((a["text"], b["text"]))
    return found


@pytest.mark.parametrize("presenter", [False, True], ids=["normal", "presenter"])
@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_every_tab_fits_the_screen_and_no_label_is_cut(
    page, dashboard_url, artifacts, size, presenter
):
    width, height = size
    page.set_viewport_size({"width": width, "height": height})
    problems: list[str] = []
    for case in CASES:
        open_case(page, dashboard_url, case, presenter)
        for title in TABS.values():
            open_tab(page, title)
            where = f"{case} / {title} at {width}x{height}{' presenter' if presenter else ''}"
            wide = page.evaluate(WIDER_THAN_VIEWPORT)
            if wide or page.evaluate("document.documentElement.scrollWidth > innerWidth + 1"):
                problems.append(f"{where}: wider than the screen: {wide}")
            for texts in page.evaluate(PLOT_TEXTS):
                cut = [t["text"] for t in texts if t["text"].rstrip().endswith("…")]
                if cut:
                    problems.append(f"{where}: labels cut: {cut[:3]}")
                crossing = overlaps(texts)
                if crossing:
                    problems.append(f"{where}: texts over each other: {crossing[:3]}")
            if title == "Outcomes":
                axis = page.evaluate(
                    "() => { const p = document.querySelector('.pnen-plot:not([hidden]) .xtick');"
                    " return p ? p.getBoundingClientRect().bottom : null; }"
                )
                if axis is None or axis > height:
                    problems.append(f"{where}: the x-axis is below the first screen ({axis})")
        page.screenshot(
            path=str(
                artifacts / f"presentation-{width}x{height}-{presenter}-{CASES.index(case)}.png"
            )
        )
    assert not problems, "\n".join(problems)


def test_presenter_mode_shows_every_text_at_projector_size(page, dashboard_url, artifacts):
    page.set_viewport_size({"width": 1280, "height": 720})
    open_case(page, dashboard_url, CASES[0], presenter=True)
    sizes: dict[str, float] = {}
    selectors = {
        "Outcomes": {
            "plot title": ".pnen-plot .gtitle",
            "legend": ".pnen-plot .legendtext",
            "caption or annotation": ".pnen-plot .annotation-text",
            "axis labels": ".pnen-plot .ytick text",
            "dropdown": ".widget-dropdown select",
            "case summary": ".pnen-summary",
        },
        "Treatment options": {"citation": ".pnen-cite", "table": "table.pnen td"},
        "Evidence": {"table": "table.pnen-evidence td", "help text": ".pnen-help"},
    }
    for title, parts in selectors.items():
        open_tab(page, title)
        for name, selector in parts.items():
            sizes[f"{title}: {name}"] = page.evaluate(
                "s => Math.min(...[...document.querySelectorAll(s)].filter(e => e.offsetParent"
                " || e.closest('svg')).map(e => parseFloat(getComputedStyle(e).fontSize)))",
                selector,
            )
    page.screenshot(path=str(artifacts / "presenter-1280x720.png"))
    small = {k: v for k, v in sizes.items() if not v >= PRESENTER_MIN_PX}
    assert not small, small


@pytest.mark.parametrize("case", CASES[:1])
def test_axe_finds_no_serious_or_critical_violation_on_any_tab(page, dashboard_url, case):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    open_case(page, dashboard_url, case)
    found = {}
    for title in TABS.values():
        open_tab(page, title)
        results = axe.run(page)
        serious = [
            f"{v['id']}: {v['help']} ({len(v['nodes'])}×, e.g. {v['nodes'][0]['target']}: "
            f"{v['nodes'][0].get('html', '')[:200]})"
            for v in results.response["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        if serious:
            found[title] = serious
    assert not found, found


def test_the_keyboard_alone_changes_the_case_and_the_tab(page, dashboard_url):
    open_case(page, dashboard_url, CASES[0])
    page.get_by_label("Ki-67 (%)", exact=True).focus()
    page.keyboard.press("Control+A")
    page.keyboard.type("30")
    page.keyboard.press("Tab")  # leaving the field commits it
    page.wait_for_function("() => document.querySelector('.pnen-grade').textContent === 'G3'")
    reached = []
    for _ in range(60):  # Tab on through the page until the tab bar has the focus
        page.keyboard.press("Tab")
        reached.append(page.evaluate("document.activeElement.className"))
        if page.evaluate("!!document.activeElement.closest('.lm-TabBar')"):
            break
    else:
        pytest.fail(f"the tab bar was not reached with Tab: {reached[-10:]}")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => document.querySelector('.lm-TabBar-tab.lm-mod-current').textContent.trim()"
        " !== 'Outcomes'"
    )


def test_no_request_leaves_the_machine(page, dashboard_url):
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url))
    open_case(page, dashboard_url, CASES[1])
    for title in TABS.values():
        open_tab(page, title)
    local = ("http://127.0.0.1", "data:", "blob:")
    assert [u for u in asked if not u.startswith(local)] == []
    assert page.title().startswith("pnen-explorer")
