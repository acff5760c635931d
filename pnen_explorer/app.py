"""The explorer: ipywidgets that wire a patient profile to guidance, matched evidence and figures.

All logic lives in the library (``profile``, ``guidance``, ``matching``, ``plots``, ``export``,
``share``); this module only builds controls, listens to them and shows results. Every text
that reaches HTML is escaped, and a failing callback shows a short message instead of a
traceback.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import html
import json
import os
from collections.abc import Callable
from dataclasses import dataclass

import ipywidgets as widgets
import pandas as pd
from ipywidgets.widgets.widget_bool import CheckboxStyle
from ipywidgets.widgets.widget_description import DescriptionStyle
from ipywidgets.widgets.widget_string import HTMLStyle, TextStyle

from pnen_explorer import plots
from pnen_explorer.data import load_evidence, load_references
from pnen_explorer.export import (
    cited_references,
    evidence_csv,
    references_bibtex,
    references_ris,
)
from pnen_explorer.guidance import applicable_therapies
from pnen_explorer.matching import match_evidence
from pnen_explorer.plot_view import PlotView
from pnen_explorer.profile import Profile, ProfileError
from pnen_explorer.review_check import figure_text, review_vs_primary
from pnen_explorer.share import OUTCOMES, Case, case_query, parse_query
from pnen_explorer.user_data import MAX_UPLOAD_BYTES, merge_user_evidence, read_user_evidence

UNKNOWN = "unknown"
VERDICT_COLOURS = {  # Okabe–Ito, with the verdict also written out (never colour alone)
    "recommended": "#009E73",
    "consider": "#0072B2",
    "controversial": "#E69F00",
    "investigational": "#CC79A7",
    "not_recommended": "#D55E00",
}
AGREEMENT_COLOURS = {
    "agrees": "#009E73",
    "differs": "#D55E00",
    "subgroup_only": "#E69F00",
    "not_in_primary_abstract": "#56B4E9",
    "primary_not_found": "#999999",
    "not_checked": "#BBBBBB",
}
EVIDENCE_COLUMNS = (
    "evidence_id",
    "therapy",
    "outcome",
    "figure",
    "population",
    "statement",
    "section",
    "ref_nos",
    "study_design",
    "study_name",
    "doi",
    "agreement",
    "origin",
    "match",
    "why",
)
"""Columns of the Evidence tab's table; the CSV download carries every column."""
HEADER = (
    "<h2 class='pnen-title'>pnen-explorer</h2><div class='pnen-muted'>Evidence on treating "
    "pancreatic neuroendocrine neoplasms with liver metastases, as two 2025 reviews report it. "
    "For research and teaching; <b>not clinical decision support</b>.</div>"
)
LIVER_TYPE_HELP = (
    "I: confined to one lobe or two adjacent segments · II: mainly one lobe with small "
    "satellites in the other · III: diffuse in both lobes, not resectable"
)


@dataclass(frozen=True)
class Choice:
    """A profile field chosen from a list (with 'unknown' unless the field is required)."""

    field: str
    label: str
    options: tuple[tuple[str, object], ...]
    help: str = ""


@dataclass(frozen=True)
class Number:
    """A profile field that is a number, or unknown."""

    field: str
    label: str
    low: float
    high: float
    step: float
    start: float
    slider: bool = True
    help: str = ""


