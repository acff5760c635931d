"""The interface's catalogue: every string translated, none stale, meaning kept, compiled."""

from __future__ import annotations

import ast
import gettext
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from pnen_explorer import i18n
from pnen_explorer.i18n import _, speaking
from pnen_explorer.translations import glossary_rows, meaning

PACKAGE = Path(i18n.__file__).parent
PO = i18n.LOCALE_DIR / "zh" / "LC_MESSAGES" / f"{i18n.DOMAIN}.po"
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
PLACEHOLDER = re.compile(r"\{(\w*)\}")


def _key(message_id: str | tuple[str, ...]) -> str:
    return message_id if isinstance(message_id, str) else message_id[0]


@pytest.fixture(scope="module")
def extracted() -> set[str]:
    """Every msgid the code holds, found as ``make messages`` finds them."""
    found = extract_from_dir(
        str(PACKAGE), method_map=[("**.py", "python")], keywords=KEYWORDS, comment_tags=()
    )
    return {_key(message) for _file, _line, message, _comments, _context in found}


@pytest.fixture(scope="module")
def catalogue():
    with PO.open("rb") as handle:
        return read_po(handle)


def test_every_interface_string_has_a_chinese_text(extracted, catalogue):
    entries = {_key(m.id): m for m in catalogue if m.id}
    missing = sorted(extracted - set(entries))
    assert not missing, f"not in the catalogue (run `make messages`): {missing[:10]}"
    untranslated = sorted(k for k, m in entries.items() if not (m.string and all(m.string)))
    assert not untranslated, f"no Chinese text: {untranslated[:10]}"
    fuzzy = sorted(k for k, m in entries.items() if m.fuzzy)
    assert not fuzzy, f"marked fuzzy (check and unmark): {fuzzy[:10]}"


def test_no_catalogue_entry_is_stale(extracted, catalogue):
    stale = sorted({_key(m.id) for m in catalogue if m.id} - extracted)
    assert not stale, f"no longer in the code (run `make messages`): {stale[:10]}"


def test_every_translation_keeps_placeholders_numbers_and_thresholds(catalogue):
    for message in catalogue:
        if not message.id:
            continue
        english = _key(message.id)
        chinese = message.string if isinstance(message.string, str) else message.string[0]
        assert sorted(PLACEHOLDER.findall(english)) == sorted(PLACEHOLDER.findall(chinese)), english
        assert meaning(english) == meaning(chinese), (english, chinese)
        assert re.findall(r"<[^>]+>", english) == re.findall(r"<[^>]+>", chinese), english


def test_glossary_words_are_the_glossary_s(catalogue):
    """A word of the glossary said by the interface is the glossary's Chinese word."""
    terms: dict[str, set[str]] = {}
    for row in glossary_rows():
        terms.setdefault(row["term_en"], set()).add(row["term_zh"])
    for message in catalogue:
        if message.id and _key(message.id) in terms:
            assert message.string in terms[_key(message.id)], (message.id, message.string)


def test_no_translated_call_inside_an_f_string():
    """Babel cannot see ``_()`` inside an f-string on Python 3.11: such a text would stay
    English in a Chinese page."""
    hidden = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.JoinedStr):
                for inner in ast.walk(node):
                    if (
                        isinstance(inner, ast.Call)
                        and isinstance(inner.func, ast.Name)
                        and inner.func.id in KEYWORDS
                    ):
                        hidden.append(f"{path.relative_to(PACKAGE)}:{inner.lineno}")
    assert not hidden, f"_() inside an f-string: {hidden}"


def test_the_compiled_catalogue_is_the_po_file(catalogue):
    """The .mo gettext reads (built by make or the wheel) says what the .po says."""
    mo = PO.with_suffix(".mo")
    assert mo.is_file(), "run `make catalogues`"
    with mo.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for message in catalogue:
        if message.id and isinstance(message.id, str):
            assert compiled.gettext(message.id) == message.string, message.id


def test_the_language_is_the_context_s():
    with speaking("zh"):
        assert _("Outcome") == "结局"
        with speaking("en"):
            assert _("Outcome") == "Outcome"
        assert i18n.current() == "zh"
    assert _("Outcome") == "Outcome"


def test_an_unknown_language_is_refused_in_words():
    refusal = "no interface language 'fr'; expected one of en, zh"
    with pytest.raises(ValueError, match=refusal), speaking("fr"):
        pass


def test_a_notebook_sets_its_language_once():
    try:
        i18n.set_language("zh")
        assert _("Outcome") == "结局"
        with speaking("en"):
            assert _("Outcome") == "Outcome"
    finally:
        i18n.set_language("en")
    assert _("Outcome") == "Outcome"
