"""Small inline SVG charts written directly as markup: no plotting dependency, no script, no style attributes
(colours are presentation attributes, so the page's Content-Security-Policy can forbid inline styles).
Every label goes through :func:`html.escape`."""

from __future__ import annotations

from datetime import datetime, timedelta
from html import escape

CAMPAIGN_COLOUR = "#d62728"
ORGANIC_COLOUR = "#9aa5b1"
MIN_BINS = 30  # a creation histogram spans at least this many days or months
DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def _svg(width: int, height: int, body: list[str], label: str) -> str:
    return (
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">' + "".join(body) + "</svg>"
    )


def _text(x: float, y: float, text: str, anchor: str = "start", size: int = 11) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" fill="#333">'
        f"{escape(text)}</text>"
    )


def _fmt_time(t: datetime, width: timedelta) -> str:
    return t.strftime("%Y-%m-%d %H:%M" if width < timedelta(days=1) else "%Y-%m-%d")


def timeline_svg(timeline: dict, width: int = 760, height: int = 200) -> str:
    """Stacked bars per bin: campaign comments (red) on organic comments (grey)."""
    campaign, organic = timeline["campaign"], timeline["organic"]
    n = len(campaign)
    left, right, top, bottom = 44, 10, 24, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max([c + o for c, o in zip(campaign, organic)] + [1])
    bar_w = plot_w / max(n, 1)
    body = [
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#666"/>',
        _text(left - 4, top + 4, str(peak), "end"),
        _text(left - 4, top + plot_h, "0", "end"),
        f'<rect x="{left}" y="4" width="10" height="10" fill="{CAMPAIGN_COLOUR}"/>',
        _text(left + 14, 13, "campaign comments"),
        f'<rect x="{left + 140}" y="4" width="10" height="10" fill="{ORGANIC_COLOUR}"/>',
        _text(left + 154, 13, "organic comments (authors not flagged)"),
    ]
    start, step = timeline["start"], timeline["width"]
    for i, (c, o) in enumerate(zip(campaign, organic)):
        if not c and not o:
            continue
        x = left + i * bar_w
        h_o = plot_h * o / peak
        h_c = plot_h * c / peak
        tip = f"{_fmt_time(start + i * step, step)}: {c} campaign, {o} organic"
        w = max(bar_w - 0.5, 0.8)
        if o:
            body.append(
                f'<rect x="{x:.1f}" y="{top + plot_h - h_o:.1f}" width="{w:.1f}" height="{h_o:.1f}" '
                f'fill="{ORGANIC_COLOUR}"><title>{escape(tip)}</title></rect>'
            )
        if c:
            body.append(
                f'<rect x="{x:.1f}" y="{top + plot_h - h_o - h_c:.1f}" width="{w:.1f}" height="{h_c:.1f}" '
                f'fill="{CAMPAIGN_COLOUR}"><title>{escape(tip)}</title></rect>'
            )
    end = start + n * step
    body.append(_text(left, height - 12, _fmt_time(start, step)))
    body.append(_text(left + plot_w, height - 12, _fmt_time(end, step), "end"))
    body.append(_text(left + plot_w / 2, height - 12, f"one bar = one {timeline['bin']} (UTC)", "middle"))
    return _svg(width, height, body, "activity timeline: campaign versus organic comments")


def _month_index(t: datetime) -> int:
    return t.year * 12 + t.month - 1


def creation_histogram_svg(created: list[datetime], width: int = 760, height: int = 170) -> str:
    """Accounts per creation month (per day when all fall within 90 days): batch registration shows as spikes."""
    if not created:
        return '<p class="muted">No account creation dates in the data.</p>'
    lo, hi = min(created), max(created)
    daily = hi - lo <= timedelta(days=90)
    if daily:
        span_days = (hi.date() - lo.date()).days + 1
        base = lo.date() - timedelta(days=max(0, (MIN_BINS - span_days) // 2))
        keys = [(t.date() - base).days for t in created]
        n_bins = max((hi.date() - base).days + 1, MIN_BINS)

        def label(i: int) -> str:
            return (base + timedelta(days=i)).isoformat()
    else:
        span_months = _month_index(hi) - _month_index(lo) + 1
        base_m = _month_index(lo) - max(0, (MIN_BINS - span_months) // 2)
        keys = [_month_index(t) - base_m for t in created]
        n_bins = max(_month_index(hi) - base_m + 1, MIN_BINS)

        def label(i: int) -> str:
            m = base_m + i
            return f"{m // 12:04d}-{m % 12 + 1:02d}"

    counts = [0] * n_bins
    for k in keys:
        counts[k] += 1
    left, right, top, bottom = 44, 10, 12, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max(counts)
    bar_w = plot_w / n_bins
    body = [
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#666"/>',
        _text(left - 4, top + 8, str(peak), "end"),
        _text(left - 4, top + plot_h, "0", "end"),
    ]
    for i, c in enumerate(counts):
        if c:
            h = plot_h * c / peak
            body.append(
                f'<rect x="{left + i * bar_w:.1f}" y="{top + plot_h - h:.1f}" width="{max(bar_w - 0.5, 0.8):.1f}" '
                f'height="{h:.1f}" fill="#1f77b4"><title>{escape(label(i))}: {c} accounts</title></rect>'
            )
    body.append(_text(left, height - 10, label(0)))
    body.append(_text(left + plot_w, height - 10, label(n_bins - 1), "end"))
    body.append(
        _text(left + plot_w / 2, height - 10, "accounts per " + ("day" if daily else "month"), "middle")
    )
    return _svg(width, height, body, "account creation dates")


def heatmap_svg(grid: list[list[int]], timezone: str, width: int = 760, height: int = 200) -> str:
    """Items per weekday × hour; darker cells mean more items."""
    left, top, cell_h = 40, 22, 22
    cell_w = (width - left - 10) / 24
    peak = max(max(row) for row in grid) or 1
    body = [_text(left, 12, f"items per hour of week ({timezone})")]
    for h in range(0, 24, 3):
        body.append(_text(left + h * cell_w + cell_w / 2, top + 7 * cell_h + 14, f"{h:02d}", "middle", 10))
    for d, row in enumerate(grid):
        y = top + d * cell_h
        body.append(_text(left - 4, y + cell_h * 0.7, DAYS[d], "end", 10))
        for h, n in enumerate(row):
            level = n / peak
            shade = int(255 - 215 * level)
            colour = f"#{shade:02x}{shade:02x}ff" if n else "#f4f4f4"
            body.append(
                f'<rect x="{left + h * cell_w:.1f}" y="{y}" width="{cell_w - 1:.1f}" height="{cell_h - 1}" '
                f'fill="{colour}"><title>{DAYS[d]} {h:02d}:00: {n} items</title></rect>'
            )
    return _svg(width, height, body, "hour-of-week activity heatmap")
