"""Therapy cards in a real browser: a card's evidence button opens the Evidence tab with exactly
the card's rows, and the cards read at classroom screen sizes.

Each test leaves a screenshot in test-artifacts/ (see the `page` fixture).
"""

from __future__ import annotations

from urllib.parse import quote

import pytest

from .conftest import PLOT

pytestmark = [pytest.mark.browser, pytest.mark.slow]

RESECTABLE_G2 = "G2 NET, type I, resectable (section 1.1)"
SIZES = ((1024, 768), (1280, 720), (1440, 900))

SHOWN_IDS = """() => [...document.querySelectorAll('table.pnen-evidence dt')]
  .filter(dt => dt.textContent.trim() === 'Row')
  .map(dt => dt.nextElementSibling.textContent.trim())"""

WIDER_THAN_VIEWPORT = """() => [...document.querySelectorAll('.pnen-cards *')]
  .filter(e => e.offsetParent)
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
  .map(e => e.className || e.tagName).slice(0, 5)"""


def open_treatments(page, url: str, case: str = RESECTABLE_G2) -> None:
    page.goto(f"{url}?case={quote(case)}")
    page.wait_for_selector(PLOT, state="visible", timeout=120_000)
    page.get_by_role("tab", name="Treatment options", exact=True).click()
    page.wait_for_selector(".pnen-card .pnen-card-body", timeout=30_000)


def card(page, therapy: str):
    slug = "".join(c if c.isalnum() else "-" for c in therapy)
    return page.locator(f".pnen-card-{slug}")


@pytest.mark.parametrize("therapy", ["prrt", "captem"])
def test_a_card_button_opens_the_evidence_tab_with_exactly_its_rows(page, dashboard_url, therapy):
    open_treatments(page, dashboard_url)
    body = card(page, therapy).locator(".pnen-card-body")
    count = int(body.get_attribute("data-count"))
    ids = sorted(body.get_attribute("data-ids").split())
    assert count == len(ids) > 0
    button = card(page, therapy).locator("button")
    assert f"Show the {count} fitting rows" in button.inner_text()
    button.click()
    page.wait_for_function(
        "() => [...document.querySelectorAll('.lm-TabBar-tab.lm-mod-current')]"
        ".some(e => e.textContent.trim() === 'Evidence')"
    )
    page.wait_for_function(
        "n => { const c = document.querySelector('table.pnen-evidence caption');"
        " return c && c.offsetParent && c.textContent.trim() === n + ' rows'; }",
        arg=count,
    )
    assert sorted(page.evaluate(SHOWN_IDS)) == ids
    selected = page.get_by_label("Therapy", exact=True).evaluate(
        "s => s.options[s.selectedIndex].text"
    )
    assert selected.replace("\xa0", " ").endswith(f"({count} rows)")


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_cards_read_at_classroom_sizes(page, dashboard_url, artifacts, width, height):
    page.set_viewport_size({"width": width, "height": height})
    open_treatments(page, dashboard_url)
    heads = page.locator(".pnen-verdict-head").all_inner_texts()
    assert heads[0].startswith("recommended")
    assert page.evaluate(WIDER_THAN_VIEWPORT) == []
    page.screenshot(path=str(artifacts / f"cards-top-{width}x{height}.png"))
    prrt = card(page, "prrt")
    prrt.locator("summary", has_text="Figures in patients like this one").click()
    prrt.scroll_into_view_if_needed()
    prrt.screenshot(path=str(artifacts / f"card-prrt-{width}x{height}.png"))
    assert "Find out whether the disease is progressing" in prrt.inner_text()
