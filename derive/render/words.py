"""Words for counts in summaries: "1 proof", "2 proofs"."""


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` and ``noun``, the noun in the plural unless ``n`` is 1."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"
