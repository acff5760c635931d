"""The explorer's state without widgets: a Session driven as a notebook or a script would."""

from __future__ import annotations

import csv
import io
import subprocess
import sys

import pytest

from pnen_explorer import Profile, Session
from pnen_explorer.cases import DEFAULT_CASE, TEACHING_CASES, teaching_case
from pnen_explorer.session import evidence_in_scope

from .conftest import DATA


def own_rows(*ids: str) -> bytes:
    """Curated primary rows under new ids: a valid file of the user's own."""
    with open(DATA / "evidence.csv", newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        header = list(reader.fieldnames or [])
        source = [r for r in reader if r["source"] == "primary"][: len(ids)]
    out = io.StringIO()
    writer = csv.DictWriter(out, header)
    writer.writeheader()
    for new_id, row in zip(ids, source, strict=True):
        writer.writerow(row | {"evidence_id": new_id, "checks_evidence_id": ""})
    return out.getvalue().encode("utf-8")


@pytest.fixture
def session() -> Session:
    return Session.teaching()


def test_a_whole_teaching_case_runs_without_widgets():
    """Guidance, matching and the link of a teaching case, in a process without ipywidgets."""
    script = (
        "import sys\n"
        "from pnen_explorer import Session\n"
        "s = Session.teaching('G3 NET, Ki-67 30 % (3.1, 3.4)')\n"
        "assert s.profile.grade == 'G3'\n"
        "g = s.guidance.set_index('therapy')['verdict']\n"
        "assert g['radical resection'] == 'not_recommended', g['radical resection']\n"
        "assert len(s.matched) and len(s.evidence_rows)\n"
        "assert 'case=G3+NET' in s.query()\n"
        "s.outcome = 'OS'; s.tab = 'evidence'; s.presenter = True\n"
        "assert '&outcome=OS&tab=evidence&presenter=yes' in s.query()\n"
        "print(sorted(m for m in ('ipywidgets', 'voila', 'jupyterlab') if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize("name", list(TEACHING_CASES))
def test_a_teaching_case_sets_its_profile_and_name(name):
    session = Session.teaching(name)
    assert session.profile == teaching_case(name) and session.case_name == name


def test_changing_the_profile_leaves_the_teaching_case(session):
    assert session.case_name == DEFAULT_CASE
    session.profile = Profile(ki67=60)
    assert session.case_name == "" and "case=" not in session.query()


def test_derived_tables_are_recomputed_only_when_their_inputs_change(session):
    matched, guidance, rows = session.matched, session.guidance, session.evidence_rows
    session.outcome = "OS"
    session.presenter = True
    assert session.matched is matched and session.guidance is guidance
    assert session.evidence_rows is rows
    session.sort_by = "therapy"
    assert session.matched is matched and session.evidence_rows is not rows
    session.profile = Profile(ki67=60)
    assert session.matched is not matched and session.guidance is not guidance


def test_one_action_is_one_revision_naming_what_it_changed(session):
    before = session.revision
    session.apply_query("?ki67=30&outcome=OS&tab=map")
    assert session.revision == before + 1
    assert {"profile", "outcome", "tab"} <= session.changes
    session.outcome = "ORR"
    assert session.revision == before + 2 and session.changes == {"outcome"}


def test_the_therapy_filter_and_sort_shape_the_evidence_rows(session):
    session.therapy = "captem"  # a guidance therapy: CAPTEM and CAPTEM with 90Y radioembolisation
    assert set(session.evidence_rows["therapy"]) == {"CAPTEM", "CAPTEM + 90Y radioembolization"}
    session.therapy, session.sort_by = "", "value"
    values = session.evidence_rows["value"].dropna().tolist()
    assert values == sorted(values)


def test_rows_that_do_not_fit_are_listed_only_when_asked(session):
    assert "excluded" not in set(session.evidence_rows["match"])
    session.show_excluded = True
    assert "excluded" in set(session.evidence_rows["match"])
    assert len(session.evidence_rows) == len(session.matched)


def test_trials_beyond_the_review_are_in_scope_only_when_asked(session):
    beyond = (session.evidence["source"] == "primary") & (session.evidence["in_review"] == "no")
    assert beyond.any()
    assert len(session.in_scope) == len(session.evidence) - beyond.sum()
    session.beyond_review = True
    assert len(session.in_scope) == len(session.evidence)
    assert len(evidence_in_scope(session.evidence, False)) < len(session.evidence)


def test_an_upload_adds_rows_marked_as_the_users(session):
    curated = len(session.evidence)
    assert session.add_upload(own_rows("primary-901", "primary-902"), "mine.csv") == []
    assert len(session.evidence) == curated + 2
    assert list(session.evidence["origin"].tail(2)) == ["user", "user"]
    session.show_excluded = True
    assert {"primary-901", "primary-902"} <= set(session.evidence_rows["evidence_id"])


def test_an_upload_with_faults_adds_nothing_and_says_why(session):
    curated = len(session.evidence)
    clash = own_rows(session.evidence["evidence_id"].iloc[0])
    faults = session.add_upload(clash, "mine.csv")
    assert faults and "evidence_id" in str(faults[0])
    assert len(session.evidence) == curated and session.user_rows is None


def test_presenter_mode_and_the_view_travel_in_the_link(session):
    session.presenter, session.beyond_review, session.tab = True, True, "comparisons"
    again = Session()
    assert again.apply_query(session.query()) == []
    assert (again.presenter, again.beyond_review, again.tab) == (True, True, "comparisons")
    assert again.profile == session.profile and again.case_name == DEFAULT_CASE


def test_a_link_names_its_whole_case_and_lists_what_it_ignored(session):
    notices = session.apply_query("?ki67=250&liver_type=III&tab=nowhere")
    assert len(notices) == 2 and session.notices == notices
    assert session.profile == Profile(liver_type="III") and session.tab == "outcomes"


def test_an_empty_link_changes_nothing(session):
    before = (session.profile, session.revision)
    assert session.apply_query("?") == []
    assert (session.profile, session.revision) == before


def test_a_new_session_shown_a_case_has_no_change_to_report():
    """The first profile a session is given has no predecessor: nothing counts as changed."""
    session = Session()
    session.apply_case(DEFAULT_CASE)  # remembered, but there is nothing before it
    assert session.previous_profile is None
    assert session.changed_verdicts.empty
