"""The patient panel: one control per profile field, bound both ways to ``session.profile``.

The controls are built from :data:`pnen_explorer.vocabulary.FIELDS`, so labels, units and
bounds are those of the profile itself. A value the profile refuses never changes silently:
the previous value stays and a message says, in the field's own words, what it accepts.
The panel folds away behind a one-line summary of the case (``summary``, shown in the header),
which gives the plots the whole width of a classroom screen.

Every text is drawn in the language spoken where the panel is built; :meth:`ProfileForm.relabel`
draws them again in the language spoken where it is called, without changing a value. The panel
remembers that language, so what it writes later (the fold's summary after an edit, a refusal)
is in it too, whichever context the widget's callback runs in.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

import ipywidgets as widgets
from ipywidgets.widgets.widget_description import DescriptionStyle
from ipywidgets.widgets.widget_string import HTMLStyle, TextStyle

from pnen_explorer.cases import TEACHING_CASES
from pnen_explorer.i18n import _, current, speaking
from pnen_explorer.profile import Profile, ProfileError, choice_text, expected, unit_text
from pnen_explorer.session import Session
from pnen_explorer.translations import case_name, field_help, term
from pnen_explorer.views import html
from pnen_explorer.vocabulary import FIELDS, Field

UNKNOWN = "unknown"
CUSTOM = "Custom"
FORM_FIELDS = tuple(f for f in FIELDS.values() if f.kind != "names")
"""The fields the panel shows (prior therapies are set in code or by a link)."""
DECIMAL_COMMA = re.compile(r"\s*\d+,\d+\s*")


def typed_number(text: str) -> str:
    """What a person typed, with a decimal comma read as a point ('20,5' -> '20.5')."""
    return text.replace(",", ".") if DECIMAL_COMMA.fullmatch(text) else text


def label_text(field: Field) -> str:
    """The field's label in the current language ('Ki-67 (%)', 'Liver type': 肝转移分型)."""
    return term(field.label, current(), kind="field_label")


def refusal(field: Field, typed: object, reason: str) -> str:
    """'Ki-67 (%) must be a number from 0 to 100 %; "150" was not taken.'"""
    if field.kind in ("number", "count"):
        return _("{label} must be {expected}; “{typed}” was not taken.").format(
            label=label_text(field), expected=expected(field), typed=typed
        )
    return _("{label}: {reason}. The previous value stays.").format(
        label=label_text(field), reason=reason
    )


def tooltip(field: Field) -> str:
    """A control's hover text: the field's help (or label), its unit, and what it accepts."""
    what = field_help(field.name, current()) or label_text(field)
    if field.kind in ("choice", "flag"):
        return what
    if field.unit and field.unit not in field.label:
        what = _("{what} ({unit})").format(what=what, unit=unit_text(field.unit))
    return _("{what}: {expected}").format(what=what, expected=expected(field))


def _in_its_language(method: Callable) -> Callable:
    """The method, run in the language the panel was last drawn in."""

    @functools.wraps(method)
    def speaking_its_language(self: ProfileForm, *args: object, **kwargs: object) -> object:
        with speaking(self.language):
            return method(self, *args, **kwargs)

    return speaking_its_language


