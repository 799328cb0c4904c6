"""The numeric package keeps to its layout: no binder tracking of its own, modules of a readable size."""

from __future__ import annotations

import ast
from pathlib import Path

import derive.numeric

PACKAGE = Path(derive.numeric.__file__).parent
MODULES = sorted(PACKAGE.glob("*.py"))


def test_the_numeric_code_reads_bound_indices_only_through_core_binders():
    for module in MODULES:
        tree = ast.parse(module.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "isinstance":
                assert "SumExcept" not in ast.unparse(node), f"{module.name}:{node.lineno}"
            if isinstance(node, ast.Attribute):
                assert node.attr not in ("limits", "variables"), f"{module.name}:{node.lineno}: .{node.attr}"


def test_a_module_over_400_lines_says_why_in_its_docstring():
    for module in MODULES:
        text = module.read_text()
        if text.count("\n") > 400:
            docstring = ast.get_docstring(ast.parse(text)) or ""
            assert "lines" in docstring, f"{module.name} has {text.count(chr(10))} lines and no reason"
