"""What a document declares once: its counts, names, definitions, facts, structure and errata.

Declarations come from the ``derive:`` key of a Markdown front matter, from a
``% derive:`` comment block of a ``.tex`` file, or from a sidecar file
``NAME.derive.yaml`` beside the document (for a document that must not be
edited).  A sidecar and the document's own block are merged; a key given in
both with different values is an error naming both places.

The keys (all optional except ``classes``)::

    derive:
      id: cross-entropy-gradient        # the proof id (default: from the file name)
      title: ...                         # default: the front matter's title or the first heading
      classes: k                         # the number of classes, as the document writes it
      indices: [j, \\ell]                 # index names, each over 1..classes
      vectors: {z: real, y: nonnegative, \\hat{y}: real}
      scalars: [L]
      functions: {\\text{CE}: cross_entropy, \\sigma: softmax}
      definitions: ["\\hat{y} = softmax(z)", "L = -\\sum_{i=1}^{k} y_i \\log \\hat{y}_i"]
      facts: {one-hot: {y: \\ell}, sums-to-one: [y]}
      sample: "(i)"                      # a sample superscript to ignore
      component: j                       # the index a bare vector stands for, where no line gives one
      readings: {sum-without-limits: refuse, ...}    # refuse a kind of reading (see reading.py)
      rename: {count-as-index: n, shadowed-index: i} # the names given to renamed summation indices
      sections: ["Case 1:", "Part 2:"]   # paragraphs that start so are headings (plain-text documents)
      cases: {"Case 1": "j = k"}         # a heading (or its start), or "lines 40-52", and its assumption
      claims: [Recombination]            # headings whose lines recombine the cases before them
      skip: {"f(x) = \\frac{u(x)}{v(x)}": "the quotient rule for generic functions"}
      errata: {"Case 1, line 1": "why it is wrong", "Case 1, conclusion": "...", "Recombination": "..."}

What this module is not for: it does not read the maths of a definition
(``reading`` does, with the same grammar as the document's lines).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Declarations", "DeclarationError", "load_declarations", "sidecar_of", "READING_KINDS"]

READING_KINDS = ("count-as-index", "shadowed-index", "bare-vector", "softmax-of-vector", "softmax-of-entry",
                 "softmax-prime", "nabla", "sum-without-limits", "sigma-as-sum", "sample-superscript",
                 "written-out-sum", "local-definition", "kronecker-delta", "scalar-arguments")
_DOMAINS = ("real", "positive", "nonnegative")
_FUNCTIONS = ("softmax", "log_softmax", "cross_entropy", "log", "exp")
_KEYS = ("id", "title", "classes", "indices", "vectors", "scalars", "functions", "definitions", "facts", "sample",
         "component", "readings", "rename", "sections", "cases", "claims", "skip", "errata")


class DeclarationError(ValueError):
    """Declarations that are wrong: ``where`` names the file and line, the message says what to write."""

    def __init__(self, where: str, message: str):
        super().__init__(f"{where}: {message}")
        self.where = where
        self.message = message


def sidecar_of(path: Path) -> Path:
    return path.with_name(path.name.rsplit(".", 1)[0] + ".derive.yaml") if "." in path.name \
        else path.with_name(path.name + ".derive.yaml")


@dataclass(frozen=True)
class Declarations:
    values: dict
    where: dict = field(default_factory=dict)   # key -> (file, line) of the declaration
    texts: dict = field(default_factory=dict)   # file -> its lines, to find columns

    def get(self, key, default=None):
        return self.values.get(key, default)

    def place(self, key: str) -> str:
        """``file:line:column`` of a declaration's key."""
        if key not in self.where:
            return next(iter(self.texts), "declarations")
        file, line = self.where[key]
        return f"{file}:{line}:{self._column(file, line, key)}"

    def name_place(self, key: str, name: str) -> str:
        """``file:line:column`` of ``name`` within the declaration ``key`` (its line or the lines below)."""
        if key not in self.where:
            return self.place(key)
        file, line = self.where[key]
        lines = self.texts.get(file, [])
        for number in range(line, min(line + 40, len(lines) + 1)):
            text = lines[number - 1]
            start = text.find(":") + 1 if number == line else 0
            column = _find_name(text, name, start)
            if column:
                return f"{file}:{number}:{column}"
        return self.place(key)

    def _column(self, file, line, text) -> int:
        lines = self.texts.get(file, [])
        if 0 < line <= len(lines):
            found = lines[line - 1].find(text)
            if found >= 0:
                return found + 1
        return 1


def _find_name(text: str, name: str, start: int) -> int:
    """The 1-based column of ``name`` as a whole YAML token in ``text`` (after ``start``), or 0."""
    index = start
    while (found := text.find(name, index)) >= 0:
        before = text[found - 1] if found > 0 else " "
        after = text[found + len(name)] if found + len(name) < len(text) else " "
        if not (before.isalnum() or before == "\\") and not after.isalnum():
            return found + 1
        index = found + 1
    return 0


def _yaml(text: str, where: str, line_offset: int):
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    lines: dict = {}

    def mapping(loader, node):
        pairs = loader.construct_pairs(node, deep=True)
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                lines.setdefault(key_node.value, key_node.start_mark.line + 1 + line_offset)
        return dict(pairs)

    Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
    try:
        return yaml.load(text, Loader=Loader), lines  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 + line_offset if mark is not None else line_offset + 1
        problem = getattr(error, "problem", None) or str(error)
        raise DeclarationError(f"{where}:{line}", f"the declarations are not valid YAML ({problem}); "
                               f"note that backslashes need single quotes: '\\hat{{y}}'") from None


