"""Widgets that show a :class:`pnen_explorer.Session`: the form, one class per tab, downloads.

They hold no logic of their own: every rule, filter and text comes from the library.
"""

from __future__ import annotations

import ipywidgets as widgets

_PLAIN: dict[type, widgets.Widget] = {}
"""One model per layout or style class with only default settings, shared by every widget."""


def share_plain_models(root: widgets.Widget) -> None:
    """Give every widget under ``root`` whose layout or style has only default settings the
    one shared model of its class.

    Each widget model costs the page a round trip to the kernel when it opens; a default
    Layout and style per widget were most of them. A shared model must never be changed:
    a widget whose layout is changed later (to hide it, say) gets a layout of its own.
    """

    def plain(model: widgets.Widget) -> widgets.Widget | None:
        if type(model) not in _PLAIN:
            _PLAIN[type(model)] = type(model)()
        shared = _PLAIN[type(model)]
        keys = [k for k in model.keys if not k.startswith("_")]
        if shared is model or any(getattr(model, k) != getattr(shared, k) for k in keys):
            return None
        return shared

    stack = [root]
    while stack:
        widget = stack.pop()
        stack.extend(getattr(widget, "children", ()))
        for name in ("layout", "style"):
            model = getattr(widget, name, None)
            replacement = plain(model) if model is not None else None
            if replacement is not None:
                setattr(widget, name, replacement)
                model.close()
