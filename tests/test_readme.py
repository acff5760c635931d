"""The README's Python examples run, and what their comments say they give is what they give.

A ``python`` block runs top to bottom. An expression followed by a comment that is a Python
literal (``patient.grade  # 'G2'``) must equal it; an expression followed by comment lines
(a printed table) must print as those lines, blanks aside.
"""

from __future__ import annotations

import ast
import re

import pytest

from .conftest import ROOT

BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)


def python_blocks() -> list[str]:
    return BLOCK.findall((ROOT / "README.md").read_text(encoding="utf-8"))


def claims(block: str) -> list[tuple[int, str, str, str]]:
    """(line, expression, kind, expected) for every expression the block comments on."""
    lines = block.splitlines()
    tree = ast.parse(block)
    found = []
    for node in tree.body:
        if not isinstance(node, ast.Expr):
            continue
        code = ast.get_source_segment(block, node)
        line = lines[node.end_lineno - 1]
        comment = line.split("#", 1)[1].strip() if "#" in line[len(code) :] else ""
        if comment:
            found.append((node.lineno, code, "literal", comment))
            continue
        printed = []
        for after in lines[node.end_lineno :]:
            if not after.startswith("#"):
                break
            printed.append(after[1:])
        if printed:
            found.append((node.lineno, code, "printed", "\n".join(printed)))
    return found


def test_the_readme_has_python_examples_that_say_what_they_give():
    blocks = python_blocks()
    assert blocks
    assert any(claims(block) for block in blocks)


@pytest.mark.parametrize("number", range(len(python_blocks())))
def test_a_readme_example_runs_and_gives_what_it_says(number):
    block = python_blocks()[number]
    namespace: dict = {}
    exec(compile(block, f"README.md python block {number + 1}", "exec"), namespace)
    for line, code, kind, expected in claims(block):
        value = eval(code, namespace)
        if kind == "literal":
            try:
                wanted = ast.literal_eval(expected)
            except (ValueError, SyntaxError):
                continue  # a comment in words, not a value
            assert value == wanted, f"README line {line}: {code} gives {value!r}, not {expected}"
        else:
            shown = " ".join(str(value).split())
            assert shown == " ".join(expected.split()), f"README line {line}: {code}"


def test_the_module_map_names_every_module_and_only_those():
    """The README's table of modules matches the package (a new module must be described)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text.split("The modules,", 1)[1].split("## ", 1)[0]
    named = set(re.findall(r"^\| `([a-z0-9_]+)/?`", table, re.MULTILINE))
    package = ROOT / "pnen_explorer"
    modules = {p.stem for p in package.glob("*.py") if p.stem != "__init__"} | {"views"}
    assert named == modules
    views = {p.stem for p in (package / "views").glob("*.py") if p.stem != "__init__"}
    views_row = next(line for line in table.splitlines() if line.startswith("| `views/`"))
    assert views == set(re.findall(r"`([a-z_]+)`", views_row.split("|")[2]))
