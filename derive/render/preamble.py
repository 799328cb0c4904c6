"""The LaTeX preamble a fragment of derive's notes needs; importing it loads nothing else."""

__all__ = ["PREAMBLE"]

PREAMBLE = r"""% The preamble a derive fragment needs (derive latex --preamble).
\usepackage{amsmath}
\usepackage{amssymb}
\usepackage{longtable}  % the summary table, over several pages
% Verdict marks: proved, verified up to #1 classes, numeric only, refuted, undecided, not evaluable.
\providecommand{\deriveproved}{\ensuremath{\checkmark}}
\providecommand{\deriveverified}[1]{\ensuremath{\checkmark_{k\le #1}}}
\providecommand{\derivenumeric}{\ensuremath{\approx}}
\providecommand{\deriverefuted}{\ensuremath{\boldsymbol{\times}}}
\providecommand{\deriveunknown}{\ensuremath{?}}
\providecommand{\deriveerror}{\ensuremath{!}}
% The reason of a step, in a column to the right of the equation.
\providecommand{\derivereason}[1]{\parbox[t]{0.3\linewidth}{\raggedright\small #1}}
"""
