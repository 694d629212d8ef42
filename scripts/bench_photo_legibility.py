#!/usr/bin/env python3
"""How small can a photo of a document be and still be read? Bytes against legibility (issue 21).

  python scripts/bench_photo_legibility.py --json [--pages 2]

A slow village line (64 kbit/s, 8,000 B/s) carries a 460 KB photo in a minute, so every byte a
photo of a 户口本 page or a certificate does not need is a minute a villager's application waits.
This measures, for each candidate encoding (longest side × JPEG quality, and WebP), the bytes of
the node's own output and how much of the text in it can still be read.

The page: an A4 sheet set in 宋体 (Noto Serif CJK SC) at 五号 (10.5 pt, body text), 小五 (9 pt)
and 六号 (7.5 pt, fine print), plus 18-digit ID numbers, photographed as a kiosk camera would:
the page filling 90 % of a 12-megapixel frame, slightly out of focus, unevenly lit, with sensor
grain, saved by the "camera" as a quality-92 JPEG. Each candidate re-encodes that upload the way
the node does (common.photos, reduced-scale decode, Lanczos shrink).

Reading: an ideal observer. For each character cell, the true character and 31 rivals (its
look-alikes first: 己已巳, 未末, 土士, 戊戌戍…, then others from the few hundred GB2312 level-1
characters on the page) are drawn where it stood, blurred like the page and shrunk exactly as the
photo was; the most similar (normalised cross-correlation) is what was read. It loses only what
the encoding lost, so it reads far better than a person; a person's floor is added as a size
rule: 五号 at least 16 px high (the 16×16 grid of the GB2312 bitmap fonts). An encoding is legible
when the observer reads ≥ 99 % at every size and every ID digit, and the size rule holds. Prints
one JSON object: per candidate, bytes, glyph heights and the share read at each size, and the
smallest legible JPEG (what the node uses: common.photos.MAX_SIDE and QUALITY).
Needs a CJK font (Debian: fonts-noto-cjk); without one it says so and exits 0.
"""
import argparse
import io
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FONT_FILES = ["/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
              "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"]
FRAME = (3000, 4000)           # a 12 MP photo, portrait
PAGE_MM = (210, 297)
PAGE_FILL = 0.9                # of the frame's height
SIZES_PT = {"五号": 10.5, "小五": 9.0, "六号": 7.5}
CONFUSABLE = "己已巳未末土士日曰人入八大太犬天夭干千于王玉主鸟乌戊戌戍成拨拔侯候壶壸刀力办为历厉代伐" \
             "辨辩辫折拆析斤斥免兔母毋贝见田由甲申电冶治汩汨"
DIGITS = "0123456789X"
CANDIDATES = [(side, q) for side in (1200, 1400, 1600, 1800, 2000) for q in (40, 50, 60, 70, 85)]
WEBP = [(1400, 60), (1600, 60), (1600, 70)]



def font_path():
    """The first CJK font found, or None."""
    return next((f for f in FONT_FILES if Path(f).exists()), None)


def _font(path, px):
    from PIL import ImageFont
    for index in range(8):  # a .ttc holds one face per language: take the Simplified Chinese one
        try:
            f = ImageFont.truetype(path, px, index=index)
        except OSError:
            break
        if "SC" in " ".join(f.getname()):
            return f
    return ImageFont.truetype(path, px)


def charset(seed):
    """The characters on the page: a sample of GB2312 level 1 and the confusable sets."""
    level1 = [bytes([hi, lo]).decode("gb2312") for hi in range(0xB0, 0xD8) for lo in range(0xA1, 0xFF)
              if not (hi == 0xD7 and lo > 0xF9)]
    picked = random.Random(seed).sample(level1, 300)
    return list(dict.fromkeys(list(CONFUSABLE) + picked))


