"""The dashboard in Chinese, as a reader sees it: every tab of three teaching cases with
``?lang=zh`` shows no English word outside the names and abbreviations that stay English, and
switching language keeps the case, the tab and the outcome.

Screenshots of every tab in Chinese at 1280×720 are left in test-artifacts/.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from urllib.parse import quote

import pandas as pd
import pytest

from pnen_explorer.i18n import _, speaking
from pnen_explorer.vocabulary import TABS

from .conftest import DATA, PLOT, open_tab
from .test_presentation_browser import CASES

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Every visible text of the page but what is marked as English on purpose (a paper's title,
# its authors and journal, a study's name: lang="en"), plot texts included.
VISIBLE_TEXT = """() => {
  const root = document.querySelector('.pnen-root');
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const texts = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const element = node.parentElement;
    if (!element || element.closest('style, script, .modebar, a[href*="doi.org/"]')) continue;
    const declared = element.closest('[lang]');  // the page's own <html lang> does not count
    if (declared && root.contains(declared) && declared.lang === 'en') continue;
    if (element.closest('details:not([open]) > :not(summary)')) continue;
    const box = element.getBoundingClientRect();
    if (!box.width || !box.height || !element.checkVisibility()) continue;
    if (node.textContent.trim()) texts.push(node.textContent.trim());
  }
  return texts;
}"""

ALLOWED = {
    # names of trials, drugs, programmes and of the project; sources by their ids
    "pnen-explorer",
    "English",
    "CAPTEM",
    "NETTER",
    "CLARINET",
    "PROMID",
    "RADIANT",
    "SANET",
    "COMPETE",
    "COMPOSE",
    "SPINET",
    "TALENT",
    "lutathera",
    "Lu",
    "Ga",
    "Y",
    "DOTATATE",
    "DOTATOC",
    "DOTA",
    "Sandostatin",
    "LAR",
    "Lu-DOTATATE",
    "Autogel",
    # the two source reviews as the figures' footnote names them: authors and journals
    "Xue",
    "Chin",
    "Gen",
    "Surg",
    "Front",
    "Endocrinol",
    "Lausanne",
    "Meta",  # Meta分析, the Chinese term for a meta-analysis
    "csv",  # a file's extension
}
"""Words that stay in English in a Chinese page besides abbreviations (any word with two
capitals or a digit: PFS, OS, Ki-67, G3, NET, pNEN, mTOR, BibTeX, lu2025, 177Lu) and units."""
UNITS = {"mg", "cm", "mm", "kg", "MB", "mCi", "GBq", "ms", "vs", "p", "n", "HR", "CI"}
WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’.\-]*[A-Za-z0-9]|[A-Za-z]")


CODE = re.compile(r"\b[a-z_]+=\w+")
"""A notebook option a note names (``show_excluded=True``): code, not words."""


@functools.cache
def author_names() -> frozenset[str]:
    """The references' authors (a study is named by its first author: 'Thomas 2020'): names,
    shown as they are in every language."""
    references = pd.read_csv(DATA / "references.csv", dtype=str, keep_default_na=False)
    plain = unicodedata.normalize("NFKD", " ".join(references["authors"]))  # Riihimäki: Riihimaki
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    return frozenset(w.strip("-'’.") for w in WORD.findall(plain))


def allowed(word: str) -> bool:
    """A name, an abbreviation, a unit or an identifier; else each part of a hyphenated one."""
    whole = (
        sum(c.isupper() for c in word) >= 2
        or any(c.isdigit() for c in word)
        or word in ALLOWED
        or word in UNITS
        or word in author_names()
        or re.fullmatch(r"[A-Z][a-z]?", word) is not None  # a chemical symbol or an initial
    )
    if whole or "-" not in word:
        return whole
    return all(allowed(part) for part in word.split("-") if part)


def english_words(texts: list[str]) -> list[str]:
    """The words of ``texts`` that are English and not allowed to be."""
    found = []
    for text in texts:
        for word in WORD.findall(CODE.sub(" ", text)):
            plain = word.strip("-'’.")
            if not allowed(plain):
                found.append(f"{plain} (in {text[:60]!r})")
    return found


def tab_titles(lang: str) -> list[str]:
    with speaking(lang):
        return [_(title) for title in TABS.values()]


@pytest.mark.parametrize("case", CASES, ids=["G2-type-I", "G3-Ki67-30", "G1-type-III"])
def test_every_tab_in_chinese_shows_no_english_word(page, dashboard_url, artifacts, case):
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{dashboard_url}?case={quote(case)}&lang=zh")
    page.wait_for_selector(PLOT, state="visible", timeout=120_000)
    page.wait_for_selector(".pnen-lang-zh", timeout=60_000)
    short = case.split(",")[0].replace(" ", "-")
    problems = {}
    for key, title in zip(TABS, tab_titles("zh"), strict=True):
        open_tab(page, title)
        page.screenshot(path=str(artifacts / f"zh-{short}-{key}-1280x720.png"))
        words = english_words(page.evaluate(VISIBLE_TEXT))
        if words:
            problems[key] = words[:12]
    assert not problems, problems


def test_switching_language_keeps_the_case_the_tab_and_the_outcome(page, dashboard_url):
    case = CASES[1]
    page.goto(f"{dashboard_url}?case={quote(case)}&outcome=OS&tab=map")
    page.wait_for_selector(f"{PLOT} >> visible=true", timeout=120_000)
    link = page.locator("a.pnen-share")
    before = link.get_attribute("href")
    page.get_by_role("button", name="中文", exact=True).click()
    page.wait_for_selector(".pnen-lang-zh", timeout=60_000)
    zh_titles = tab_titles("zh")
    current = page.locator(".lm-TabBar-tab.lm-mod-current").first
    assert current.inner_text().strip() == zh_titles[list(TABS).index("map")]
    page.wait_for_function("() => document.querySelector('a.pnen-share').href.includes('lang=zh')")
    assert link.get_attribute("href") == before + "&lang=zh"
    page.get_by_role("button", name="English", exact=True).click()
    page.wait_for_function("() => !document.querySelector('a.pnen-share').href.includes('lang')")
    assert link.get_attribute("href") == before
    assert page.locator(".lm-TabBar-tab.lm-mod-current").first.inner_text().strip() == (
        "Evidence map"
    )
