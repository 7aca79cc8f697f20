"""What both benchmarks report: the machine they ran on, and the one-line summaries they
print, a scenario's figures on each."""

import multiprocessing
import platform


def line(name: str, figures: dict) -> str:
    """``name`` and its figures that are single values (lists, such as a sweep's steps, are
    left to the JSON)."""
    shown = ", ".join(
        f"{k} {v:,.2f}" if isinstance(v, float) else f"{k} {v}"
        for k, v in figures.items()
        if not isinstance(v, list)
    )
    return f"{name:<11} {shown}"


def machine() -> dict[str, str | int]:
    """The machine a run measured, for its results."""
    return {
        "cpus": multiprocessing.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
