"""The interface's own words in the reader's language, through gettext catalogues.

Labels, buttons, notices, error messages, plot titles and axes are written in English in the
code and wrapped in :func:`_` where they are shown (or marked with :func:`N_` where they are
defined as data, and passed through :func:`_` when shown). Babel extracts them into
``pnen_explorer/locale/pnen_explorer.pot``; the Chinese texts are in
``pnen_explorer/locale/zh/LC_MESSAGES/pnen_explorer.po``; the compiled ``.mo`` beside it is
built by ``make`` (``make catalogues``) or when the wheel is built, never edited by hand.

The content (rule reasons, evidence statements, populations, notes) is data, translated in
``data/translations_zh.csv`` (see :mod:`pnen_explorer.translations`).

Which language :func:`_` speaks is the context's: a view draws inside
``with speaking(session.language):``, so the same code serves a page in English and one in
Chinese, and two pages in one kernel never mix.

>>> with speaking("zh"):
...     _("Outcome")
'结局'
>>> _("Outcome")
'Outcome'
"""

from __future__ import annotations

import gettext
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path

LANGUAGES = {"en": "English", "zh": "中文"}
"""The interface's languages (code as a link names it -> its own name), English first."""
DEFAULT_LANGUAGE = "en"
DOMAIN = "pnen_explorer"
LOCALE_DIR = Path(__file__).parent / "locale"

log = logging.getLogger(__name__)
_language: ContextVar[str | None] = ContextVar("pnen_language", default=None)
_default = [DEFAULT_LANGUAGE]


@cache
def catalogue(lang: str) -> gettext.NullTranslations:
    """The compiled catalogue of ``lang`` (English: the texts as written).

    A missing compiled file is logged and the page falls back to English; ``make`` and the
    wheel build compile it, and the test suite fails without it.
    """
    if lang == DEFAULT_LANGUAGE:
        return gettext.NullTranslations()
    try:
        return gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang])
    except OSError:
        log.warning("no compiled %s catalogue in %s: run `make catalogues`", lang, LOCALE_DIR)
        return gettext.NullTranslations()


def current() -> str:
    """The language the interface speaks here and now (``'en'`` or ``'zh'``)."""
    return _language.get() or _default[0]


def set_language(lang: str) -> None:
    """Speak ``lang`` wherever no :func:`speaking` block says otherwise: a notebook's choice
    for all its cells and widgets (``set_language("zh")`` at its top)."""
    _check(lang)
    _default[0] = lang


def _check(lang: str) -> None:
    if lang not in LANGUAGES:
        raise ValueError(f"no interface language {lang!r}; expected one of {', '.join(LANGUAGES)}")


@contextmanager
def speaking(lang: str) -> Iterator[None]:
    """Speak ``lang`` inside the block (every :func:`_` in it translates to it)."""
    _check(lang)
    token = _language.set(lang)
    try:
        yield
    finally:
        _language.reset(token)


def _(message: str) -> str:
    """``message`` in the current language (as written when it has no translation)."""
    return catalogue(current()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form of a message for ``n``, in the current language."""
    return catalogue(current()).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark ``message`` for the catalogue where it is defined; :func:`_` translates it where
    it is shown."""
    return message