YES_NO = (("yes", True), ("no", False))
PROFILE_CONTROLS = (
    Number("ki67", "Ki-67 (%)", 0, 100, 0.5, 8),
    Number("mitoses_per_10hpf", "Mitoses /10 HPF", 0, 100, 1, 1, slider=False, help="per 10 HPF"),
    Choice("differentiation", "Differentiation", (("well (NET)", "well"), ("poor (NEC)", "poor"))),
    Choice("functional", "Functional", YES_NO, "hormone syndrome present"),
    Choice(
        "syndrome",
        "Syndrome",
        (("insulinoma", "insulinoma"), ("gastrinoma", "gastrinoma"), ("other", "other")),
    ),
    Choice("liver_type", "Liver type", (("I", "I"), ("II", "II"), ("III", "III")), LIVER_TYPE_HELP),
    Choice("extrahepatic", "Extrahepatic", YES_NO, "disease outside the liver"),
    Choice("resectable", "Resectable", YES_NO),
    Choice("sstr_positive", "SSTR positive", YES_NO, "somatostatin-receptor imaging"),
    Choice("primary_site", "Primary site", (("head", "head"), ("body/tail", "body_tail"))),
    Choice("primary_resected", "Primary resected", YES_NO),
    Number("liver_lesions", "Liver lesions", 0, 50, 1, 1, slider=False),
    Number("largest_lesion_cm", "Largest (cm)", 0, 30, 0.5, 2, slider=False),
    Number("liver_involvement_pct", "Liver involved (%)", 0, 100, 5, 20),
    Number("stable_months", "Months stable", 0, 240, 1, 6, slider=False),
    Number("age", "Age (years)", 0, 110, 1, 55, slider=False),
)

CASE_PRESETS: dict[str, dict[str, str]] = {
    "Custom": {},
    "G2 NET, type I, resectable (section 1.1)": {
        "ki67": "8",
        "differentiation": "well",
        "functional": "no",
        "liver_type": "I",
        "extrahepatic": "no",
        "resectable": "yes",
        "primary_site": "body_tail",
        "sstr_positive": "yes",
    },
    "G2 NET, type II, debulking question (1.1)": {
        "ki67": "12",
        "differentiation": "well",
        "functional": "no",
        "liver_type": "II",
        "extrahepatic": "no",
        "primary_site": "head",
    },
    "G1 NET, diffuse type III, SSTR+ (3.5)": {
        "ki67": "2",
        "differentiation": "well",
        "functional": "no",
        "liver_type": "III",
        "resectable": "no",
        "sstr_positive": "yes",
    },
    "G3 NET, Ki-67 30 % (3.1, 3.4)": {
        "ki67": "30",
        "differentiation": "well",
        "functional": "no",
        "liver_type": "III",
        "resectable": "no",
        "sstr_positive": "yes",
    },
    "NEC, Ki-67 70 % (3.1)": {
        "ki67": "70",
        "differentiation": "poor",
        "functional": "no",
        "resectable": "no",
    },
    "Insulinoma with liver metastases (1.2)": {
        "ki67": "4",
        "differentiation": "well",
        "functional": "yes",
        "syndrome": "insulinoma",
        "liver_type": "I",
    },
    "Transplant candidate (1.4)": {
        "ki67": "5",
        "differentiation": "well",
        "functional": "no",
        "liver_type": "III",
        "extrahepatic": "no",
        "primary_resected": "yes",
        "liver_involvement_pct": "30",
        "stable_months": "8",
        "age": "50",
    },
    "Small lesions for ablation (2.1)": {
        "ki67": "3",
        "differentiation": "well",
        "functional": "no",
        "liver_type": "II",
        "liver_lesions": "2",
        "largest_lesion_cm": "2.5",
        "resectable": "no",
    },
}

DEFAULT_PRESET = "G2 NET, type I, resectable (section 1.1)"

