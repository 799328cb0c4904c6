"""Sections, cases and claims from a document's structure.

A heading starts a section (a plain-text document may declare which
paragraphs are headings: ``sections:``).  Within a section, a case is set

- by a relation between indices right after a word that introduces one
  ("Case 1: $j \\neq \\ell$", "assume $j = \\ell$", "If $j = k$"), until the next
  heading or case; a case set by "if" or "when" inside a paragraph that also
  holds equations ends with that paragraph;
- by the declarations (``cases: {"Case 1": "j = k"}``: a section whose name
  starts so), which override the prose;
- by a marker comment (``<!-- derive: case j \\neq \\ell -->``, ``% derive: case
  none``), which overrides both until the next heading.

A section named "Recombination" (or listed under ``claims:``, or after a
marker ``derive: claim``) holds claims that recombine the cases before it.
A marker ``derive: skip WHY`` (or a ``skip:`` declaration naming the formula)
leaves the next formula out, saying why.

What this module is not for: it reads no maths beyond what it must to see a
relation (the rows are parsed by ``syntax``; their meaning is ``reading``'s).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lark import Token

from .events import Formula, Heading, Marker, Paragraph, Prose
from .layout import Row, rows_of
from .syntax import SyntaxProblem, parse_row

__all__ = ["Assumption", "Equation", "Structure", "structure_of", "StructureError"]

_TRIGGER = re.compile(r"(?:\b(?:if|assume|assuming|suppose|case\s*\d*\s*[:.]?|let)\s*[:,]?\s*)$", re.I)
_SCOPED = re.compile(r"\b(?:if)\s*[:,]?\s*$", re.I)


class StructureError(ValueError):
    def __init__(self, message: str, offset: int):
        super().__init__(message)
        self.offset = offset


@dataclass(frozen=True)
class Assumption:
    """A relation between two indices that a case assumes: its row and parse tree, and where it was set."""

    row: Row
    tree: object
    source: str     # "prose", "declaration" or "marker"


@dataclass
class Equation:
    """One formula's rows, with the section, case and role they were written under."""

    formula: Formula
    rows: list          # (Row, tree or SyntaxProblem)
    section: str
    first_line: int     # the section's line number of the first equation row
    assumptions: tuple
    case_label: str     # the section that set the case ("" when none)
    claim: bool
    skip: str = ""


@dataclass
class Structure:
    equations: list = field(default_factory=list)
    sections: list = field(default_factory=list)


def _relation_tree(tree):
    """The (left, relation token, right) of a row that states one relation and nothing else, or None."""
    row = tree.children[0]
    children = [c for c in row.children if not isinstance(c, Token)]   # a closing period or comma is not maths
    if len(children) == 3 and children[1].data == "rel":
        return children[0], children[1].children[0], children[2]
    return None


def _is_equation(row: Row, parsed) -> bool:
    if isinstance(parsed, SyntaxProblem):
        return _has_equals(row.text)
    relation = parsed.children[0].children
    return any(getattr(c, "data", None) == "rel" and c.children[0].type == "EQ" for c in relation) \
        or any(getattr(c, "data", None) == "lead" for c in relation)


def _has_equals(text: str) -> bool:
    depth = 0
    for c in text:
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        elif c == "=" and depth == 0:
            return True
    return False


def _index_relation(parsed) -> bool:
    """A row that is a single relation between two names (``j \\neq \\ell``, ``i = j``)."""
    if isinstance(parsed, SyntaxProblem):
        return False
    found = _relation_tree(parsed)
    if found is None:
        return False
    left, _, right = found
    return all(getattr(side, "data", None) in ("name", "number") for side in (left, right))


def _line_range(text: str):
    """``40-52`` (or ``40``) as a pair of line numbers, or None."""
    first, _, last = text.partition("-")
    if first.isdigit() and (last.isdigit() or not last):
        return int(first), int(last or first)
    return None


def _parse(row: Row):
    try:
        return parse_row(row.text)
    except SyntaxProblem as problem:
        return problem


