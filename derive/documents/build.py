"""The proof model of a document: one :class:`~derive.model.proof.Case` per chain of equalities.

Each chain (a display's rows joined by leading ``=``, or an inline ``a = b = c``)
becomes a case whose start is its first side and whose steps are the sides
after it, under the assumptions of the document's case at that point and the
declared definitions and facts.  Each step's ``origin`` is ``file:line:column``
of its side, its ``source_ref`` is "Section, line N", its reason is the
author's annotation (``\\quad \\text{...}``) if any, and its ``note`` lists the
readings of its line.  A line that cannot be read is a step whose expression
is an :class:`UnreadLine` (so the checker reports it as ERROR, with the
place), and is also returned as a problem with a caret under the first token
that failed.  A recombination section's lines become claims over the cases
before them that derive the same subject.

What this module is not for: it checks nothing; the checker does, exactly as
for a proof module.  What reading gives (the result, the lines not read) is in
:mod:`derive.documents.result`.

Long because one builder walks the document's equations in order, and each
part of the walk reads what the parts before it left: the local definitions
so far, the cases built (a recombination claims the cases before it), the
errata used, and the record of every line.  Its methods are the steps of that
one walk.
"""

from __future__ import annotations

import re
from pathlib import Path

import sympy as sp
from lark import Tree

from ..core.context import Distinct, Equal, IllFormed
from ..model.proof import Case, Claim, Expect, ModelError, Proof, Source, Step
from .declarations import DeclarationError, load_declarations
from .events import Heading
from .extract import extract
from .names import Names, key_of
from .result import DocumentError, DocumentResult, LineRecord, Problem, UnreadLine
from .reading import LineContext, Reader, ReadProblem
from .structure import StructureError, structure_of
from .syntax import SyntaxProblem, sides_apart

__all__ = ["read_document"]


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug or "document"


def read_document(path: Path, display: str | None = None, sidecar: Path | None = None) -> DocumentResult:
    """Read a Markdown or LaTeX document into the proof model; raises DocumentError if it cannot be.

    ``display`` is the path shown in places (default: ``path``); ``sidecar`` a declarations file to use
    instead of ``NAME.derive.yaml`` beside the document.
    """
    display = display or str(path)
    source = path.read_text(encoding="utf-8")
    try:
        document = extract(display, source)
    except Exception as error:  # LayoutError
        offset = getattr(error, "offset", None)
        if offset is None:
            raise
        raise DocumentError(_place(display, source, offset), str(error)) from None
    try:
        declarations = load_declarations(document, path, sidecar)
        names = Names(declarations)
        structure = structure_of(document, declarations)
    except DeclarationError as error:
        raise DocumentError(error.where or display, error.message) from None
    except StructureError as error:
        raise DocumentError(document.place(error.offset), str(error)) from None
    return _Builder(document, declarations, names, structure, path).build()


def _place(path, source, offset):
    line = source.count("\n", 0, offset) + 1
    column = offset - (source.rfind("\n", 0, offset) + 1) + 1
    return f"{path}:{line}:{column}"


