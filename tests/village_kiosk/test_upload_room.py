"""The JSON API's uploads: as many detailed photos (each with its full copy) as one submission takes."""
import io
import os

import pytest
from PIL import Image

from common.errors import TooMany
from common.node import open_db
from common.domain.submission import MAX_MATERIALS
from tests.helpers import make_node
from village_kiosk import actions


def _detailed(seed):
    raw = io.BytesIO()
    Image.frombytes("RGB", (200, 150), os.urandom(200 * 150 * 3)).resize((2400, 1800)).save(raw, "JPEG", quality=90)
    return raw.getvalue()


def test_an_uploader_can_stage_as_many_photos_as_one_submission_takes(tmp_path):
    cfg = make_node(tmp_path, "village")
    conn = open_db(cfg)
    n = 0
    try:
        for n in range(MAX_MATERIALS):
            actions.store_photo(conn, cfg, _detailed(n), "kiosk@127.0.0.1")
    except TooMany as exc:
        rows = conn.execute("SELECT COUNT(*), SUM(size) FROM blobs WHERE uploader != ''").fetchone()
        pytest.fail(f"photo {n + 1} of {MAX_MATERIALS} refused: {exc.message} (rows {rows[0]}, bytes {rows[1]})")
