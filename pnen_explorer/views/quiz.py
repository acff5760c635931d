"""Predict, then reveal: a quiz case shown without its verdicts, answers checked on commit.

The student reads a case (its facts only: no grade, no verdict), picks the WHO grade and a
verdict for a few therapies, and commits. Only then does the view show each answer with its
reason, citation and references, the score, and what was missed. The answers come from
:mod:`pnen_explorer.learning` (generated from the guidance); everything stays in the student's
own page and kernel: nothing is sent anywhere, and no one else sees the answers.

Its words are drawn in the language spoken where it is built or shown;
:meth:`QuizView.relabel` draws the case, its buttons and its answers again in the language
spoken where it is called (the student's choices are kept).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import ipywidgets as widgets

from pnen_explorer.cards import citation_text, therapy_name
from pnen_explorer.i18n import N_, _
from pnen_explorer.learning import (
    QuizCase,
    missed,
    quiz_case,
    quiz_cases,
    reason_text,
    reference_text,
    score_line,
    score_quiz,
    verdict_words,
    what_changed,
)
from pnen_explorer.views import Dropdown
from pnen_explorer.views.html import esc, muted, verdict_badge

STYLE = (Path(__file__).resolve().parent.parent / "static" / "quiz.css").read_text("utf-8")
"""The quiz's own styles: it reads the same on the dashboard and in a notebook."""
INTRO = N_(
    "Read the patient, then predict: the WHO 2022 grade, and what the reviews say about each "
    "therapy. Nothing is shown until you check your answers."
)


def case_html(case: QuizCase) -> str:
    """The case as the student reads it: its title, story and known facts (never a verdict)."""
    facts = "".join(
        f"<tr><th scope='row'>{esc(label)}</th><td>{esc(value)}</td></tr>"
        for label, value in case.facts
    )
    unlisted = _("Fields not listed are unknown.")
    return (
        f"<h3 class='pnen-quiz-title'>{esc(case.title)}</h3>"
        f"<p class='pnen-quiz-story'>{esc(case.story)}</p>"
        f"<table class='pnen pnen-quiz-facts'>{facts}</table>" + muted(unlisted)
    )


def _answer(value: str) -> str:
    if value in ("G1", "G2", "G3", "NEC", "unknown"):
        return f"<b>{esc(verdict_words(value))}</b>"
    return verdict_badge(value)


def score_html(case: QuizCase, answers: dict[str, str]) -> str:
    """'Score: 3 of 5 right'."""
    scored = score_quiz(case, answers)
    score = esc(_("Score: {score}")).format(score=f"<b>{esc(score_line(scored))}</b>")
    return f"<div class='pnen-quiz-score' role='status'>{score}</div>"


def feedback_html(yours: str | None, answer: str) -> str:
    """The mark beside one question once checked: right, or the answer (and whether the
    student left it open)."""
    if yours == answer:
        right = _("✓ right")
        return f"<span class='pnen-quiz-ok'>{esc(right)}</span>"
    if yours is None:
        said = esc(_("not answered; the answer: {answer}")).format(answer=_answer(answer))
    else:
        said = esc(_("✗ the answer: {answer}")).format(answer=_answer(answer))
    return f"<span class='pnen-quiz-no'>{said}</span>"


def result_html(case: QuizCase, answers: dict[str, str]) -> str:
    """Each answer with its reason and references, and what was missed."""
    scored = score_quiz(case, answers)
    rows = []
    no_answer = _("no answer")
    for row in scored.to_dict("records"):
        mark = esc(_("✓ right") if row["correct"] else _("✗ wrong"))
        yours = _answer(row["yours"]) if row["yours"] else f"<i>{esc(no_answer)}</i>"
        refs = reference_text(row["ref_nos"])
        rows.append(
            f"<tr class='pnen-quiz-{'right' if row['correct'] else 'wrong'}' "
            f"data-question='{esc(row['key'])}'><th scope='row'>{esc(row['question'])}</th>"
            f"<td>{yours}</td><td>{_answer(row['answer'])}</td><td><b>{mark}</b></td>"
            f"<td>{esc(row['reason'])} <span class='pnen-cite'>{esc(row['citation'])}</span>"
            + (f"<div class='pnen-cite'>{esc(refs)}</div>" if refs else "")
            + "</td></tr>"
        )
    lost = missed(scored)
    all_right, what_missed = _("You got every answer right."), _("What you missed")
    missed_html = (
        f"<p><b>{esc(all_right)}</b></p>"
        if not lost
        else f"<h4>{esc(what_missed)}</h4><ul class='pnen-quiz-missed'>"
        + "".join(f"<li>{esc(text)}</li>" for text in lost)
        + "</ul>"
    )
    heading = _("The answers, with the reasons and where the review gives them")
    head = "".join(
        f"<th scope='col'>{esc(title)}</th>"
        for title in (_("Question"), _("Yours"), _("Answer"), "", _("Why"))
    )
    return (
        f"<h4>{esc(heading)}</h4>"
        f"<table class='pnen pnen-quiz-answers'><tr>{head}</tr>{''.join(rows)}</table>"
        f"{missed_html}"
    )


