"""SVG charts the hub draws itself (no library, no script): bars per group and columns per period.

Each chart is an `<svg role="img">` with a title naming what it shows; the page's tables beside
it carry the same numbers for screen readers and for copying.
"""
from markupsafe import Markup, escape

BLUE, GREEN, GREY = "#0b4f8a", "#00703c", "#505a5f"


def _open(width, height, title):
    return [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
            f'aria-label="{escape(title)}" class="chart"><title>{escape(title)}</title>']


FONT = 14  # px: every label of a chart (12 px was too small to read on a county office's screens)
LABEL_CHARS = 12  # a name longer than fits beside the bars is cut with …; its title holds it whole


def short(name, most=LABEL_CHARS):
    """NAME cut to MOST characters with an ellipsis (the full name goes in the bar's hover title)."""
    return name if len(name) <= most else name[:most - 1] + "…"


def bar_chart(rows, value, title, width=640, bar=28, colour=BLUE):
    """Horizontal bars (0–100 %) of VALUE per row, labelled by its `name` (cut to fit), each bar's
    title the whole name with its `key` (a code: 东岭村 371399101001); rows without a value are left out."""
    shown = [r for r in rows if r.get(value) is not None]
    parts = _open(width, 30 + bar * max(1, len(shown)), title)
    for i, r in enumerate(shown):
        y, w = 20 + i * bar, round((width - 260) * r[value])
        name, key = r.get("name") or r["key"], r["key"]
        hover = name if name == key else f"{name} {key}"
        parts.append(f'<g><title>{escape(hover)} {r[value] * 100:.1f}%</title>'
                     f'<text x="0" y="{y + bar * 0.65}" font-size="{FONT}">{escape(short(name))}</text>'
                     f'<rect x="180" y="{y + 4}" width="{w}" height="{bar - 8}" fill="{colour}"></rect>'
                     f'<text x="{186 + w}" y="{y + bar * 0.65}" font-size="{FONT}">{r[value] * 100:.1f}%</text></g>')
    return Markup("".join(parts) + "</svg>")


def nice_step(top, most=5):
    """The smallest 1-2-5 step (1, 2, 5, 10, 20, …) that covers TOP in at most MOST steps."""
    step = 1
    while step * most < top:
        step = step * 5 // 2 if str(step)[0] == "2" else step * 2
    return step


def column_chart(periods, series, title, width=720, height=260):
    """Paired columns per period: SERIES is [(key, legend text, colour)] read from each row of PERIODS."""
    highest = max([1] + [p[k] for p in periods for k, _, _ in series])
    step = nice_step(highest)
    top = step * -(-highest // step)
    left, plot_h = 40, height - 80
    slot = (width - left - 10) / max(1, len(periods))
    col = max(2.0, min(18.0, (slot - 4) / len(series)))
    parts = _open(width, height, title)
    for tick in range(0, top + 1, step):
        y = 20 + plot_h - plot_h * tick / top
        parts.append(f'<line x1="{left}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}" stroke="#b1b4b6"></line>'
                     f'<text x="{left - 6}" y="{y + 4:.1f}" font-size="{FONT}" text-anchor="end">{tick}</text>')
    every = max(1, len(periods) // 8)  # at most ~8 labels under the columns
    for i, p in enumerate(periods):
        x0 = left + i * slot + (slot - col * len(series)) / 2
        for j, (key, legend, colour) in enumerate(series):
            h = plot_h * p[key] / top
            parts.append(f'<rect x="{x0 + j * col:.1f}" y="{20 + plot_h - h:.1f}" width="{col - 1:.1f}" '
                         f'height="{h:.1f}" fill="{colour}"><title>{escape(p["period"])} {escape(legend)} '
                         f'{p[key]}</title></rect>')
        if i % every == 0:
            parts.append(f'<text x="{x0:.1f}" y="{height - 22}" font-size="{FONT}">{escape(p["period"][5:])}</text>')
    x = left
    for key, legend, colour in series:
        parts.append(f'<rect x="{x}" y="{height - 14}" width="12" height="12" fill="{colour}"></rect>'
                     f'<text x="{x + 16}" y="{height - 4}" font-size="{FONT}">{escape(legend)}</text>')
        x += 30 + FONT * len(legend)
    return Markup("".join(parts) + "</svg>")
