"""Tidings beside Prosody: from the runs of both sides (the JSON that ``tidings-bench`` and
``python -m syncserver.bench.prosody`` write), each figure's median over the runs, the ratio
Tidings/Prosody of the medians, and how far throughput moved from run to run (max/min).

Beside them stands what ZeroMQ with CURVE gives alone in the same runs (``tidings-bench``'s
echo baseline), for the figures it bounds: a message crosses the same two hops as an echo's
round trip, so that round trip is what its latency is made of before any work; and each
message of the latency scenario takes three frames (the send, its acknowledgement, the push),
none sharing a connection with another message's, so a third of the echo's frames per second
is the most that rate could reach if the server did nothing at all."""

import statistics
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

THROUGHPUT_UNIT = "messages/s"


@dataclass(frozen=True)
class Figure:
    """A figure both sides measure, and where each side's JSON holds it."""

    name: str
    unit: str
    tidings: tuple[str, str]  # scenario, key
    prosody: tuple[str, str]
    echo: str | None = None  # the key of the echo baseline's figure that bounds this one
    echo_scale: float = 1.0  # what one unit of the echo's figure is worth in this one


ECHO_FRAMES = 2  # an echo: the request and its answer
MESSAGE_FRAMES = 3  # a message: the send, its acknowledgement and the push to the reader


FIGURES = (
    Figure(
        "throughput",
        THROUGHPUT_UNIT,
        ("throughput", "acked_per_s"),
        ("throughput", "delivered_per_s"),
        "echoes_per_s",
    ),
    Figure(
        "latency at 1,000 messages/s, p50",
        "ms",
        ("latency", "p50_ms"),
        ("latency", "p50_ms"),
        "round_trip_p50_ms",
    ),
    Figure(
        "latency at 1,000 messages/s, p99",
        "ms",
        ("latency", "p99_ms"),
        ("latency", "p99_ms"),
        "round_trip_p99_ms",
    ),
    Figure(
        "highest rate held with p99 under 50 ms",
        THROUGHPUT_UNIT,
        ("latency", "highest_rate_p99_under_50ms"),
        ("latency", "highest_rate_p99_under_50ms"),
        "echoes_per_s",
        ECHO_FRAMES / MESSAGE_FRAMES,
    ),
    Figure("fan-out to 100, p50", "ms", ("fanout", "p50_ms"), ("fanout", "p50_ms")),
    Figure("fan-out to 100, p99", "ms", ("fanout", "p99_ms"), ("fanout", "p99_ms")),
)


def median(values: list[float | None]) -> float | None:
    """The median of the values measured (None where a run measured nothing)."""
    measured = [v for v in values if v is not None]
    return statistics.median(measured) if measured else None


def ratio(tidings: float | None, prosody: float | None) -> float | None:
    """Tidings/Prosody, where both were measured and Prosody's is not zero."""
    if tidings is None or not prosody:
        return None
    return tidings / prosody


def spread(values: list[float | None]) -> float | None:
    """The largest run's figure over the smallest's: 1.0 when every run gave the same."""
    measured = [v for v in values if v is not None]
    if not measured or min(measured) <= 0:
        return None
    return max(measured) / min(measured)


def _runs(runs: list[dict], where: tuple[str, str]) -> list[float | None]:
    scenario, key = where
    return [run.get(scenario, {}).get(key) for run in runs]


def _echo(figure: Figure, tidings_runs: list[dict]) -> float | None:
    """The median over the runs of what the echo alone gives for ``figure``, if it bounds it."""
    if figure.echo is None:
        return None
    measured = median(_runs(tidings_runs, ("baseline", figure.echo)))
    return None if measured is None else measured * figure.echo_scale


def _figure(figure: Figure, tidings_runs: list[dict], prosody_runs: list[dict]) -> dict:
    tidings, prosody = _runs(tidings_runs, figure.tidings), _runs(prosody_runs, figure.prosody)
    return {
        "figure": figure.name,
        "unit": figure.unit,
        "tidings": median(tidings),
        "prosody": median(prosody),
        "ratio": ratio(median(tidings), median(prosody)),
        "echo": _echo(figure, tidings_runs),
        "tidings_runs": tidings,
        "prosody_runs": prosody,
    }


def compare(tidings_runs: list[dict], prosody_runs: list[dict]) -> dict[str, Any]:
    """The comparison of the two sides' runs, as the runner prints and writes it."""
    throughput = FIGURES[0]
    echoes = [run.get("baseline", {}).get("echoes_per_s") for run in tidings_runs]
    return {
        "runs": len(tidings_runs),
        "figures": [_figure(f, tidings_runs, prosody_runs) for f in FIGURES],
        "throughput_spread": {
            "tidings": spread(_runs(tidings_runs, throughput.tidings)),
            "prosody": spread(_runs(prosody_runs, throughput.prosody)),
        },
        "baseline": {"echoes_per_s": median(echoes), "runs": echoes},
    }


def _number(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    return f"{value:,.0f}" if unit == THROUGHPUT_UNIT else f"{value:.2f}"


def _rows(comparison: dict[str, Any]) -> list[tuple[str, ...]]:
    """Figure, Tidings, Prosody, ratio, echo: the medians, then throughput's spread."""
    rows: list[tuple[str, ...]] = [
        (
            f"{f['figure']} ({f['unit']})",
            _number(f["tidings"], f["unit"]),
            _number(f["prosody"], f["unit"]),
            _number(f["ratio"], "ratio"),
            _number(f.get("echo"), f["unit"]),
        )
        for f in comparison["figures"]
    ]
    spreads = comparison["throughput_spread"]
    rows.insert(
        1,
        (
            f"throughput, run-to-run spread (max/min of {comparison['runs']})",
            _number(spreads["tidings"], "ratio"),
            _number(spreads["prosody"], "ratio"),
            "",
            "",
        ),
    )
    return rows


def _baseline(comparison: dict[str, Any]) -> str:
    baseline = comparison["baseline"]
    measured = [v for v in baseline["runs"] if v is not None]
    runs = f" (runs {min(measured):,.0f} to {max(measured):,.0f})" if len(measured) > 1 else ""
    echoes = _number(baseline["echoes_per_s"], THROUGHPUT_UNIT)
    return f"raw CURVE ZeroMQ echo (tidings-bench's baseline): {echoes} messages/s{runs}"


HEADER = ("figure (median of the runs)", "Tidings", "Prosody", "Tidings/Prosody", "ZeroMQ alone")


def text_table(comparison: dict[str, Any]) -> str:
    """The comparison as a plain-text table, the echo baseline beneath."""
    rows = [HEADER, *_rows(comparison)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADER))]
    aligned: list[Callable[[str, int], str]] = [str.ljust, *[str.rjust] * (len(HEADER) - 1)]
    lines = [
        "  ".join(a(cell, w) for a, cell, w in zip(aligned, row, widths, strict=True)).rstrip()
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join([*lines, "", _baseline(comparison)])


def markdown_table(comparison: dict[str, Any]) -> str:
    """The comparison as a Markdown table for docs/performance.md, the baseline beneath."""
    lines = [
        "| " + " | ".join(HEADER) + " |",
        "|---|---:|---:|---:|---:|",
        *("| " + " | ".join(row) + " |" for row in _rows(comparison)),
    ]
    return "\n".join([*lines, "", _baseline(comparison) + "."]) + "\n"