class ProfileForm:
    """The teaching-case menu and the profile's controls; ``widget`` is what a page shows."""

    def __init__(self, session: Session, report: Callable[[list[str]], None]):
        self.session = session
        self.report = report
        self._updating = False
        self.language = current()
        # Shared layout and style models: every widget model costs the page a round trip.
        self._wide = widgets.Layout(width="300px")
        self._label = DescriptionStyle(description_width="125px")
        self._entry = TextStyle(description_width="125px")
        self._html = HTMLStyle()
        self.controls: dict[str, widgets.Widget] = {}
        self.case = widgets.Dropdown(
            options=self._case_options(),
            value=CUSTOM,
            description=_("Teaching case"),
            tooltip=_("Patients as the review's sections describe them"),
            layout=self._wide,
            style=self._label,
        )
        self.case.observe(self._on_case, names="value")
        self.grade = widgets.HTML(style=self._html)
        self.liver_help = widgets.HTML(style=self._html)
        rows: list[widgets.Widget] = [self.case]
        for field in FORM_FIELDS:
            rows.append(self._control(field))
            if field.name == "mitoses_per_10hpf":
                rows.append(self.grade)
            if field.name == "liver_type":
                rows.append(self.liver_help)
        # A layout of its own (never the page's shared plain one): folding sets its display.
        self.widget = widgets.VBox(rows, layout=widgets.Layout(flex="0 0 310px"))
        self.widget.add_class("pnen-panel")
        self.summary = widgets.ToggleButton(
            value=True,
            description="",
            tooltip=_("Show or hide the patient's details"),
            layout=widgets.Layout(width="auto", max_width="100%"),
        )
        self.summary.add_class("pnen-summary")
        self.summary.observe(self._on_fold, names="value")
        session.observe(self._show, names=["profile", "case_name"])
        session.observe(self._on_presenter, names="presenter")
        self.relabel()

    def _control(self, field: Field) -> widgets.Widget:
        if field.kind in ("choice", "flag"):
            control = widgets.Dropdown(
                options=self._choice_options(field),
                value=UNKNOWN,
                layout=self._wide,
                style=self._label,
            )
        else:  # a number typed in; empty means unknown
            control = widgets.Text(
                value="",
                continuous_update=False,
                layout=self._wide,
                style=self._entry,
            )
        control.observe(self._on_edit, names="value")
        self.controls[field.name] = control
        return control

    @staticmethod
    def _case_options() -> list[tuple[str, str]]:
        """The teaching cases' names in the current language; the values are their own names."""
        lang = current()
        return [(_("Custom"), CUSTOM), *((case_name(n, lang), n) for n in TEACHING_CASES)]

    @staticmethod
    def _choice_options(field: Field) -> list[tuple[str, object]]:
        """A dropdown's options in the current language; the values are the profile's own."""
        values = [(v == "yes") if field.kind == "flag" else v for v in field.values]
        labels = [choice_text(label) for _value, label in field.choices]
        return [(_("unknown"), UNKNOWN), *zip(labels, values, strict=True)]

    # --- language -----------------------------------------------------------------------------

    def relabel(self) -> None:
        """Draw every label, hover text, placeholder, help and option in the language spoken
        here, keeping every value (and telling no observer: nothing the person chose changes);
        what the panel writes from now on (summary, refusals) is in that language too.

        New options would make a dropdown select its first one, so each value is put back
        while the panel ignores its own controls.
        """
        self.language = current()
        updating, self._updating = self._updating, True
        try:
            self._relabel_dropdown(self.case, self._case_options())
            self.case.description = _("Teaching case")
            self.case.tooltip = _("Patients as the review's sections describe them")
            for field in FORM_FIELDS:
                control = self.controls[field.name]
                with control.hold_sync():
                    if isinstance(control, widgets.Dropdown):
                        self._relabel_dropdown(control, self._choice_options(field))
                    else:
                        control.placeholder = _("unknown")
                    control.description = label_text(field)
                    control.tooltip = tooltip(field)
            self.liver_help.value = html.help_text(field_help("liver_type", current()))
            self.summary.tooltip = _("Show or hide the patient's details")
        finally:
            self._updating = updating
        self._show()

    @staticmethod
    def _relabel_dropdown(control: widgets.Dropdown, options: list) -> None:
        if tuple(control.options) == tuple(options):
            return
        with control.hold_sync():
            value = control.value
            control.options = options
            control.value = value

    # --- session -> controls ------------------------------------------------------------------

    @_in_its_language
    def _show(self, _change: object = None) -> None:
        """Set every control from the session's profile and teaching case."""
        self._updating = True
        try:
            profile = self.session.profile
            values = profile.to_mapping()
            for field in FORM_FIELDS:
                value = getattr(profile, field.name)
                if field.kind in ("choice", "flag"):
                    self.controls[field.name].value = UNKNOWN if value is None else value
                else:
                    self.controls[field.name].value = values.get(field.name, "")
            self.case.value = self.session.case_name or CUSTOM
            self.grade.value = html.grade_line(profile.grade)
            self.summary.description = self._summary_text()
        finally:
            self._updating = False

    def _summary_text(self) -> str:
        folded = _("▸ edit") if not self.summary.value else _("▾ hide")
        return _("Patient: {summary}  ({action})").format(
            summary=self.session.profile.summary(), action=folded
        )

    @_in_its_language
    def _on_fold(self, change: dict) -> None:
        self.widget.layout.display = None if change["new"] else "none"
        self.summary.description = self._summary_text()

    def _on_presenter(self, change: dict) -> None:
        self.summary.value = not change["new"]  # a projector needs the room for the plots

    # --- controls -> session ------------------------------------------------------------------

    def _on_case(self, change: dict) -> None:
        if not self._updating and change["new"] != CUSTOM:
            self.session.apply_case(change["new"])

    @_in_its_language
    def _on_edit(self, change: dict) -> None:
        if self._updating:
            return
        try:
            profile = self.read()
        except ProfileError as exc:
            field = FIELDS.get(exc.field)
            typed = change["new"] if isinstance(change, dict) else ""
            message = refusal(field, typed, exc.reason) if field else str(exc)
            self.report([message])
            self._show()  # back to the profile as it was
            return
        self.report([])
        self.session.profile = profile

    def read(self) -> Profile:
        """The profile the controls show; a value it refuses raises ``ProfileError``."""
        values: dict[str, object] = {}
        for field in FORM_FIELDS:
            value = self.controls[field.name].value
            if field.kind in ("choice", "flag"):
                if value != UNKNOWN:
                    values[field.name] = value
            elif value.strip():
                values[field.name] = typed_number(value)
        values["prior_therapies"] = self.session.profile.prior_therapies
        return Profile.from_mapping(values)
