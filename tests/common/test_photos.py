"""A 12-megapixel upload is decoded at a reduced scale: a fraction of the memory (issue 21)."""
import io
import os
import subprocess
import sys
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import resource, sys
sys.path.insert(0, sys.argv[1])
from common import photos
data = open(sys.argv[2], "rb").read()
from PIL import Image, ImageOps; Image.open(sys.argv[2]).size  # warm the imports: the peak measures photos only
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
for _ in range(5):
    out, w, h, full = photos.prepare(data)
assert full and len(full) > len(out)
print(w, h, (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) // 1024)
"""


def test_a_12_megapixel_photo_is_shrunk_without_decoding_it_in_full(tmp_path):
    img = Image.frombytes("RGB", (300, 400), os.urandom(300 * 400 * 3)).resize((3000, 4000))
    path = tmp_path / "big.jpg"
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=90)
    path.write_bytes(buf.getvalue())
    out = subprocess.run([sys.executable, "-c", PROBE, str(ROOT), str(path)], capture_output=True, text=True,
                         timeout=120, check=True).stdout.split()
    width, height, grown_mb = map(int, out)
    assert (width, height) == (1200, 1600)
    assert grown_mb < 16, f"preparing five 12 MP photos grew the process by {grown_mb} MB"  # decoded in full: 32
