"""The patient panel: one control per profile field, bound both ways to ``session.profile``.

The controls are built from :data:`pnen_explorer.vocabulary.FIELDS`, so labels, units and
bounds are those of the profile itself. A value the profile refuses leaves the previous one in
place and says why, in the field's own words.
"""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets as widgets
from ipywidgets.widgets.widget_bool import CheckboxStyle
from ipywidgets.widgets.widget_description import DescriptionStyle
from ipywidgets.widgets.widget_string import HTMLStyle, TextStyle

from pnen_explorer.cases import TEACHING_CASES
from pnen_explorer.profile import Profile, ProfileError
from pnen_explorer.session import Session
from pnen_explorer.views import html
from pnen_explorer.vocabulary import FIELDS, Field

UNKNOWN = "unknown"
CUSTOM = "Custom"
FORM_FIELDS = tuple(f for f in FIELDS.values() if f.kind != "names")
"""The fields the panel shows (prior therapies are set in code or by a link)."""


class ProfileForm:
    """The teaching-case menu and the profile's controls; ``widget`` is what a page shows."""

    def __init__(self, session: Session, report: Callable[[list[str]], None]):
        self.session = session
        self.report = report
        self._updating = False
        # Shared layout and style models: every widget model costs the page a round trip.
        self._wide = widgets.Layout(width="340px")
        self._narrow = widgets.Layout(width="292px")
        self._label = DescriptionStyle(description_width="130px")
        self._slider = widgets.SliderStyle(description_width="130px")
        self._entry = TextStyle(description_width="130px")
        self._html = HTMLStyle()
        self._known_layout = widgets.Layout(width="72px")
        self._known_style = CheckboxStyle()
        self.controls: dict[str, widgets.Widget] = {}
        self.known: dict[str, widgets.Checkbox] = {}
        self.case = widgets.Dropdown(
            options=[CUSTOM, *TEACHING_CASES],
            value=CUSTOM,
            description="Teaching case",
            layout=self._wide,
            style=self._label,
        )
        self.case.observe(self._on_case, names="value")
        self.grade = widgets.HTML(style=self._html)
        rows: list[widgets.Widget] = [self.case]
        for field in FORM_FIELDS:
            rows.append(self._control(field))
            if field.name == "mitoses_per_10hpf":
                rows.append(self.grade)
            if field.name == "liver_type":
                rows.append(widgets.HTML(html.help_text(field.help), style=self._html))
        self.widget = widgets.VBox(rows, layout=widgets.Layout(width="380px", min_width="380px"))
        self.widget.add_class("pnen-panel")
        session.observe(self._show, names=["profile", "case_name"])
        self._show()

    def _control(self, field: Field) -> widgets.Widget:
        if field.kind in ("choice", "flag"):
            values = [(v == "yes") if field.kind == "flag" else v for v in field.values]
            options = [(label, v) for (_, label), v in zip(field.choices, values, strict=True)]
            control = widgets.Dropdown(
                options=[(UNKNOWN, None), *options],
                value=None,
                description=field.label,
                tooltip=field.help or None,
                layout=self._wide,
                style=self._label,
            )
        elif field.slider:
            control = widgets.FloatSlider(
                value=field.start,
                min=field.low,
                max=field.high,
                step=field.step,
                description=field.label,
                disabled=True,
                continuous_update=False,
                readout_format=".1f",
                layout=self._narrow,
                style=self._slider,
            )
            known = widgets.Checkbox(
                value=False,
                description="known",
                indent=False,
                layout=self._known_layout,
                style=self._known_style,
            )
            known.observe(self._on_edit, names="value")
            self.known[field.name] = known
            control.observe(self._on_edit, names="value")
            self.controls[field.name] = control
            return widgets.HBox([control, known])
        else:  # a number typed in; empty means unknown
            control = widgets.Text(
                value="",
                placeholder=UNKNOWN,
                description=field.label,
                continuous_update=False,
                tooltip=field.help or None,
                layout=self._wide,
                style=self._entry,
            )
        control.observe(self._on_edit, names="value")
        self.controls[field.name] = control
        return control

    # --- session -> controls ------------------------------------------------------------------

    def _show(self, _change: object = None) -> None:
        """Set every control from the session's profile and teaching case."""
        self._updating = True
        try:
            profile = self.session.profile
            values = profile.to_mapping()
            for field in FORM_FIELDS:
                control = self.controls[field.name]
                raw = values.get(field.name)
                if field.kind in ("choice", "flag"):
                    control.value = getattr(profile, field.name)
                elif field.slider:
                    self.known[field.name].value = raw is not None
                    control.disabled = raw is None
                    if raw is not None:
                        control.value = float(raw)
                else:
                    control.value = raw or ""
            self.case.value = self.session.case_name or CUSTOM
            self.grade.value = html.grade_line(profile.grade)
        finally:
            self._updating = False

    # --- controls -> session ------------------------------------------------------------------

    def _on_case(self, change: dict) -> None:
        if not self._updating and change["new"] != CUSTOM:
            self.session.apply_case(change["new"])

    def _on_edit(self, _change: object) -> None:
        if self._updating:
            return
        try:
            profile = self.read()
        except ProfileError as exc:
            label = FIELDS[exc.field].label if exc.field in FIELDS else exc.field
            self.report([f"{label}: {exc.reason}. The previous value was kept."])
            self._show()  # back to the profile as it was
            return
        self.report([])
        self.session.profile = profile

    def read(self) -> Profile:
        """The profile the controls show; a value it refuses raises ``ProfileError``."""
        values: dict[str, object] = {}
        for field in FORM_FIELDS:
            control = self.controls[field.name]
            if field.slider:
                control.disabled = not self.known[field.name].value
                if self.known[field.name].value:
                    values[field.name] = control.value
            elif control.value not in (None, ""):
                values[field.name] = control.value
        values["prior_therapies"] = self.session.profile.prior_therapies
        return Profile.from_mapping(values)