STYLE = """
<style>
.pnen-root { font-size: 14px; }
.pnen-root table.pnen { border-collapse: collapse; width: 100%; }
.pnen-root table.pnen th, .pnen-root table.pnen td {
  border-bottom: 1px solid #ddd; padding: 4px 6px; text-align: left; vertical-align: top; }
.pnen-root table.pnen th { background: #f3f3f3; position: sticky; top: 0; }
.pnen-badge { display: inline-block; padding: 1px 8px; border-radius: 10px; color: white;
  font-weight: 600; white-space: nowrap; }
.pnen-notice { background: #fff4e0; border-left: 4px solid #E69F00; padding: 4px 8px; }
.pnen-error { background: #fde8e0; border-left: 4px solid #D55E00; padding: 4px 8px; }
.pnen-muted { color: #444; font-size: 0.95em; }
.pnen-help { color: #555; font-size: 0.85em; margin: -2px 0 6px 135px; line-height: 1.25; }
.pnen-cite { color: #555; font-size: 0.85em; white-space: nowrap; }
.pnen-grade-line { margin: 0 0 8px 135px; }
.pnen-grade { font-size: 1.1em; }
.pnen-title { margin: 4px 0 2px 0; }
.pnen-scroll { max-height: 560px; overflow: auto; }
.pnen-root table.pnen ul { margin: 0; padding-left: 18px; }
.pnen-root table.pnen td { line-height: 1.35; }
.pnen-presenter .pnen-panel .widget-label, .pnen-presenter .pnen-panel input,
.pnen-presenter .pnen-panel select, .pnen-presenter .widget-readout { font-size: 16px !important; }
.pnen-presenter .lm-TabBar-tabLabel { font-size: 19px !important; }
.pnen-presenter .lm-TabBar-tab { min-width: 0 !important; max-width: none !important;
  flex: 0 0 auto !important; }
.pnen-presenter .pnen-title { font-size: 30px; }
.pnen-presenter table.pnen, .pnen-presenter .pnen-muted { font-size: 19px; }
</style>
"""


