"""The dashboard as a person sees it: served by Voila, rendered in headless Chromium."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ERROR_TEXT = ("Traceback", "Error", "Exception", "Kernel error", "No Jupyter kernel")


def test_dashboard_renders_without_errors(page, dashboard_url):
    page.goto(dashboard_url, wait_until="domcontentloaded")
    page.wait_for_selector("text=pnen-explorer", timeout=60_000)
    body = page.inner_text("body")
    assert not [word for word in ERROR_TEXT if word in body], body[:2000]
