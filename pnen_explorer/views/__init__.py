"""Widgets that show a :class:`pnen_explorer.Session`: the form, one class per tab, downloads.

They hold no logic of their own: every rule, filter and text comes from the library.
"""

from __future__ import annotations

import ipywidgets as widgets
import traitlets

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


class Dropdown(widgets.Dropdown):
    """A dropdown that keeps its choice when its options are relabelled.

    ipywidgets selects the first option whenever ``options`` changes, which would change the
    session through the dropdown's link; new labels for the same values (a language switch,
    new row counts) keep the value as it is. New values fall back to ipywidgets' behaviour.
    """

    @traitlets.observe("options")
    def _propagate_options(self, change: dict) -> None:
        values = tuple(value for _label, value in self._options_full)
        if self._initializing_traits_ is True or self.value not in values:
            super()._propagate_options(change)
            return
        self.set_trait("_options_labels", tuple(label for label, _value in self._options_full))
        self._options_values = values
        index = values.index(self.value)
        self.label = self._options_labels[index]
        self.index = index
