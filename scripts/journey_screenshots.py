"""Write docs/screenshots/e2e-*.png: each step of the end-to-end journey over the demo network, in chromium.

    .venv/bin/python scripts/journey_screenshots.py [--out docs/screenshots]

Builds the demo county (ten node processes, no seeded history) in a temporary folder, plays the
journey of tests/e2e/journey.py — apply while the village is cut off, the link returns, the
township forwards, the county asks for a document, the villager adds it, the county approves, the
kiosk shows the outcome and the villager rates it, the dashboard counts it — and saves one PNG per
step. Needs the test extras and chromium (`bash scripts/test.sh` installs both).
"""
import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]


def main(argv=None):
    """Save the journey's screenshots; exit status 0 when every step passed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"), help="folder for the PNG files")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    from common.demo import network
    from common.demo.smoke import free_base
    from screenshots import prepare, save as save_png
    from tests.e2e import journey
    chromium, out = prepare(parser, args)

    def save(page, name, kiosk):
        save_png(page, out, name)

    with tempfile.TemporaryDirectory() as tmp:
        base = free_base()
        network.build(Path(tmp) / "demo", base, history=False)
        net = network.Network(Path(tmp) / "demo", base)
        net.start_all()
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--lang=zh-CN"])
                facts = journey.run(browser, net, save, tmp)
                browser.close()
        finally:
            net.stop_all()
    print(f"saved to {out}; tracking code {facts['tracking_code']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
