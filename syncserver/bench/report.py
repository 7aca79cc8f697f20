"""The one-line summaries the benchmarks print, a scenario's figures on each."""


def line(name: str, figures: dict) -> str:
    """``name`` and its figures that are single values (lists, such as a sweep's steps, are
    left to the JSON)."""
    shown = ", ".join(
        f"{k} {v:,.2f}" if isinstance(v, float) else f"{k} {v}"
        for k, v in figures.items()
        if not isinstance(v, list)
    )
    return f"{name:<11} {shown}"