def esc(value: object) -> str:
    """Escape any value for HTML: data and user input are shown as text, never run."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return html.escape(str(value), quote=True)


def _badge(verdict: str) -> str:
    colour = VERDICT_COLOURS.get(verdict, "#666")
    label = esc(verdict.replace("_", " "))
    return f'<span class="pnen-badge pnen-verdict" style="background:{colour}">{label}</span>'


def _download(label: str, filename: str, text: str, mime: str) -> str:
    payload = base64.b64encode(text.encode("utf-8")).decode("ascii")
    return (
        f'<a download="{esc(filename)}" href="data:{mime};charset=utf-8;base64,{payload}" '
        f'class="pnen-download">{esc(label)}</a>'
    )


def page_query() -> str:
    """The page's query string under Voila; with preheated kernels, once the page has asked.

    Voila's own helper (``voila.utils.wait_for_request``) imports the whole server stack into
    the kernel (about 45 MB and a second); this asks the same endpoint for the same answer.
    """
    if os.environ.get("VOILA_PREHEAT") == "True" and os.environ.get("VOILA_KERNEL_ID"):
        _wait_for_voila_request()
    return os.environ.get("QUERY_STRING", "")


def _wait_for_voila_request(timeout: float = 3600) -> None:
    """Block until Voila hands this preheated kernel to a page; copy the request into os.environ."""
    import asyncio
    import threading

    import websockets

    env = os.environ
    base = env.get("VOILA_WS_BASE_URL") or env.get("VOILA_SERVER_URL", "/")
    url = (
        f"{env.get('VOILA_WS_PROTOCOL', 'ws')}://{env.get('VOILA_APP_IP', '127.0.0.1')}:"
        f"{env.get('VOILA_APP_PORT', '8866')}{base}voila/query/{env['VOILA_KERNEL_ID']}"
    )
    answer: list[str] = []

    async def receive() -> None:
        async with websockets.connect(url, open_timeout=5) as socket:
            answer.append(await asyncio.wait_for(socket.recv(), timeout))

    def run() -> None:
        # Without request info the page still opens, with its default case.
        with contextlib.suppress(Exception):
            asyncio.new_event_loop().run_until_complete(receive())

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join()
    if answer:
        env.update({k: str(v) for k, v in json.loads(answer[0]).items()})


class Explorer:
    """Holds the widgets and the current case; ``root`` is what a notebook displays.

    Only the visible tab is drawn after a change; the others are drawn when they are opened.
    """

    TABS = (
        "Treatment options",
        "Outcomes",
        "Comparisons",
        "Evidence",
        "Evidence map",
        "References",
    )

    def __init__(self, evidence: pd.DataFrame | None = None, profile: Profile | None = None):
        self.curated = load_evidence() if evidence is None else evidence
        self.evidence = self.curated
        self.references = load_references()
        self.notices: list[str] = []
        self._updating = False
        self._stale: set[int] = set()
        self._build_controls()
        self._build_tabs()
        self.root = widgets.VBox(
            [
                widgets.HTML(STYLE),
                self.header,
                widgets.HBox([self.panel, self.tabs], layout=widgets.Layout(width="100%")),
            ],
            layout=widgets.Layout(width="100%"),
        )
        self.root.add_class("pnen-root")
        _share_plain_layouts(self.root)
        first_case = Profile.from_mapping(CASE_PRESETS[DEFAULT_PRESET])
        self.apply_case(Case(profile or first_case), preset=None if profile else DEFAULT_PRESET)

    # --- building ------------------------------------------------------------------------------

    def _build_controls(self) -> None:
        # Shared layout and style models: every widget model costs the page a round trip.
        self._wide = widgets.Layout(width="340px")
        self._narrow = widgets.Layout(width="292px")
        self._label = DescriptionStyle(description_width="130px")
        self._entry = TextStyle(description_width="130px")
        self._html = HTMLStyle()
        self.controls: dict[str, widgets.Widget] = {}
        self.known: dict[str, widgets.Checkbox] = {}
        self.preset = widgets.Dropdown(
            options=list(CASE_PRESETS),
            value="Custom",
            description="Teaching case",
            layout=self._wide,
            style=self._label,
        )
        self.preset.observe(self._guard(self._on_preset), names="value")
        self.grade_badge = widgets.HTML(style=self._html)
        rows: list[widgets.Widget] = [self.preset]
        for spec in PROFILE_CONTROLS:
            rows.append(self._control(spec))
            if spec.field == "mitoses_per_10hpf":
                rows.append(self.grade_badge)
            if spec.field == "liver_type":
                rows.append(
                    widgets.HTML(
                        f"<div class='pnen-help'>{esc(LIVER_TYPE_HELP)}</div>", style=self._html
                    )
                )
        self.panel = widgets.VBox(rows, layout=widgets.Layout(width="380px", min_width="380px"))
        self.panel.add_class("pnen-panel")

    def _control(self, spec: Choice | Number) -> widgets.Widget:
        """One control per profile field; each can say "unknown"."""
        if isinstance(spec, Choice):
            control = widgets.Dropdown(
                options=[(UNKNOWN, None), *spec.options],
                value=None,
                description=spec.label,
                tooltip=spec.help or None,
                layout=self._wide,
                style=self._label,
            )
        elif spec.slider:
            control = widgets.FloatSlider(
                value=spec.start,
                min=spec.low,
                max=spec.high,
                step=spec.step,
                description=spec.label,
                disabled=True,
                continuous_update=False,
                readout_format=".1f",
                layout=self._narrow,
                style=self._slider_style(),
            )
            known = widgets.Checkbox(
                value=False,
                description="known",
                indent=False,
                layout=self._checkbox_layout(),
                style=self._checkbox_style(),
            )
            known.observe(self._guard(self._on_known), names="value")
            self.known[spec.field] = known
            control.observe(self._guard(self._on_profile_change), names="value")
            self.controls[spec.field] = control
            return widgets.HBox([control, known])
        else:  # a number typed in; empty means unknown
            control = widgets.Text(
                value="",
                placeholder="unknown",
                description=spec.label,
                continuous_update=False,
                tooltip=spec.help or None,
                layout=self._wide,
                style=self._entry,
            )
        control.observe(self._guard(self._on_profile_change), names="value")
        self.controls[spec.field] = control
        return control

    def _text(self, value: str = "") -> widgets.HTML:
        return widgets.HTML(value, style=self._html)

    def _slider_style(self) -> widgets.SliderStyle:
        if not hasattr(self, "_slider"):
            self._slider = widgets.SliderStyle(description_width="130px")
        return self._slider

    def _checkbox_style(self) -> CheckboxStyle:
        if not hasattr(self, "_checkbox"):
            self._checkbox = CheckboxStyle()
        return self._checkbox

    def _checkbox_layout(self) -> widgets.Layout:
        if not hasattr(self, "_checkbox_box"):
            self._checkbox_box = widgets.Layout(width="72px")
        return self._checkbox_box

    def _build_tabs(self) -> None:
        self.notice = self._text()
        self.share = self._text()
        self.presenter = widgets.ToggleButton(
            description="Presenter mode",
            tooltip="Larger text for a projector",
            layout=widgets.Layout(width="150px"),
        )
        self.presenter.observe(self._guard(self._on_presenter), names="value")
        self.beyond_review = widgets.Checkbox(
            description="include trials beyond the review",
            value=False,
            indent=False,
            layout=widgets.Layout(width="280px"),
        )
        self.beyond_review.observe(self._guard(self._on_profile_change), names="value")
        self.header = widgets.VBox(
            [
                self._text(HEADER),
                widgets.HBox([self.presenter, self.beyond_review, self.share]),
                self.notice,
            ]
        )
        self.treatments = self._text()
        self.outcome = widgets.Dropdown(
            options=[(plots.OUTCOME_LABELS[o], o) for o in OUTCOMES],
            value="PFS",
            description="Outcome",
            layout=widgets.Layout(width="420px"),
        )
        self.outcome.observe(self._guard(self._on_outcome), names="value")
        self.outcome_plot, self.outcome_table = PlotView(), self._text()
        self.comparison_plot, self.forest_plot = PlotView(), PlotView()
        self.comparison_table = self._text()
        self.map_plot, self.map_table = PlotView(), self._text()
        self.show_excluded = widgets.Checkbox(
            description="show rows that do not fit this patient, and why",
            indent=False,
            layout=widgets.Layout(width="380px"),
        )
        self.therapy_filter = widgets.Dropdown(
            description="Therapy", options=[("all", "")], layout=widgets.Layout(width="360px")
        )
        self.sort_by = widgets.Dropdown(
            description="Sort by",
            layout=widgets.Layout(width="260px"),
            options=[
                ("source order", "evidence_id"),
                ("therapy", "therapy"),
                ("outcome", "outcome"),
                ("value", "value"),
                ("study design", "study_design"),
                ("agreement", "agreement"),
            ],
        )
        for control in (self.show_excluded, self.therapy_filter, self.sort_by):
            control.observe(self._guard(self._on_evidence_view), names="value")
        self.upload = widgets.FileUpload(
            accept=".csv",
            multiple=False,
            description="Add your evidence (.csv)",
            layout=widgets.Layout(width="240px"),
        )
        self.upload.observe(self._guard(self._on_upload), names="value")
        self.upload_report = self._text(
            f"<span class='pnen-help'>Your own CSV (up to {MAX_UPLOAD_BYTES // 2**20} MB, same "
            "columns as the data contract) is checked and shown beside the curated rows; the "
            "curated data is never changed.</span>"
        )
        self.evidence_table, self.references_table = self._text(), self._text()
        self.downloads = self._text()
        children = [
            self.treatments,
            widgets.VBox([self.outcome, self.outcome_plot, self.outcome_table]),
            widgets.VBox([self.comparison_plot, self.forest_plot, self.comparison_table]),
            widgets.VBox(
                [
                    widgets.HBox([self.therapy_filter, self.sort_by]),
                    self.show_excluded,
                    widgets.HBox([self.upload, self.upload_report]),
                    self.downloads,
                    self.evidence_table,
                ]
            ),
            widgets.VBox([self.map_plot, self.map_table]),
            self.references_table,
        ]
        self.tabs = widgets.Tab(
            children=children,
            titles=list(self.TABS),
            selected_index=1,
            layout=widgets.Layout(flex="1 1 auto", min_width="0"),
        )
        self.tabs.observe(self._guard(self._on_tab), names="selected_index")
        self._renderers = (
            self._show_treatments,
            self._show_outcome,
            self._show_comparisons,
            self._show_evidence,
            self._show_map,
            self._show_references,
        )

    # --- the case ------------------------------------------------------------------------------

    def apply_case(self, case: Case, preset: str | None = None) -> None:
        """Set every control from a case (a preset, a link, or a profile given in code)."""
        self._updating = True
        try:
            values = case.profile.to_mapping()
            for spec in PROFILE_CONTROLS:
                control = self.controls[spec.field]
                raw = values.get(spec.field)
                if isinstance(spec, Choice):
                    control.value = getattr(case.profile, spec.field)
                elif spec.slider:
                    self.known[spec.field].value = raw is not None
                    control.disabled = raw is None
                    if raw is not None:
                        control.value = float(raw)
                else:
                    control.value = raw or ""
            self.outcome.value = case.outcome
            self.preset.value = preset or "Custom"
        finally:
            self._updating = False
        self.notices = list(case.notices)
        self.refresh()

    def open_query(self, query: str) -> None:
        """Open the case a page link asks for; bad values become visible notices.

        Fields the link does not name keep the teaching case already shown; an empty link
        changes nothing.
        """
        if query.strip("?"):
            self.apply_case(parse_query(query, default=Profile()))

    def current_profile(self) -> Profile:
        """The profile the controls show; a mistyped number raises ``ProfileError``."""
        values: dict[str, object] = {}
        for spec in PROFILE_CONTROLS:
            control = self.controls[spec.field]
            if isinstance(spec, Number) and spec.slider:
                if self.known[spec.field].value:
                    values[spec.field] = control.value
            elif control.value not in (None, ""):
                values[spec.field] = control.value
        return Profile.from_mapping(values)

    # --- callbacks -----------------------------------------------------------------------------

    def _guard(self, callback: Callable) -> Callable:
        """Run a callback; on failure show a short message in the app, never a traceback."""

        @functools.wraps(callback)
        def safe(*args, **kwargs):
            try:
                return callback(*args, **kwargs)
            except ProfileError as exc:
                self._show_notices(errors=[f"That profile is not valid: {exc}"])
            except Exception as exc:  # shown to the user, not raised into the page
                self._show_notices(
                    errors=[
                        f"Something went wrong ({type(exc).__name__}); the view was left as it was."
                    ]
                )

        return safe

    def _on_known(self, _change) -> None:
        for field, box in self.known.items():
            self.controls[field].disabled = not box.value
        self._on_profile_change(_change)

    def _on_profile_change(self, _change) -> None:
        if self._updating:
            return
        self.notices = []
        if self.preset.value != "Custom":
            self._updating = True
            self.preset.value = "Custom"
            self._updating = False
        self.refresh()

    def _on_preset(self, change) -> None:
        if self._updating or change["new"] == "Custom":
            return
        case = Case(Profile.from_mapping(CASE_PRESETS[change["new"]]), self.outcome.value)
        self.apply_case(case, preset=change["new"])

    def _on_outcome(self, _change) -> None:
        if self._updating:
            return
        self._show_header()
        self._redraw({1})

    def _on_evidence_view(self, _change) -> None:
        self._redraw({3})

    def _on_tab(self, _change) -> None:
        self._redraw(set())

    def _on_presenter(self, change) -> None:
        if change["new"]:
            self.root.add_class("pnen-presenter")
        else:
            self.root.remove_class("pnen-presenter")
        self._redraw({1, 2, 4})

    def _on_upload(self, change) -> None:
        files = change["new"]
        if not files:
            return
        upload = files[0]
        rows, faults = read_user_evidence(bytes(upload["content"]), upload["name"], self.curated)
        if faults:
            items = "".join(f"<li>{esc(f)}</li>" for f in faults)
            self.upload_report.value = (
                f"<div class='pnen-error' role='alert'>{len(faults)} problem(s) in "
                f"{esc(upload['name'])}; nothing was added:<ul>{items}</ul></div>"
            )
            return
        self.evidence = merge_user_evidence(self.curated, rows)
        self.upload_report.value = (
            f"<div class='pnen-notice' role='status'>Added {len(rows)} row(s) from "
            f"{esc(upload['name'])}, marked as yours (origin: user).</div>"
        )
        self.refresh()

    # --- showing -------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Recompute what depends on the profile, then draw the visible tab only."""
        self.profile = self.current_profile()
        shown = self.evidence
        if not self.beyond_review.value:
            shown = shown[~((shown["source"] == "primary") & (shown["in_review"] == "no"))]
        self.matched = match_evidence(shown, self.profile)
        self.guidance = applicable_therapies(self.profile, shown)
        self._show_header()
        self._redraw(set(range(len(self.TABS))))

    def _redraw(self, stale: set[int]) -> None:
        self._stale |= stale
        selected = self.tabs.selected_index
        if selected in self._stale:
            self._stale.discard(selected)
            self._renderers[selected]()

    def _show_header(self) -> None:
        grade = self.profile.grade
        self.grade_badge.value = (
            "<div class='pnen-grade-line'>WHO 2022 grade: <b class='pnen-grade'>"
            f"{esc(grade) if grade else 'unknown'}</b></div>"
        )
        link = case_query(self.profile, self.outcome.value)
        self.share.value = (
            f"<a href='{esc(link)}' target='_blank' class='pnen-share'>Link to this case</a> "
            f"<span class='pnen-muted'>{esc(self.profile.summary())}</span>"
        )
        self._show_notices()

    def _show_notices(self, errors: tuple[str, ...] | list[str] = ()) -> None:
        self.notice.value = "".join(
            [f'<div class="pnen-error" role="alert">{esc(t)}</div>' for t in errors]
            + [f'<div class="pnen-notice" role="status">{esc(t)}</div>' for t in self.notices]
        )

    def _show_treatments(self) -> None:
        rows = []
        for item in self.guidance.itertuples():
            reasons = "".join(
                f"<li>{esc(reason)} <span class='pnen-cite'>{esc(cite)}</span></li>"
                for reason, cite in zip(item.reasons, item.citations, strict=False)
            )
            rows.append(
                f"<tr class='pnen-therapy' data-therapy='{esc(item.therapy)}'>"
                f"<td><b>{esc(item.therapy)}</b></td><td>{_badge(item.verdict)}</td>"
                f"<td><ul>{reasons}</ul></td><td>{len(item.evidence_ids)}</td></tr>"
            )
        self.treatments.value = (
            f"<p class='pnen-muted'>What the reviews support for: <b>"
            f"{esc(self.profile.summary())}</b>. Open the Evidence tab and pick a therapy to see "
            "its rows.</p><table class='pnen pnen-treatments'><tr><th>Therapy</th>"
            "<th>Verdict</th><th>Why (section, references)</th><th>Evidence rows</th></tr>"
            + "".join(rows)
            + "</table>"
        )

    def _font(self, figure):
        if self.presenter.value:
            figure.update_layout(font_size=20)
        return figure

    def _show_outcome(self) -> None:
        chart = plots.outcome_ranges(
            self.matched, self.outcome.value, subtitle=self.profile.summary()
        )
        self.outcome_plot.show(self._font(chart.figure))
        self.outcome_table.value = self._table(chart.table)

    def _show_comparisons(self) -> None:
        subtitle = self.profile.summary()
        comparison = plots.two_arm_comparison(self.matched, subtitle=subtitle)
        self.comparison_plot.show(self._font(comparison.figure))
        forest = plots.forest_plot(self.matched, "PFS", subtitle=subtitle)
        self.forest_plot.show(self._font(forest.figure))
        checks = review_vs_primary(self.matched)
        self.comparison_table.value = (
            "<h4>Review figures checked against the primary publications</h4>"
            + self._table(checks.drop(columns=["primary_ids"]))
        )

    def _show_map(self) -> None:
        chart = plots.evidence_map(self.matched, subtitle=self.profile.summary())
        self.map_plot.show(self._font(chart.figure))
        self.map_table.value = self._table(chart.table)

    def _show_evidence(self) -> None:
        options = [("all", ""), *sorted((t, t) for t in self.evidence["therapy"].unique() if t)]
        if tuple(self.therapy_filter.options) != tuple(options):
            self.therapy_filter.options = options
        frame = self.matched
        if not self.show_excluded.value:
            frame = frame[frame["match"] != "excluded"]
        if self.therapy_filter.value:
            frame = frame[frame["therapy"] == self.therapy_filter.value]
        frame = frame.sort_values(self.sort_by.value, kind="stable", na_position="last")
        shown = frame.assign(figure=[figure_text(row) for _, row in frame.iterrows()])
        columns = [c for c in EVIDENCE_COLUMNS if c in shown.columns]
        self.evidence_table.value = f"<p class='pnen-muted'>{len(frame)} rows.</p>" + self._table(
            shown[columns]
        )
        cited = cited_references(frame, self.references)
        self.downloads.value = " · ".join(
            [
                _download(
                    "Evidence table (CSV)",
                    "pnen-evidence.csv",
                    evidence_csv(frame, extra=("match", "why", "origin")),
                    "text/csv",
                ),
                _download(
                    "References (BibTeX)",
                    "pnen-references.bib",
                    references_bibtex(cited),
                    "application/x-bibtex",
                ),
                _download(
                    "References (RIS)",
                    "pnen-references.ris",
                    references_ris(cited),
                    "application/x-research-info-systems",
                ),
            ]
        )

    def _show_references(self) -> None:
        cited = cited_references(self.matched[self.matched["match"] != "excluded"], self.references)
        rows = "".join(
            f"<tr><td>{r.ref_no}</td><td>{esc(r.authors)}</td><td>{r.year}</td>"
            f"<td>{esc(r.title)}</td><td>{esc(r.journal)}</td><td>{_doi_link(r.doi)}</td></tr>"
            for r in cited.itertuples()
        )
        self.references_table.value = (
            f"<p class='pnen-muted'>{len(cited)} references cited by the evidence that fits "
            "this patient.</p><table class='pnen'><tr><th>No.</th><th>Authors</th>"
            f"<th>Year</th><th>Title</th><th>Journal</th><th>DOI</th></tr>{rows}</table>"
        )

    def _table(self, frame: pd.DataFrame) -> str:
        """An HTML table of any frame, every cell escaped; DOIs become links."""
        if frame is None or frame.empty:
            return "<p class='pnen-muted'>No rows for this patient.</p>"
        head = "".join(f"<th>{esc(c)}</th>" for c in frame.columns)
        body = []
        for row in frame.itertuples(index=False):
            cells = []
            for column, value in zip(frame.columns, row, strict=True):
                if column == "doi":
                    cells.append(f"<td>{_doi_link(value)}</td>")
                    continue
                if column == "agreement" and isinstance(value, str) and value:
                    cells.append(f"<td>{_agreement_badge(value)}</td>")
                    continue
                if isinstance(value, tuple):
                    value = ", ".join(map(str, value))
                elif isinstance(value, float):
                    value = "" if pd.isna(value) else f"{value:g}"
                cells.append(f"<td>{esc(value)}</td>")
            body.append("<tr>" + "".join(cells) + "</tr>")
        return (
            f"<div class='pnen-scroll'><table class='pnen'><tr>{head}</tr>"
            + "".join(body)
            + "</table></div>"
        )