def load_declarations(document, path: Path, sidecar: Path | None = None) -> Declarations:
    """The declarations of ``document`` (its front matter or comment block) and of its sidecar.

    The sidecar is ``sidecar`` if given, else ``NAME.derive.yaml`` beside the document, if it exists.
    """
    values: dict = {}
    where: dict = {}
    texts: dict = {document.path: document.source.split("\n")}
    sources = []
    if document.front_matter:
        # The YAML's first line is the file's line of the front matter's first line (Markdown) or of the
        # '% derive:' line (.tex).
        offset = document.position(document.front_matter_offset)[0] - 1
        data, lines = _yaml(document.front_matter, document.path, offset)
        if isinstance(data, dict) and "derive" in data:
            block = data["derive"]
            if block is not None and not isinstance(block, dict):
                raise DeclarationError(f"{document.path}:{lines.get('derive', offset)}:1",
                                       "'derive:' must hold a mapping of declarations (classes: k, ...)")
            block = dict(block or {})
            if "title" not in block and isinstance(data.get("title"), str):
                block["title"] = data["title"]
            sources.append((document.path, block, lines))
        elif isinstance(data, dict) and isinstance(data.get("title"), str):
            sources.append((document.path, {"title": data["title"]}, lines))
    sidecar = sidecar if sidecar is not None else sidecar_of(path)
    if sidecar.is_file():
        text = sidecar.read_text(encoding="utf-8")
        texts[str(sidecar)] = text.split("\n")
        data, lines = _yaml(text, str(sidecar), 0)
        if not isinstance(data, dict) or not isinstance(data.get("derive"), dict):
            raise DeclarationError(f"{sidecar}:1:1", "a sidecar holds one mapping 'derive:' of declarations")
        sources.append((str(sidecar), data["derive"], lines))
    for file, block, lines in sources:
        for key, value in block.items():
            line = lines.get(key, 1)
            place = Declarations({}, {key: (file, line)}, texts).place(key)
            if key not in _KEYS:
                raise DeclarationError(place, f"unknown declaration {key!r}: the keys are {', '.join(_KEYS)}")
            if key in values and values[key] != value:
                first = Declarations({}, where, texts).place(key)
                raise DeclarationError(place, f"{key!r} is declared twice with different values (first at "
                                       f"{first}): keep one")
            values[key] = value
            where[key] = (file, line)
    declarations = Declarations(values, where, texts)
    _check_shapes(declarations)
    return declarations


def _names(value) -> list:
    if value is None:
        return []
    if isinstance(value, str):
        return value.replace(",", " ").split()
    if isinstance(value, list):
        return [str(v) for v in value]
    return None


def _check_shapes(d: Declarations) -> None:
    """Each key holds what it should; the message says what to write instead."""
    def fail(key, message):
        raise DeclarationError(d.place(key), message)

    if "classes" in d.values and not (isinstance(d.get("classes"), str) and d.get("classes").strip()):
        fail("classes", "'classes' is the name of the number of classes, e.g. 'classes: k'")
    for key in ("indices", "scalars", "sections", "claims"):
        if key in d.values and _names(d.get(key)) is None:
            fail(key, f"'{key}' is a list of names, e.g. '{key}: [j, l]'")
    vectors = d.get("vectors", {})
    if isinstance(vectors, list):
        vectors = {name: "real" for name in vectors}
    if not isinstance(vectors, dict):
        fail("vectors", "'vectors' maps each vector to its domain, e.g. 'vectors: {z: real, y: nonnegative}'")
    for name, domain in vectors.items():
        if domain not in _DOMAINS:
            fail("vectors", f"vector {name!r}: the domain must be one of {', '.join(_DOMAINS)}, not {domain!r}")
    functions = d.get("functions", {})
    if not isinstance(functions, dict):
        fail("functions", "'functions' maps a name to what it computes, e.g. 'functions: {CE: cross_entropy}'")
    for name, meaning in functions.items():
        if meaning not in _FUNCTIONS:
            fail("functions", f"function {name!r}: it must be one of {', '.join(_FUNCTIONS)}, not {meaning!r}")
    if "definitions" in d.values and not (isinstance(d.get("definitions"), list)
                                           and all(isinstance(x, str) for x in d.get("definitions"))):
        fail("definitions", "'definitions' is a list of equations, e.g. ['\\hat{y} = softmax(z)']")
    facts = d.get("facts", {})
    if not isinstance(facts, dict) or set(facts) - {"one-hot", "sums-to-one"}:
        fail("facts", "'facts' holds 'one-hot' (e.g. {y: l}, or [y]) and 'sums-to-one' (e.g. [y])")
    for key in ("readings",):
        readings = d.get(key, {})
        if not isinstance(readings, dict):
            fail(key, "'readings' maps a kind of reading to 'refuse' or 'allow'")
        for kind, choice in readings.items():
            if kind not in READING_KINDS:
                fail(key, f"unknown reading {kind!r}: the kinds are {', '.join(READING_KINDS)}")
            if choice not in ("refuse", "allow"):
                fail(key, f"reading {kind!r}: write 'refuse' or 'allow', not {choice!r}")
    for key in ("rename", "cases", "skip", "errata"):
        if key in d.values and not isinstance(d.get(key), dict):
            fail(key, f"'{key}' is a mapping, e.g. '{key}: {{\"Case 1\": ...}}'")
    rename = d.get("rename", {})
    for kind in rename:
        if kind not in ("count-as-index", "shadowed-index"):
            fail("rename", f"'rename' names 'count-as-index' or 'shadowed-index', not {kind!r}")
