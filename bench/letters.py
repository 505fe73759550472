"""Letters benchmark: award letters per second and latency, against bare WeasyPrint.

    .venv/bin/python bench/letters.py [--letters 12]

Renders the same two-language Swedish decision letter (Latvian and Swedish, two heads, about four
A4 pages) and measures, in one run:
- `bare WeasyPrint` (the floor): WeasyPrint alone turning the letter's finished HTML and the same
  stylesheet and fonts into a PDF, with no tagging;
- `service renderer`: what the service does per letter (`fundadmin.letters.pdf.letter_pdf`:
  Jinja2 template in both languages, Babel formatting, PDF/UA tagging);
- `1 process` and `2 processes`: the service renderer in a pool of worker processes, so the
  ratio of the two rows shows how rendering scales out over cores (the queue's workers would
  add one database round trip per letter, small against the rendering).
Each row: letters per second, p50/p95/p99 latency of one letter, and the peak resident memory of
the process(es) that rendered. No database is needed. Prints figures; asserts nothing.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import os
import resource
import statistics
import time
from concurrent.futures import ProcessPoolExecutor
from importlib import resources

from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from fundadmin.letters.fonts import font_face_css
from fundadmin.letters.pdf import letter_html, letter_pdf
from tests.letters.factories import facts

VERIFY_URL = "https://funds.example/api/v1/letters/verify"


def _percentiles(latencies: list[float]) -> str:
    q = statistics.quantiles(sorted(latencies), n=100, method="inclusive")
    return f"{q[49] * 1000:7.0f} {q[94] * 1000:7.0f} {q[98] * 1000:7.0f}"


def _peak_mib(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def _row(name: str, count: int, seconds: float, latencies: list[float], mib: float) -> None:
    print(f"{name:<18} {count / seconds:9.2f} {_percentiles(latencies)} {mib:10.0f}")


def _bare(html: str, count: int) -> tuple[float, list[float]]:
    fonts = FontConfiguration()
    text = resources.files("fundadmin.letters").joinpath("templates/letter.css").read_text()
    css = CSS(string=f"{font_face_css()}\n{text}", font_config=fonts)
    HTML(string=html).write_pdf(stylesheets=[css], font_config=fonts)  # warm up
    latencies = []
    start = time.perf_counter()
    for _ in range(count):
        t = time.perf_counter()
        HTML(string=html).write_pdf(stylesheets=[css], font_config=fonts)
        latencies.append(time.perf_counter() - t)
    return time.perf_counter() - start, latencies


def _service(count: int) -> tuple[float, list[float]]:
    letter = facts("SE", ("lv", "sv"))
    letter_pdf(letter, verify_url=VERIFY_URL)  # warm up
    latencies = []
    start = time.perf_counter()
    for _ in range(count):
        t = time.perf_counter()
        letter_pdf(letter, verify_url=VERIFY_URL)
        latencies.append(time.perf_counter() - t)
    return time.perf_counter() - start, latencies


def _one_in_worker(_: int) -> tuple[float, float]:
    t = time.perf_counter()
    letter_pdf(facts("SE", ("lv", "sv")), verify_url=VERIFY_URL)
    return time.perf_counter() - t, _peak_mib()


def _pool(processes: int, count: int) -> tuple[float, list[float], float]:
    with ProcessPoolExecutor(processes) as pool:
        list(pool.map(_one_in_worker, range(processes)))  # warm up every worker
        start = time.perf_counter()
        results = list(pool.map(_one_in_worker, range(count)))
        seconds = time.perf_counter() - start
    return seconds, [r[0] for r in results], max(r[1] for r in results) * processes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=12, help="letters per row")
    count = parser.parse_args().letters
    html = letter_html(facts("SE", ("lv", "sv")), verify_url=VERIFY_URL)
    print(f"machine: {os.cpu_count()} CPUs; {count} letters per row (lv + sv, 2 heads)")
    print(f"{'':<18} {'letters/s':>9} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'peak MiB':>10}")
    seconds, latencies = _bare(html, count)
    _row("bare WeasyPrint", count, seconds, latencies, _peak_mib())
    floor = count / seconds
    seconds, latencies = _service(count)
    _row("service renderer", count, seconds, latencies, _peak_mib())
    service = count / seconds
    one = 0.0
    for processes in (1, 2):
        seconds, latencies, mib = _pool(processes, count)
        _row(f"{processes} process{'es' if processes > 1 else ''}", count, seconds, latencies, mib)
        one = one or count / seconds
        if processes == 2:
            print(f"\nservice renderer / bare WeasyPrint: {service / floor:.0%}")
            print(f"2 processes / 1 process:            {count / seconds / one:.2f}x")


if __name__ == "__main__":
    main()