class QuizView(widgets.VBox):
    """One quiz at a time: a case menu (when there are several cases), the case, one choice
    per question, a button to check, and the result."""

    def __init__(self, cases: Sequence[QuizCase] | None = None, session=None, **kwargs):
        super().__init__(**kwargs)
        self.cases = tuple(cases) if cases is not None else quiz_cases()
        self.session = session
        self.add_class("pnen-quiz")
        self.menu = Dropdown(
            options=[(c.title, c.key) for c in self.cases],
            description=_("Case"),
            layout=widgets.Layout(width="auto"),
        )
        self.menu.observe(self._on_menu, names="value")
        self.case_text = widgets.HTML()
        self.questions = widgets.VBox()
        self.choices: dict[str, widgets.ToggleButtons] = {}
        self.prompts: dict[str, widgets.HTML] = {}
        self.check = widgets.Button(button_style="primary", layout=widgets.Layout(width="auto"))
        self.check.on_click(lambda _button: self.commit())
        self.again = widgets.Button(layout=widgets.Layout(width="auto"))
        self.again.on_click(lambda _button: self.reset())
        self.result = widgets.HTML()
        self.score = widgets.HTML()
        self.feedback: dict[str, widgets.HTML] = {}
        self.intro = widgets.HTML()
        self._label_buttons()
        head = [widgets.HTML(f"<style>{STYLE}</style>"), self.intro]
        if len(self.cases) > 1:
            head.append(self.menu)
        self.case_text.add_class("pnen-quiz-case")
        self.children = [
            *head,
            widgets.HBox(
                [
                    self.case_text,
                    widgets.VBox(
                        [
                            self.questions,
                            widgets.HBox(
                                [self.check, self.again, self.score],
                                layout=widgets.Layout(align_items="center"),
                            ),
                        ],
                        layout=widgets.Layout(flex="1 1 520px", min_width="0"),
                    ),
                ],
                layout=widgets.Layout(flex_flow="row wrap", width="100%"),
            ),
            self.result,
        ]
        if session is not None:
            session.observe(self._from_session, names="quiz_case")
            if session.quiz_case:
                self.menu.value = session.quiz_case
        self.show(self.menu.value)

    def _label_buttons(self) -> None:
        intro = _(INTRO)
        self.intro.value = muted(intro)
        self.menu.description = _("Case")
        self.check.description = _("Check my answers")
        self.check.tooltip = _("Commit your answers and see the reasons")
        self.again.description = _("Try again")
        self.again.tooltip = _("Clear your answers")

    def relabel(self) -> None:
        """Say everything in the language spoken here: the buttons, the case menu, the case,
        the questions' choices and, once checked, the answers. The case shown, the student's
        choices and whether they were checked stay as they were."""
        self._label_buttons()
        self.cases = tuple(quiz_case(c.key) for c in self.cases)
        self.menu.options = [(c.title, c.key) for c in self.cases]  # the same case stays
        case = self.case
        self.case_text.value = case_html(case)
        for question in case.questions:
            choice = self.choices.get(question.key)
            if choice is None:
                continue
            value = choice.value
            choice.options = _choice_options(question)
            choice.value = value
            self.prompts[question.key].value = _prompt_html(question.prompt)
        if self.check.disabled:  # checked: draw the answers again in this language
            self.commit()

    @property
    def case(self) -> QuizCase:
        return next(c for c in self.cases if c.key == self.menu.value)

    def _on_menu(self, change: dict) -> None:
        if self.session is not None and self.session.quiz_case != change["new"]:
            self.session.quiz_case = change["new"]
        self.show(change["new"])

    def _from_session(self, change: dict) -> None:
        if change["new"] and change["new"] != self.menu.value:
            self.menu.value = change["new"]

    def show(self, key: str) -> None:
        """Show a case with every choice empty and nothing revealed."""
        case = next(c for c in self.cases if c.key == key)
        self.case_text.value = case_html(case)
        self.choices, self.feedback, self.prompts = {}, {}, {}
        rows = []
        for question in case.questions:
            choice = widgets.ToggleButtons(
                options=_choice_options(question), value=None, style={"button_width": "auto"}
            )
            choice.add_class(f"pnen-quiz-choice-{_slug(question.key)}")
            self.choices[question.key] = choice
            mark = widgets.HTML()
            mark.add_class("pnen-quiz-feedback")
            self.feedback[question.key] = mark
            prompt = widgets.HTML(_prompt_html(question.prompt))
            self.prompts[question.key] = prompt
            rows.append(
                widgets.VBox(
                    [
                        prompt,
                        widgets.HBox([choice, mark], layout=widgets.Layout(flex_flow="row wrap")),
                    ]
                )
            )
        self.questions.children = rows
        self.reset()

    def answers(self) -> dict[str, str]:
        """The student's choices so far (questions left open are absent)."""
        return {key: c.value for key, c in self.choices.items() if c.value is not None}

    def commit(self) -> None:
        """Lock the choices and reveal the answers, the score and what was missed."""
        for choice in self.choices.values():
            choice.disabled = True
        self.check.disabled = True
        answers = self.answers()
        for question in self.case.questions:
            self.feedback[question.key].value = feedback_html(
                answers.get(question.key), question.answer
            )
        self.score.value = score_html(self.case, answers)
        self.result.value = result_html(self.case, answers)

    def reset(self) -> None:
        """Clear the choices and hide the answers again."""
        for choice in self.choices.values():
            choice.disabled = False
            choice.value = None
        for mark in self.feedback.values():
            mark.value = ""
        self.check.disabled = False
        self.score.value = ""
        self.result.value = ""


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text.lower())


