"""Photos of materials (kiosk camera, window scanner): prove an upload is an image, and make it fit a slow link.

Pillow decodes the file (so a renamed PDF or script is refused, whatever its name or declared
type says), turns it upright by its EXIF orientation, drops all metadata (a phone photo's EXIF
carries the GPS position of the villager's home) and re-encodes it as a JPEG no larger than
MAX_SIDE pixels on its long side at QUALITY.

The size and quality were chosen by legibility against bytes (scripts/bench_photo_legibility.py,
issue 21): an A4 page in 宋体, photographed to fill 90 % of a 12 MP frame, still reads in full at
1600 px — 五号 body text 18 px high (above the 16×16 grid the GB2312 bitmap fonts needed), every
character down to 六号 fine print and every ID digit read right by an ideal observer — and
quality 60 shows no blocking at 2× zoom where 40 does. 72 KiB a page, against 153 KiB at the
former 2000 px / 85 (a minute of a 64 kbit/s line per photo became ~9 s). JPEG rather than WebP
(−46 % more): village PCs run old browsers that cannot show WebP, and so do the archive
systems the county hands files to.

A reviewer sometimes needs more than that (a faded seal, a smudged digit): `prepare` also makes a
full copy (FULL_SIDE px at FULL_QUALITY, from the same decode), which the village keeps and names
in the material entry but sends only when the county asks for it (docs/protocol.md § 5).
"""
import io
import warnings
from typing import NamedTuple

from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import TooLarge, ValidationError

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_SIDE = 1600
MAX_PIXELS = 60_000_000  # refuse decompression bombs long before they exhaust a small kiosk PC
FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "BMP"}
QUALITY = 60
FULL_SIDE = 2000    # the full copy a reviewer may ask for (the former review size)
FULL_QUALITY = 85

NOT_AN_IMAGE = "这个文件不是照片 / this file is not a photo"
NOT_AN_IMAGE_FIX = "请用摄像头拍照，或选择 JPG、PNG 格式的照片 / take a photo with the camera, or choose a JPG or PNG picture"


def _too_large():
    return TooLarge(f"照片太大（超过 {MAX_UPLOAD_BYTES // 1024 // 1024} MB）/ the photo is too large",
                    fix="请重新拍一张，或选择小一些的照片")


def read_upload(request):
    """The bytes of REQUEST's `photo` file (b'' when none), refusing an oversized request unread."""
    if (request.content_length or 0) > MAX_UPLOAD_BYTES + 65536:  # the photo plus the form's other fields
        raise _too_large()
    upload = request.files.get("photo")
    return upload.read(MAX_UPLOAD_BYTES + 1) if upload else b""


class Photo(NamedTuple):
    """A photo made fit for the link: the review copy JPEG, its size, and the full copy (None: not larger)."""

    jpeg: bytes
    width: int
    height: int
    full: bytes | None


def normalise(data):
    """(jpeg bytes, width, height) for the image in DATA; ValidationError saying what to do otherwise."""
    return prepare(data, full=False)[:3]


def prepare(data, full=True):
    """The review copy of the image in DATA and (FULL) its full copy; ValidationError saying what to do otherwise.

    The full copy is left out (None) when it would not be much larger than the review copy: a
    small photo's review copy already is the whole of it.
    """
    if not data:
        raise ValidationError("没有收到照片 / no photo was received", fix="请先拍照或选择照片，再点“上传”")
    if len(data) > MAX_UPLOAD_BYTES:
        raise _too_large()
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                kind = probe.format
                probe.verify()  # structure and checksums, before any pixel is decoded
            if kind not in FORMATS:
                raise ValidationError(NOT_AN_IMAGE, fix=NOT_AN_IMAGE_FIX)
            with Image.open(io.BytesIO(data)) as img:
                # JPEG: decode at a reduced scale (1/2, 1/4, 1/8), a fraction of the memory. The
                # size asked for must be the photo's own shape: a square box is never reached by
                # a 3:4 photo's short side, so (2000, 2000) decoded a 12 MP photo in full.
                w, h = img.size
                side = FULL_SIDE if full else MAX_SIDE
                scale = min(1.0, side / max(w, h, 1))
                img.draft("RGB", (max(1, round(w * scale)), max(1, round(h * scale))))
                img = ImageOps.exif_transpose(img)
                if img.mode != "RGB":
                    img = img.convert("RGB")
                whole = None
                if full:
                    img.thumbnail((FULL_SIDE, FULL_SIDE), Image.Resampling.LANCZOS)
                    whole = _jpeg(img, FULL_QUALITY)
                img.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)  # sharpest for text
                review = _jpeg(img, QUALITY)
                if whole is not None and len(whole) < 1.25 * len(review):
                    whole = None
                return Photo(review, img.width, img.height, whole)
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError("照片像素太多 / the image is too large to open", fix="请重新拍一张") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise ValidationError(NOT_AN_IMAGE, fix=NOT_AN_IMAGE_FIX) from None


def _jpeg(img, quality):
    out = io.BytesIO()
    img.save(out, "JPEG", quality=quality, optimize=True)
    return out.getvalue()
