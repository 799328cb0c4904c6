"""The views of ``derive mutate``: a table per run with a line per proof, and JSON."""

from __future__ import annotations

import json

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..model.mutation import ProofMutation, kill_rate, totals
from .unicode import unicode

__all__ = ["mutation_data", "render_mutation_json", "render_mutation"]

SCHEMA_VERSION = 1


def _survivor(result) -> dict:
    m = result.mutant
    return {"case": m.case, "step": m.step, "operator": m.operator, "mutant": unicode(m.expr),
            "verdict": result.verdict.value, "evidence": result.evidence, "origin": m.origin}


def _counts(counts: dict) -> dict:
    return {**counts, "kill_rate": round(kill_rate(counts), 4)}


def mutation_data(mutations: list[ProofMutation]) -> dict:
    proofs = []
    for m in mutations:
        data = {"id": m.proof, **_counts(m.counts())}
        data["surviving"] = [_survivor(r) for r in m.survivors]
        proofs.append(data)
    return {"schema_version": SCHEMA_VERSION, "proofs": proofs, "total": _counts(totals(mutations))}


def render_mutation_json(mutations: list[ProofMutation]) -> str:
    return json.dumps(mutation_data(mutations), indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def _summary(counts: dict) -> Text:
    text = Text(f"{counts['made']} made: ")
    text.append(f"{counts['killed']} killed", style="green")
    text.append(f", {counts['equivalent']} equivalent, {counts['unknown']} unknown, "
                f"{counts['ill_formed']} ill-formed, ")
    text.append(f"{counts['survivors']} survivors", style="bold red" if counts["survivors"] else "green")
    text.append(f"; kill rate {100 * kill_rate(counts):.1f}%")
    return text


def render_mutation(mutations: list[ProofMutation], console: Console) -> None:
    table = Table(title="Mutants of every step that should hold", title_justify="left", title_style="bold",
                  box=box.SIMPLE_HEAVY, show_header=False)
    table.add_column("proof", style="bold", no_wrap=True)
    table.add_column("mutants", overflow="fold")
    for m in mutations:
        table.add_row(m.proof, _summary(m.counts()))
    if len(mutations) > 1:
        table.add_row("total", _summary(totals(mutations)), style="bold")
    console.print(table)
    for m in mutations:
        for r in m.survivors:
            line = Text("survivor ", style="bold red")
            line.append(f"{m.proof} / {r.mutant.case} / step {r.mutant.step} ({r.mutant.operator}): ")
            line.append(unicode(r.mutant.expr))
            line.append(f" came out {r.verdict.value}", style="bold")
            if r.mutant.origin:
                line.append(f"  [{r.mutant.origin}]", style="dim")
            console.print(line)
    total = totals(mutations)
    status = "no survivors" if not total["survivors"] else f"{total['survivors']} survivors"
    console.print(Text(f"{total['made']} mutants, {total['killed']} killed, {total['equivalent']} equivalent: "
                       f"{status}", style="bold green" if not total["survivors"] else "bold red"))