def structure_of(document, declarations) -> Structure:
    declared_sections = [str(s) for s in (declarations.get("sections") or [])]
    declared_cases = {str(k): str(v) for k, v in (declarations.get("cases") or {}).items()}
    # "lines 40-52" names a range of the file's lines rather than a section (for a document without headings)
    line_cases = {}
    for key in list(declared_cases):
        words = key.split()
        if len(words) == 2 and words[0] in ("line", "lines") and _line_range(words[1]) is not None:
            relation = declared_cases.pop(key)
            row = Row(relation, -1)
            parsed = _parse(row)
            if not _index_relation(parsed):
                raise StructureError(f"declared case {key!r}: {relation!r} is not a relation between two "
                                     f"indices; write e.g. 'j = k' or 'j \\neq k'", document.front_matter_offset)
            line_cases[_line_range(words[1])] = Assumption(row, parsed, "declaration")
    declared_claims = [str(s) for s in (declarations.get("claims") or [])]
    skips = {"".join(str(k).split()): str(v) for k, v in (declarations.get("skip") or {}).items()}
    result = Structure()
    state = _State()

    def start_section(heading: str, offset: int):
        # "Case 1: j = k (...)" is the section "Case 1": places read "Case 1, line 2".
        name = heading.split(":", 1)[0].strip() if ":" in heading else heading.strip()
        name = name or heading.strip()
        state.section = name
        state.lines = 0
        state.case = ()
        state.case_label = ""
        state.scoped = None
        state.claim = ("recombin" in name.lower()
                       or any(name.startswith(c) for c in declared_claims))
        result.sections.append(name)
        for prefix, relation in declared_cases.items():
            if name.startswith(prefix):
                row = Row(relation, -1)
                parsed = _parse(row)
                if not _index_relation(parsed):
                    raise StructureError(f"declared case {prefix!r}: {relation!r} is not a relation between two "
                                         f"indices; write e.g. 'j = k' or 'j \\neq k'", document.front_matter_offset)
                state.case = (Assumption(row, parsed, "declaration"),)
                state.case_label = name
                state.case_fixed = True
                return
        state.case_fixed = False

    events = list(document.events)
    prose_tail = ""
    pending_skip = ""
    paragraph_equations = 0
    for position, event in enumerate(events):
        if isinstance(event, Heading):
            start_section(event.text, event.offset)
            prose_tail = ""
            continue
        if isinstance(event, Formula) and state.ranged is not None \
                and not state.ranged[0] <= document.position(event.offset)[0] <= state.ranged[1]:
            state.case, state.case_label, state.case_fixed, state.ranged = (), "", False, None   # left the range
        if isinstance(event, Paragraph):
            if state.scoped is not None and paragraph_equations:
                state.case, state.case_label = state.scoped
                state.scoped = None
            paragraph_equations = 0
            prose_tail = ""
            following = events[position + 1] if position + 1 < len(events) else None
            if isinstance(following, Prose):
                text = following.text.lstrip()
                for prefix in declared_sections:
                    if text.startswith(prefix):
                        start_section(prefix.rstrip(":").strip(), event.offset)
            continue
        if isinstance(event, Prose):
            prose_tail = (prose_tail + event.text)[-80:]
            continue
        if isinstance(event, Marker):
            words = event.text.split(None, 1)
            command = words[0] if words else ""
            rest = words[1] if len(words) > 1 else ""
            if command == "case":
                if rest.strip() in ("none", ""):
                    state.case, state.case_label = (), ""
                else:
                    parsed = _parse(Row(rest, 0))
                    if not _index_relation(parsed):
                        raise StructureError(f"marker 'derive: case {rest}': write a relation between two "
                                             f"indices, e.g. 'derive: case j \\neq k'", event.offset)
                    state.case = (Assumption(Row(rest, event.offset), parsed, "marker"),)
                    state.case_label = state.section
                state.case_fixed = True
                state.scoped = None
            elif command == "claim":
                state.claim = True
            elif command == "skip":
                pending_skip = rest or "marked to be skipped"
            elif command == "section":
                start_section(rest.strip(), event.offset)
            else:
                raise StructureError(f"unknown marker 'derive: {event.text}': the markers are 'case RELATION', "
                                     f"'case none', 'claim', 'skip WHY' and 'section NAME'", event.offset)
            continue
        if not isinstance(event, Formula):
            continue
        try:
            rows = rows_of(event)
        except Exception as error:  # a LayoutError names its offset
            raise StructureError(str(error), event.offset + getattr(error, "offset", 0)) from None
        parsed_rows = [(row, _parse(row)) for row in rows]
        line = document.position(event.offset)[0]
        for (first, last), assumption in line_cases.items():
            if first <= line <= last:
                state.case, state.case_label, state.case_fixed = (assumption,), state.section, True
                state.ranged = (first, last)
        if len(parsed_rows) == 1 and _index_relation(parsed_rows[0][1]):
            if _TRIGGER.search(prose_tail) and not state.case_fixed:
                # A case set by "if" inside a paragraph ends with the paragraph; the case before the
                # first such "if" is the one to return to.
                previous = state.scoped if state.scoped is not None else (state.case, state.case_label)
                state.case = (Assumption(parsed_rows[0][0], parsed_rows[0][1], "prose"),)
                state.case_label = state.section
                state.scoped = previous if _SCOPED.search(prose_tail) else None
                paragraph_equations = 0
            prose_tail = ""
            continue
        prose_tail = ""
        equation_rows = [(r, p) for r, p in parsed_rows if _is_equation(r, p)]
        if not equation_rows:
            continue
        skip = pending_skip or skips.get("".join(event.text.split()), "")
        pending_skip = ""
        result.equations.append(Equation(event, parsed_rows, state.section, state.lines + 1, state.case,
                                         state.case_label, state.claim, skip))
        state.lines += len(equation_rows)
        paragraph_equations += 1
    return result


@dataclass
class _State:
    section: str = ""
    lines: int = 0
    case: tuple = ()
    case_label: str = ""
    case_fixed: bool = False
    claim: bool = False
    scoped: object = None   # the case to return to when a paragraph's "if" case ends
    ranged: object = None   # (first, last) lines of a case declared by line range
