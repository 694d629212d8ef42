"""Packaging for sanji, the county–township–village service network."""
from setuptools import find_packages, setup

TEST_REQUIRES = [
    "pytest>=8",
    "pytest-timeout>=2.3",
    "hypothesis>=6.100",
    "playwright>=1.40",  # real-browser journeys, driving Debian's chromium (no browser download)
    "axe-playwright-python>=0.1.4",  # axe-core accessibility checks inside those journeys
    "zxing-cpp>=2.2",  # an independent QR decoder: the receipt's QR must decode to the status address
    "schemathesis>=4,<5",  # fuzzes each tier's own OpenAPI document: no 5xx, answers as documented
    "pdfminer.six>=20231228",  # reads the printed papers back as text: an independent check of what they say
    "pytest-xdist>=3.5",  # the suite on both of CI's cores: most tests wait on sockets and processes, not the CPU
    "ruff>=0.6",  # pyflakes' bug rules on every file (tests/test_static.py): an undefined name crashed a sign-in
    "mypy>=1.10",  # type checks of common/domain, common/store and sync (tests/test_static.py)
    "types-PyYAML", "types-requests",  # the stubs mypy needs for the libraries those packages use
]

setup(
    name="sanji",
    version="0.1.0",
    description="三级为民服务网络: offline-capable county–township–village public service network",
    python_requires=">=3.11",
    packages=find_packages(include=["common*", "sync*", "county_hub*", "township_node*", "village_kiosk*"]),
    include_package_data=True,
    package_data={
        "common": ["data/*.yaml", "locales/*.json", "web/templates/*.html", "web/templates/cases/*.html", "web/static/*"],
        "sync": ["templates/*.html"],
        "county_hub": ["templates/*.html", "templates/county/*.html"],
        "township_node": ["templates/*.html", "templates/window/*.html"],
        "village_kiosk": ["templates/*.html", "templates/kiosk/*.html", "templates/clerk/*.html", "static/*",
                          "static/vendor/*", "static/vendor/*/*"],
    },
    install_requires=[
        "flask>=3.0",
        "waitress>=3.0",
        "pyzmq>=25",
        "apscheduler>=3.10,<4",
        "requests>=2.31",
        "click>=8.1",
        "argon2-cffi>=23.1",  # Argon2id password hashing; no hand-written KDF
        "chinesecalendar>=1.9",  # published holiday/调休 data to seed the working-day calendar
        "pyyaml>=6.0",  # catalog files are YAML
        "msgpack>=1.0",  # compact, typed sync frames a second implementation can read in any language
        "zstandard>=0.22",  # batch compression on slow village links
        "pypinyin>=0.50",  # kiosk search by pinyin and initials (shbzk → 社会保障卡); no hand-made tables
        "orjson>=3.9",  # events and projections are (de)serialised on every sync hop; ~5x stdlib json
        "segno>=1.6",  # the receipt's QR code (pure Python, SVG output); no hand-written encoder
        "pillow>=10.0",  # photos of materials: prove a file is an image, drop EXIF (GPS), shrink for slow links
        "pyjwt>=2.6",  # HS256 tokens for the conference server (Jitsi token auth); no hand-rolled JWT
        "pynacl>=1.5",  # Ed25519 origin signatures on events (libsodium); no hand-written crypto
        "weasyprint>=62",  # the papers handed to applicants (受理通知书 …) as PDF from HTML, CJK through Pango
    ],
    extras_require={"test": TEST_REQUIRES},
    entry_points={
        "console_scripts": ["sanji = common.cli:main"],
        # Tiers register themselves so common/ never imports a tier (docs/architecture.md, Tiers and processes).
        "sanji.tiers": [
            "county = county_hub.tier:TIER",
            "township = township_node.tier:TIER",
            "village = village_kiosk.tier:TIER",
        ],
    },
)