def _share_plain_layouts(root: widgets.Widget) -> None:
    """Give every widget without layout settings one shared Layout model.

    Each widget model costs the page a round trip to the kernel when it opens; a default
    Layout per widget was most of them.
    """
    plain = widgets.Layout()
    stack = [root]
    while stack:
        widget = stack.pop()
        stack.extend(getattr(widget, "children", ()))
        layout = widget.layout
        if layout is not plain and not any(
            layout.trait_values()[k] for k in layout.keys if not k.startswith("_")
        ):
            widget.layout = plain
            layout.close()


def _doi_link(doi: object) -> str:
    if not isinstance(doi, str) or not doi:
        return ""
    return f"<a href='https://doi.org/{esc(doi)}' target='_blank' rel='noopener'>{esc(doi)}</a>"


def _agreement_badge(agreement: str) -> str:
    colour = AGREEMENT_COLOURS.get(agreement, "#666")
    return (
        f'<span class="pnen-badge" style="background:{colour}">'
        f"{esc(agreement.replace('_', ' '))}</span>"
    )


def build_explorer(
    evidence: pd.DataFrame | None = None, profile: Profile | None = None
) -> widgets.Widget:
    """The explorer's root widget, ready to display (it does not display itself)."""
    return Explorer(evidence, profile).root
