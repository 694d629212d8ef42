"""scripts/screenshots.py still walks every kiosk screen and saves a real picture of each."""
import subprocess
import sys
from pathlib import Path

from PIL import Image

from tests.browser import chromium_path

EXPECTED = 35


def test_the_screenshot_script_saves_every_screen(tmp_path):
    chromium_path()
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, str(root / "scripts" / "screenshots.py"), "--out", str(tmp_path)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    shots = sorted(tmp_path.glob("*.png"))
    assert len(shots) == EXPECTED, [s.name for s in shots]
    for shot in shots:
        img = Image.open(shot)
        assert img.size in ((1080, 1920), (1280, 900), (390, 844)), shot.name
        assert len(img.convert("RGB").getcolors(1 << 16) or []) > 8, f"{shot.name} is (nearly) blank"
    assert (root / "docs" / "screenshots").is_dir()