def page(path, chars, seed):
    """(12 MP upload as JPEG bytes, cells) — cells are (size name, char, box in frame pixels)."""
    from PIL import Image, ImageDraw, ImageFilter
    rng = random.Random(seed)
    px_per_mm = FRAME[1] * PAGE_FILL / PAGE_MM[1]
    img = Image.new("L", FRAME, 70)  # the desk around the page
    left = int((FRAME[0] - PAGE_MM[0] * px_per_mm) / 2)
    top = int((FRAME[1] - PAGE_MM[1] * px_per_mm) / 2)
    right, bottom = int(left + PAGE_MM[0] * px_per_mm), int(top + PAGE_MM[1] * px_per_mm)
    draw = ImageDraw.Draw(img)
    draw.rectangle([left, top, right, bottom], fill=238)
    cells, y = [], top + int(20 * px_per_mm)
    margin = int(20 * px_per_mm)
    for name, pt in SIZES_PT.items():
        px = round(pt * 0.3528 * px_per_mm)
        font = _font(path, px)
        for _line in range(4):
            x = left + margin
            while x + px < right - margin:
                ch = rng.choice(chars)
                draw.text((x, y), ch, font=font, fill=25)
                cells.append((name, ch, _ink_box(font, ch, x, y)))
                x += int(px * 1.05)
            y += int(px * 1.6)
        y += int(px * 1.5)
    px = round(10.5 * 0.3528 * px_per_mm)
    font = _font(path, px)
    for _line in range(3):  # ID numbers, where one misread digit is another person
        x = left + margin
        for _ in range(18):
            ch = rng.choice(DIGITS)
            draw.text((x, y), ch, font=font, fill=25)
            cells.append(("身份证号", ch, _ink_box(font, ch, x, y)))
            x += int(px * 0.62)
        y += int(px * 1.6)
    # The camera: a little out of focus, light falling off across the page, grain.
    img = img.filter(ImageFilter.GaussianBlur(1.4))
    light = Image.linear_gradient("L").resize(FRAME).point(lambda v: 255 - v // 5)
    img = Image.composite(img, Image.new("L", FRAME, 0), light)
    noise = Image.effect_noise(FRAME, 12)
    img = Image.blend(img, noise, 0.12)
    out = io.BytesIO()
    img.convert("RGB").save(out, "JPEG", quality=92)
    return out.getvalue(), cells


def _ink_box(font, ch, x, y):
    # Where the glyph's ink is, and where it was drawn (the reader renders its candidates there).
    x0, y0, x1, y1 = font.getbbox(ch)
    return x + x0, y + y0, x + x1, y + y1, x, y


def _period(scale):
    # The smallest whole number of frame pixels that is a whole number of pixels at SCALE.
    for p in range(1, 101):
        if abs(p * scale - round(p * scale)) < 1e-6:
            return p
    return 100


def _ncc(a, b):
    from PIL import ImageChops, ImageStat
    sa, sb = ImageStat.Stat(a), ImageStat.Stat(b)
    n = a.width * a.height
    ab = ImageStat.Stat(ImageChops.multiply(a, b)).sum[0] * 255 / n
    den = sa.stddev[0] * sb.stddev[0]
    return (ab - sa.mean[0] * sb.mean[0]) / den if den else -1.0


def read(decoded, cells, scale, path, chars, rivals=31, seed=5):
    """{size name: share of its cells read right} in DECODED (the frame shrunk by SCALE).

    An ideal observer with perfect segmentation: for each character cell, the true character and
    RIVALS others (its look-alikes first) are drawn where it was, blurred like the page and shrunk
    exactly as the photo was; the one most like the cell (normalised cross-correlation, so uneven
    light does not matter) is what was read. What defeats it is only what the encoding lost.
    """
    from PIL import Image, ImageDraw, ImageFilter
    rng = random.Random(seed)
    gray = decoded.convert("L")
    px_per_mm = FRAME[1] * PAGE_FILL / PAGE_MM[1]
    fonts = {name: _font(path, round(pt * 0.3528 * px_per_mm)) for name, pt in dict(SIZES_PT, 身份证号=10.5).items()}
    period, by_size = _period(scale), {}
    looks = {c: CONFUSABLE[max(0, CONFUSABLE.index(c) - 3):CONFUSABLE.index(c) + 4] for c in CONFUSABLE}
    for name, ch, (x0, y0, x1, y1, ox, oy) in cells:
        pool = DIGITS if name == "身份证号" else chars
        others = [c for c in looks.get(ch, "") if c != ch]
        others += rng.sample([c for c in pool if c != ch and c not in others], min(rivals, len(pool) - 1) - len(others))
        X0, Y0 = (x0 - 4) // period * period, (y0 - 4) // period * period
        X1, Y1 = -(-(x1 + 4) // period) * period, -(-(y1 + 4) // period) * period
        size = (round((X1 - X0) * scale), round((Y1 - Y0) * scale))
        cell = gray.crop((round(X0 * scale), round(Y0 * scale), round(X0 * scale) + size[0], round(Y0 * scale) + size[1]))
        best, best_score = None, -2.0
        for cand in [ch] + others:
            patch = Image.new("L", (X1 - X0, Y1 - Y0), 238)
            ImageDraw.Draw(patch).text((ox - X0, oy - Y0), cand, font=fonts[name], fill=25)
            patch = patch.filter(ImageFilter.GaussianBlur(1.4)).resize(size, Image.Resampling.LANCZOS)
            score = _ncc(cell, patch)
            if score > best_score:
                best, best_score = cand, score
        right, total = by_size.get(name, (0, 0))
        by_size[name] = (right + (best == ch), total + 1)
    return {name: round(r / t, 4) for name, (r, t) in by_size.items()}


def encode(upload, side, quality, fmt="JPEG"):
    """The node's own shrink of UPLOAD to SIDE pixels at QUALITY (JPEG as common.photos does; WebP to compare)."""
    from PIL import Image, ImageOps
    with Image.open(io.BytesIO(upload)) as img:
        w, h = img.size
        s = min(1.0, side / max(w, h))
        img.draft("RGB", (round(w * s), round(h * s)))
        img = ImageOps.exif_transpose(img).convert("RGB")
        img.thumbnail((side, side), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        if fmt == "JPEG":
            img.save(out, "JPEG", quality=quality, optimize=True)
        else:
            img.save(out, "WEBP", quality=quality, method=6)
        return out.getvalue()


def glyph_px(side, pt=10.5):
    """Pixels of a PT-point character's height on a page photographed at SIDE pixels (the page filling 90 %)."""
    return round(pt * 0.3528 * side * PAGE_FILL / PAGE_MM[1], 1)


def legible(shares, side):
    """Legible: the ideal reader reads ≥ 99 % at every size and every ID digit, and 五号 is ≥ 16 px high.

    The ideal reader is far better than a person (it knows where every character is and compares
    against the exact font); the person's floor is the 16×16 grid, the smallest on which the
    GB2312 bitmap fonts drew all 6,763 characters apart.
    """
    return (all(shares.get(n, 0) >= 0.99 for n in SIZES_PT) and shares.get("身份证号", 0) >= 1.0
            and glyph_px(side) >= 16)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=2, help="photographed pages per candidate (different text)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    from PIL import Image
    path = font_path()
    if not path:
        print(json.dumps({"skipped": "no CJK font (apt-get install fonts-noto-cjk)"}))
        return
    chars = charset(21)
    pages = [page(path, chars, seed) for seed in range(args.pages)]
    rows = []
    for fmt, cands in (("JPEG", CANDIDATES), ("WEBP", WEBP)):
        for side, quality in cands:
            sizes, shares = [], {}
            for upload, cells in pages:
                data = encode(upload, side, quality, fmt)
                sizes.append(len(data))
                decoded = Image.open(io.BytesIO(data))
                for name, share in read(decoded, cells, decoded.height / FRAME[1], path, chars).items():
                    shares.setdefault(name, []).append(share)
            mean = {name: round(sum(v) / len(v), 4) for name, v in shares.items()}
            rows.append({"format": fmt, "side": side, "quality": quality, "kib": round(sum(sizes) / len(sizes) / 1024, 1),
                         "wuhao_px": glyph_px(side), "xiaowu_px": glyph_px(side, 9.0), "read": mean,
                         "legible": legible(mean, side)})
    ok = [r for r in rows if r["legible"] and r["format"] == "JPEG"]
    figures = {"pages": args.pages, "characters_per_page": len(pages[0][1]), "upload_kib":
               round(sum(len(p[0]) for p in pages) / len(pages) / 1024, 1), "candidates": rows,
               "smallest_legible_jpeg": min(ok, key=lambda r: r["kib"]) if ok else None}
    print(json.dumps(figures, ensure_ascii=False, indent=None if args.json else 2))


if __name__ == "__main__":
    main()