class _Builder:
    def __init__(self, document, declarations, names, structure, path):
        self.document = document
        self.declarations = declarations
        self.names = names
        self.reader = Reader(names)
        self.structure = structure
        self.path = path
        self.macros: dict = {}
        self.cases: list[Case] = []
        self.claims: list[Claim] = []
        self.case_sections: dict[str, str] = {}
        self.problems: list[Problem] = []
        self.lines: list[LineRecord] = []
        self.errata = {str(k): str(v) for k, v in (declarations.get("errata") or {}).items()}
        self.used_errata: set[str] = set()
        self.names_used: dict[str, int] = {}
        try:
            self.definitions = tuple(self.reader.definition(text, "definitions")
                                     for text in declarations.get("definitions") or ())
        except DeclarationError as error:
            raise DocumentError(error.where, error.message) from None

    # places --------------------------------------------------------------------------------------

    def place(self, offset: int) -> str:
        return self.document.place(offset)

    def problem(self, row, position: int, message: str, kind: str) -> Problem:
        offset = row.offset + position
        line_text = self.document.line_text(offset)
        column = self.document.position(offset)[1]
        caret = f"    {line_text}\n    {' ' * (column - 1)}^"
        found = Problem(self.place(offset), message, caret, kind)
        self.problems.append(found)
        return found

    # building ------------------------------------------------------------------------------------

    def build(self) -> DocumentResult:
        for equation in self.structure.equations:
            self.equation(equation)
        unused = set(self.errata) - self.used_errata
        if unused:
            where = self.declarations.place("errata")
            raise DocumentError(where, f"erratum {sorted(unused)[0]!r} names no line of the document: name a "
                                f"line as 'Section, line N' (N counts the section's equation rows), a case's "
                                f"result as 'Section, conclusion', or a recombination section by its name")
        title = str(self.declarations.get("title") or self._first_heading() or self.path.stem)
        proof_id = str(self.declarations.get("id") or _slug(self.path.name.split(".")[0]))
        if not self.cases:
            raise DocumentError(self.document.path, "no equation was found to check: write a chain "
                                "'a = b' in a display ($$...$$, \\[...\\], align) or inline")
        try:
            proof = Proof(id=proof_id, title=title, source=Source(title), claim=title, cases=tuple(self.cases),
                          claims=tuple(self.claims), origin=self.document.path)
        except ModelError as error:
            raise DocumentError(self.document.path, str(error)) from None
        return DocumentResult(proof, self.problems, self.lines)

    def _first_heading(self):
        for event in self.document.events:
            if isinstance(event, Heading):
                return event.text
        return None

    def equation(self, equation):
        chains = []   # each: list of (row, parsed, side tree or None, side offset, line number)
        line = equation.first_line - 1
        for row, parsed in equation.rows:
            from .structure import _is_equation

            if not _is_equation(row, parsed):
                continue
            line += 1
            if isinstance(parsed, SyntaxProblem):
                # The row does not parse as a whole: read its sides one by one, so that only the side
                # that fails is not read, and the chain keeps the sides around it.
                lead = row.text.lstrip().startswith("=")
                entry = list(self._sides_apart(row, line))
                if lead and chains:
                    chains[-1].extend(entry)
                else:
                    chains.append(entry)
                continue
            children = parsed.children[0].children
            lead = children and isinstance(children[0], Tree) and children[0].data == "lead"
            sides = [c for c in children if isinstance(c, Tree) and c.data not in ("rel", "lead")]
            relations = [(c.children[0] if c.data == "rel" else c.children[0].children[0])
                         for c in children if isinstance(c, Tree) and c.data in ("rel", "lead")]
            entries = [(row, parsed, side, row.offset + side.meta.start_pos, line) for side in sides]
            if any(r.type == "NEQ" for r in relations):
                problem = self.problem(row, relations[0].start_pos if relations[0].type == "NEQ" else
                                       next(r for r in relations if r.type == "NEQ").start_pos,
                                       "a chain of equalities cannot hold '\\neq'; state a case with a "
                                       "relation on its own ('assume $j \\neq k$')", "unreadable")
                chains.append([(row, problem, None, row.offset, line)])
                continue
            if lead and chains:
                chains[-1].extend(entries)
            else:
                chains.append(entries)
        for chain in chains:
            if equation.skip:
                for row, _, _, offset, number in chain:
                    self.record(offset, row, "skipped", (f"skipped: {equation.skip}",))
                continue
            self.chain(equation, chain)

    def _sides_apart(self, row, line):
        """The sides of a row that does not parse as a whole, each parsed alone (positions kept)."""
        for tree, problem in sides_apart(row.text):
            if problem is not None:
                yield row, problem, None, row.offset + problem.position, line
                continue
            side = tree.children[0].children[0]
            yield row, tree, side, row.offset + side.meta.start_pos, line

    def record(self, offset, row, status, readings=(), step_refs=(), claim_names=()):
        """Record what became of a row; a row's sides merge into one record (not read wins)."""
        found = LineRecord(self.place(offset), " ".join(row.text.split()), status, tuple(readings),
                           tuple(step_refs), tuple(claim_names), row.offset)
        for index, line in enumerate(self.lines):
            if line.row_offset == row.offset:
                self.lines[index] = line.merged(found)
                return
        self.lines.append(found)

    def chain(self, equation, chain):
        context = LineContext(macros=self.macros)
        section = equation.section or "Document"
        read_sides = []   # (expr or UnreadLine, readings, row, offset, line)
        for row, parsed, side, offset, number in chain:
            if side is None:
                problem = parsed if isinstance(parsed, Problem) else \
                    self.problem(row, parsed.position, str(parsed), "unparseable")
                text = getattr(parsed, "segment", row.text)
                read_sides.append((UnreadLine(text, problem.place, problem.message), (), row, offset, number,
                                   problem))
                continue
            if not read_sides and self._is_local_definition(chain, side):
                self._define(chain, context)
                return
            if isinstance(side, Tree) and side.data == "cases" and not (len(chain) == 2 and read_sides):
                problem = self.problem(row, side.meta.start_pos, "a cases environment is read only as the whole "
                                       "right-hand side of 'a = \\begin{cases} ... \\end{cases}'", "unreadable")
                read_sides.append((UnreadLine(row.text, problem.place, problem.message), (), row, offset, number,
                                   problem))
                continue
            if isinstance(side, Tree) and side.data == "cases":
                continue   # its branches are read by _branches
            try:
                expr, readings = self.reader.side(side, row.text, context)
            except ReadProblem as problem:
                found = self.problem(row, problem.position, str(problem), problem.kind)
                read_sides.append((UnreadLine(self._side_text(row, side), found.place, found.message), (), row,
                                   offset, number, found))
                continue
            except (IllFormed, ValueError, TypeError) as error:
                found = self.problem(row, side.meta.start_pos, f"cannot be built: {error}", "unreadable")
                read_sides.append((UnreadLine(self._side_text(row, side), found.place, found.message), (), row,
                                   offset, number, found))
                continue
            if not any(isinstance(s[0], sp.Basic) for s in read_sides):
                self._set_derivative_context(expr, context)
            read_sides.append((expr, readings, row, offset, number, None))
        cases_side = self._cases_branches(chain)
        if cases_side is not None:
            self._branches(equation, chain, read_sides, cases_side, context)
            return
        self._emit(equation, section, read_sides, equation.assumptions)

    def _side_text(self, row, side):
        return row.text[side.meta.start_pos:side.meta.end_pos]

    def _set_derivative_context(self, expr, context):
        if isinstance(expr, sp.Derivative) and len(expr.variables) == 1:
            variable = expr.variables[0]
            context.wrt = variable
            if isinstance(variable, sp.Indexed) and len(variable.indices) == 1 \
                    and isinstance(variable.indices[0], sp.Symbol):
                context.free = variable.indices[0]

    def _cases_branches(self, chain):
        for _, _, side, _, _ in chain:
            if isinstance(side, Tree) and side.data == "cases":
                return side
        return None

    def _is_local_definition(self, chain, side):
        if len(chain) != 2 or chain[1][2] is None:
            return False
        if not (isinstance(side, Tree) and side.data in ("name", "accent")):
            return False
        key = key_of(side)
        plain = key[6:-1] if key.startswith("\\bold{") else key   # \mathbf{a} is the declared vector a
        return all(k not in self.names.kinds and k not in self.macros for k in (key, plain)) and key != "e"

    def _define(self, chain, context):
        (row, _, side, offset, _), (row2, _, body, offset2, _) = chain
        key = key_of(side)
        try:
            expr, readings = self.reader.side(body, row2.text, context)
        except ReadProblem as problem:
            found = self.problem(row2, problem.position, str(problem), problem.kind)
            self.record(offset, row, "not read", (found.message,))
            return
        self.macros[key] = (expr, self.place(offset))
        self.record(offset, row, "definition", [f"{key} is defined as {_show(expr)} for the lines after it"]
                    + [r.text for r in readings])

    def _assumptions(self, assumptions, context):
        found = []
        for assumption in assumptions:
            parsed = assumption.tree
            row = parsed.children[0]
            left, rel, right = [c for c in row.children if isinstance(c, Tree)]
            try:
                a, b = self.reader.relation(left, right, assumption.row.text, context)
            except ReadProblem as problem:
                if assumption.source == "prose":
                    raise DocumentError(self.place(assumption.row.offset + problem.position),
                                        f"the case's relation cannot be read: {problem}") from None
                raise DocumentError(self.place(assumption.row.offset), f"the case's relation cannot be read: "
                                    f"{problem}") from None
            token = rel.children[0]
            found.append(Equal(a, b) if token.type == "EQ" else Distinct(a, b))
        return tuple(found)

    def _emit(self, equation, section, read_sides, assumptions, extra_assumptions=(), suffix=""):
        context = LineContext(macros=self.macros)
        case_assumptions = self._assumptions(assumptions, context) + tuple(extra_assumptions) \
            + self.names.facts
        starts = [i for i, s in enumerate(read_sides) if isinstance(s[0], sp.Basic)]
        first_line = read_sides[0][4]
        name_base = f"{_slug(section)}-line-{first_line}{suffix}"
        name = name_base
        counter = 2
        while any(c.name == name for c in self.cases):
            name, counter = f"{name_base}-{counter}", counter + 1
        if equation.claim:
            self._claims(equation, section, read_sides, starts, name)
            return
        if not starts:
            start = sp.Symbol("(not read)")
            steps_from = 0
        else:
            start = read_sides[starts[0]][0]
            steps_from = None
        steps = []
        refs = {}
        start_readings = read_sides[starts[0]][1] if starts else ()
        for position, (expr, readings, row, offset, number, problem) in enumerate(read_sides):
            if steps_from is None and position == starts[0]:
                continue
            ref = f"{section}, line {number}"
            notes = [r.text for r in readings]
            if not steps and start_readings:
                notes = [f"the start: {r.text}" for r in start_readings
                         if r.text not in notes] + notes
            note = ("Reading: " + "; ".join(notes) + ".") if notes else ""
            expect = Expect.HOLDS
            if ref in self.errata:
                self.used_errata.add(ref)
                expect = Expect.ERRATUM
                note = (note + " " if note else "") + "Erratum: " + self.errata[ref]
            if isinstance(expr, UnreadLine):
                note = f"not read: {expr.message}"
                reason = "not read"
            else:
                reason = row.annotation or "as written"
            # The reference names the place too, so that every view of the report (terminal, JSON, notes)
            # shows the file, line and column the verdict is about.
            steps.append(Step(expr, reason, f"{ref} ({self.place(offset)})", expect, note, None,
                              self.place(offset)))
            refs.setdefault((row.offset, number), []).append(len(steps))
        if not steps:   # a chain whose only readable side is its start: its other sides were not read
            return
        conclusion_key = f"{section}, conclusion"
        conclusion = Expect.HOLDS
        note = ""
        if conclusion_key in self.errata:
            self.used_errata.add(conclusion_key)
            conclusion, note = Expect.ERRATUM, self.errata[conclusion_key]
        title = f"{section}, line {first_line}"
        if case_assumptions:
            title += " (" + "; ".join(a.text() for a in case_assumptions) + ")"
        try:
            case = Case(name, title, classes=self.names.count, start=start, steps=tuple(steps),
                        assumptions=case_assumptions, definitions=self.definitions,
                        source_ref=f"{section}, line {first_line} ({self.place(read_sides[0][3])})", note=note,
                        conclusion=conclusion, origin=self.place(read_sides[0][3]))
        except ModelError as error:
            raise DocumentError(self.place(read_sides[0][3]), str(error)) from None
        self.cases.append(case)
        if equation.case_label or suffix:
            self.case_sections[name] = section
        for position, (expr, readings, row, offset, number, problem) in enumerate(read_sides):
            status = "not read" if isinstance(expr, UnreadLine) else "read"
            step_numbers = [i + 1 for i, s in enumerate(steps) if s.origin == self.place(offset)]
            texts = [r.text for r in readings]
            self.record(offset, row, status, texts, tuple((name, n) for n in step_numbers))

    def _branches(self, equation, chain, read_sides, cases_tree, context):
        """``a = \\begin{cases} b & \\text{if } i = j \\\\ c & \\text{otherwise} \\end{cases}``: a case per branch."""
        section = equation.section or "Document"
        lhs = [s for s in read_sides if isinstance(s[0], sp.Basic)]
        if not lhs:
            return
        row = chain[0][0]
        conditions = []
        for branch in cases_tree.children:
            if not (isinstance(branch, Tree) and branch.data == "branch"):
                continue
            value = branch.children[0]
            condition = branch.children[-1]
            relation = [c for c in condition.children if isinstance(c, Tree)]
            conditions.append((value, relation, condition))
        explicit = [c for c in conditions if c[1]]
        for number, (value, relation, condition) in enumerate(conditions, 1):
            try:
                expr, readings = self.reader.side(value, row.text, context)
                if relation:
                    left, rel, right = relation[0], relation[1], relation[2]
                    a, b = self.reader.relation(left, right, row.text, context)
                    assumption = (Equal(a, b) if rel.children[0].type == "EQ" else Distinct(a, b),)
                else:
                    if len(explicit) != 1:
                        raise ReadProblem("'otherwise' is read only beside one other branch with a relation; "
                                          "write each branch's relation", condition.meta.start_pos
                                          if not condition.meta.empty else value.meta.end_pos, "ambiguous")
                    left, rel, right = explicit[0][1]
                    a, b = self.reader.relation(left, right, row.text, context)
                    assumption = (Distinct(a, b) if rel.children[0].type == "EQ" else Equal(a, b),)
            except ReadProblem as problem:
                found = self.problem(row, problem.position, str(problem), problem.kind)
                sides = [lhs[0], (UnreadLine(row.text, found.place, found.message), (), row,
                                  row.offset + value.meta.start_pos, lhs[0][4], found)]
                self._emit(equation, section, sides, equation.assumptions, suffix=f"-branch-{number}")
                continue
            offset = row.offset + value.meta.start_pos
            sides = [lhs[0], (expr, readings, row, offset, lhs[0][4], None)]
            self._emit(equation, section, sides, equation.assumptions, assumption, suffix=f"-branch-{number}")

    def _claims(self, equation, section, read_sides, starts, name):
        if not starts:
            return
        subject = read_sides[starts[0]][0]
        recombined = tuple(c.name for c in self.cases if c.name in self.case_sections
                           and sp.srepr(c.start) == sp.srepr(subject))
        if not recombined:
            raise DocumentError(self.place(read_sides[starts[0]][3]), f"the recombination in {section!r} "
                                f"recombines no case: no case before it starts from {_show(subject)}; declare "
                                f"the cases (cases: {{\"Case 1\": \"j = k\"}}) or mark them (derive: case ...)")
        number = 0
        for position, (expr, readings, row, offset, line, problem) in enumerate(read_sides):
            if position == starts[0]:
                continue
            number += 1
            if isinstance(expr, UnreadLine):
                self.record(offset, row, "not read", (expr.message,))
                continue
            expect = Expect.HOLDS
            note = "; ".join(r.text for r in read_sides[starts[0]][1] + readings)
            note = f"Reading: {note}." if note else ""
            if section in self.errata:
                self.used_errata.add(section)
                expect = Expect.ERRATUM
                note = (note + " " if note else "") + "Erratum: " + self.errata[section]
            claim_name = f"{_slug(section)}-line-{line}" + (f"-{number}" if number > 1 and False else "")
            while any(c.name == claim_name for c in self.claims):
                claim_name += "-b"
            # The claim is stated under the document's facts (y one-hot at ℓ), as its cases are.
            self.claims.append(Claim(claim_name, f"{section}, line {line}", subject, expr, recombined,
                                     expect=expect, source_ref=f"{section}, line {line} ({self.place(offset)})",
                                     note=note, assumptions=self.names.facts,
                                     origin=self.place(offset)))
            self.record(offset, row, "read", [r.text for r in readings], claim_names=(claim_name,))


def _show(expr) -> str:
    from ..render.unicode import unicode

    return unicode(expr)
