"""How hard the checker looks unless told otherwise, kept apart from SymPy so that ``derive --help`` can say it."""

DEFAULT_BUDGET = 5.0  # seconds for one equality
DEFAULT_MAX_CLASSES = 4  # the largest k of the instance checks
