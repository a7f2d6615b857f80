"""The HTML report: one self-contained page with the Markdown report's content.

The page writes the blocks of :func:`sim.report.markdown.build_report`, so
it says exactly what ``report.md`` says. It holds everything it needs: the
CSS is inline, figures are embedded as base64 ``data:`` URIs, and there is
no JavaScript and no link to anything outside the file, so it can be mailed
or archived alone and opened offline.
"""

from __future__ import annotations

import base64
from html import escape
from pathlib import Path
from typing import assert_never

from sim.pipeline import Result
from sim.report.blocks import (
    Block,
    Bullets,
    Formula,
    Heading,
    Image,
    Paragraph,
    Table,
)
from sim.report.markdown import build_report

CSS = """
body { font-family: system-ui, sans-serif; line-height: 1.45; color: #222;
       max-width: 62rem; margin: 2rem auto; padding: 0 1rem; }
h1, h2, h3 { line-height: 1.2; }
h2 { margin-top: 2.2rem; border-bottom: 1px solid #ddd; padding-bottom: .2rem; }
table { border-collapse: collapse; margin: 1rem 0; }
th, td { border: 1px solid #ccc; padding: .3rem .6rem; text-align: left; }
th { background: #f3f3f3; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
pre { background: #f6f6f6; padding: .6rem .8rem; }
figure { margin: 1rem 0; }
img { max-width: 100%; height: auto; }
figcaption { color: #555; font-size: .9rem; }
"""
_NUM = ' class="num"'


def render_html(result: Result, plots: list[Path]) -> str:
    """The report as one self-contained HTML page.

    Args:
        result: the run to report.
        plots: the PNG files of :func:`sim.report.plots.render_plots`; each
            is read and embedded in the page.
    """
    blocks = build_report(result, plots)
    body = "\n".join(_html_of(block) for block in blocks)
    title = escape(f"TCO report: {result.scenario.name}")
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title}</title>\n<style>{CSS}</style>\n</head>\n"
        f"<body>\n{body}\n</body>\n</html>\n"
    )


def _html_of(block: Block) -> str:
    match block:
        case Heading(level, text):
            return f"<h{level}>{escape(text)}</h{level}>"
        case Paragraph(text):
            return f"<p>{escape(text)}</p>"
        case Bullets(items):
            lis = "".join(f"<li>{escape(item)}</li>" for item in items)
            return f"<ul>{lis}</ul>"
        case Formula(text):
            return f"<pre><code>{escape(text)}</code></pre>"
        case Image():
            return _figure(block)
        case Table():
            return _table(block)
        case _:
            assert_never(block)


def _figure(image: Image) -> str:
    data = base64.b64encode(image.path.read_bytes()).decode("ascii")
    caption = escape(image.caption)
    return (
        f'<figure><img src="data:image/png;base64,{data}" alt="{caption}">'
        f"<figcaption>{caption}</figcaption></figure>"
    )


def _table(table: Table) -> str:
    def row(tag: str, cells: tuple[str, ...]) -> str:
        tds = "".join(
            f"<{tag}{_NUM if right else ''}>{escape(c)}</{tag}>"
            for c, right in zip(cells, table.numeric, strict=True)
        )
        return f"<tr>{tds}</tr>"

    head = row("th", table.header)
    body = "\n".join(row("td", cells) for cells in table.rows)
    return f"<table>\n<thead>{head}</thead>\n<tbody>\n{body}\n</tbody>\n</table>"
