"""derive: check hand-written derivations step by step, for any number of classes.

The names below are what a proof module uses; they are imported on first use,
so that ``derive --help`` does not load SymPy.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_EXPORTS = {
    # the proof model
    "Proof": "derive.model.proof",
    "Case": "derive.model.proof",
    "Claim": "derive.model.proof",
    "Source": "derive.model.proof",
    "Expect": "derive.model.proof",
    "step": "derive.model.proof",
    "erratum": "derive.model.proof",
    "conclusion": "derive.model.proof",
    "Conclusion": "derive.model.proof",
    # the vocabulary of derivations
    "classes": "derive.core.objects",
    "indices": "derive.core.objects",
    "count": "derive.core.objects",
    "Matrix": "derive.core.objects",
    "written_out": "derive.core.objects",
    "scalar": "derive.core.objects",
    "Vector": "derive.core.objects",
    "softmax": "derive.core.objects",
    "log_softmax": "derive.core.objects",
    "sigmoid": "derive.core.objects",
    "softplus": "derive.core.objects",
    "tanh": "derive.core.objects",
    "logsumexp": "derive.core.objects",
    "mean_over": "derive.core.objects",
    "cross_entropy": "derive.core.objects",
    "sum_over": "derive.core.objects",
    "sum_except": "derive.core.objects",
    "D": "derive.core.objects",
    "exp": "derive.core.objects",
    "log": "derive.core.objects",
    "as_written": "derive.core.objects",
    # assumptions
    "Equal": "derive.core.context",
    "Distinct": "derive.core.context",
    "OneHot": "derive.core.context",
    "SumsToOne": "derive.core.context",
    # checking
    "check_equal": "derive.core.checker",
    "check_proof": "derive.engine.run",
    "Verdict": "derive.core.verdict",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'derive' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(list(globals()) + __all__)