def _choice_options(question) -> list[tuple[str, str]]:
    """A question's choices as (words in the current language, the answer's code)."""
    return [(verdict_words(c), c) for c in question.choices]


def _prompt_html(prompt: str) -> str:
    return f"<b class='pnen-quiz-prompt'>{esc(prompt)}</b>"


class Reveal(widgets.VBox):
    """A button that shows its content only when clicked: an answer a student should not see
    before predicting."""

    def __init__(self, label: str, content_html: str, **kwargs):
        super().__init__(**kwargs)
        self.label = label
        self.content_html = content_html
        self.button = widgets.Button(description=label, layout=widgets.Layout(width="auto"))
        self.content = widgets.HTML()
        self.button.on_click(lambda _button: self.show())
        self.children = [self.button, self.content]

    def show(self) -> None:
        self.content.value = self.content_html
        self.button.disabled = True


def changes_html(changes) -> str:
    """A :func:`~pnen_explorer.learning.what_changed` table as an HTML table people read."""
    if changes.empty:
        nothing = _("No verdict changed.")
        return f"<p>{esc(nothing)}</p>"
    rows = "".join(
        f"<tr><th scope='row'>{esc(therapy_name(r.therapy))}</th>"
        f"<td>{verdict_badge(r.old_verdict)}</td>"
        f"<td>{verdict_badge(r.new_verdict)}</td><td>{esc(reason_text(r.deciding))} "
        f"<span class='pnen-cite'>{esc(citation_text(r.citation))}</span></td></tr>"
        for r in changes.itertuples(index=False)
    )
    head = "".join(
        f"<th scope='col'>{esc(title)}</th>"
        for title in (_("Therapy"), _("Was"), _("Now"), _("Now decided by"))
    )
    return f"<table class='pnen'><tr>{head}</tr>{rows}</table>"


def exercise(key: str) -> widgets.VBox:
    """One exercise of the students notebook: the quiz case ``key``; for a one-field
    variation, also a button that shows (after the student is done) every verdict the change
    moved, computed with :func:`~pnen_explorer.learning.what_changed`."""
    case = quiz_case(key)
    parts: list[widgets.Widget] = [QuizView([case])]
    if case.base:
        base = quiz_case(case.base)
        parts.append(
            Reveal(
                _("After checking: every verdict this one change moved"),
                changes_html(what_changed(base.profile, case.profile)),
            )
        )
    box = widgets.VBox(parts)
    box.add_class("pnen-exercise")
    return box
