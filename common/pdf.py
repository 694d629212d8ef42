"""Printable papers as PDF: a Jinja template rendered by WeasyPrint with a Chinese font from Debian.

WeasyPrint lays the page out with Pango and embeds only the glyphs used. The font is Debian's
fonts-wqy-zenhei (TrueType outlines: a page embeds ~15 KB of it) and else fonts-noto-cjk (CFF
outlines: ~200 KB a page). With neither, `render` refuses with the fix: a paper of boxes (□□□)
handed to a villager would say nothing.
"""
import functools
import shutil
import subprocess

import segno
from flask import render_template

from .errors import Unavailable

FONTS = ("WenQuanYi Zen Hei", "Noto Serif CJK SC", "Noto Sans CJK SC")


@functools.lru_cache(maxsize=1)
def chinese_fonts():
    """The families of FONTS fontconfig has here, best first (cached: fonts are installed with the node)."""
    if not shutil.which("fc-list"):
        return ()
    out = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, timeout=20).stdout
    have = {name.strip() for line in out.splitlines() for name in line.split(",")}
    return tuple(f for f in FONTS if f in have)


def qr_svg(text):
    """An SVG QR code (segno, error correction M) of TEXT, as a data: URL for an <img>."""
    return segno.make(str(text), error="m").svg_data_uri(scale=4, border=2)


def render(template, **context):
    """PDF bytes of TEMPLATE (a Jinja template under the app's templates) rendered with CONTEXT.

    Unavailable when the machine has no Chinese font (the fix names the Debian package).
    """
    fonts = chinese_fonts()
    if not fonts:
        raise Unavailable("本机没有中文字体，无法生成文书 / no Chinese font for the printed papers",
                            fix="install Debian's fonts-wqy-zenhei (apt-get install fonts-wqy-zenhei), then restart")
    import weasyprint  # heavy (Pango through cffi): loaded when a paper is first made, not with the app
    html = render_template(template, fonts=fonts, **context)
    return weasyprint.HTML(string=html, url_fetcher=fetcher()).write_pdf()


def fetcher():
    """WeasyPrint's fetcher for papers: data: URLs only (the QR code).

    A paper carries text from other nodes and people; whatever got through, it never makes this
    node read a file or fetch an address (file:///etc/…, http://…).
    """
    import weasyprint  # lazy, as in render
    return weasyprint.URLFetcher(allowed_protocols=("data",), timeout=2, allow_redirects=False)
