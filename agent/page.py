"""The one writer of plots and HTML pages: a run's report (agent.report) and a suite's (agent.scorecard).

    fig, ax = figure(figsize=(10, 4))               # matplotlib, headless
    ...draw...
    png = png_bytes(fig)                             # the figure as PNG bytes, closed
    html = page("run 2026...", STYLE_EXTRA, body)    # a whole page in the shared style
    img(png, "speedup per attempt")                  # the plot inline, as a data: URI

Pages are single files (the plot inline, no assets beside them) so a folder can be copied or mailed
and still shows everything; both share one style sheet, extended per page by its own rules.
"""

from __future__ import annotations

import base64
import html
import io

STYLE = """body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; font-size: 13px; }
td, th { border: 1px solid #ccc; padding: 3px 6px; text-align: left; vertical-align: top; }
"""


def figure(*args, **kwargs):
    """plt.subplots(*args, **kwargs) on the Agg backend: no display, render to memory."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt.subplots(*args, **kwargs)


def png_bytes(fig) -> bytes:
    """The figure as PNG bytes (tight, so legends outside the axes are kept); the figure is closed."""
    import matplotlib.pyplot as plt

    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def img(png: bytes, alt: str) -> str:
    return f"<img alt='{html.escape(alt)}' src='data:image/png;base64,{base64.b64encode(png).decode()}'>"


def page(title: str, style: str, body: str) -> str:
    """A whole HTML page: `title` (escaped here), the shared STYLE plus `style`, and `body` (HTML)."""
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>
{STYLE}{style}</style></head><body>
{body}
</body></html>
"""
