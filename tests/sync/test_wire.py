import os

import msgpack
import zstandard
import pytest
from hypothesis import given, settings, strategies as st

from sync import wire


def test_round_trip_batch():
    entries = [(5 + i, "event", f"id{i}", "371399101001", msgpack.packb({"n": i})) for i in range(100)]
    msg = wire.decode(wire.pack_batch(entries))
    assert wire.unpack_batch(msg) == entries
    assert wire.unpack_body(entries[3][4]) == {"n": 3}


@pytest.mark.parametrize("data,code", [
    (b"", "bad_frame"),
    (b"\xc1\xc1garbage", "bad_frame"),
    (msgpack.packb([1, 2]), "bad_frame"),
    (msgpack.packb({"v": 99, "t": "ping", "ts": 1}), "version"),
    (msgpack.packb({"v": 1, "t": "nope"}), "bad_frame"),
    (msgpack.packb({"v": 1, "t": "ack", "upto": "7"}), "bad_frame"),
    (msgpack.packb({"v": 1, "t": "ack", "upto": -1}), "bad_frame"),
    (msgpack.packb({"v": 1, "t": "ack", "upto": True}), "bad_frame"),
    (msgpack.packb({"v": 1, "t": "blob_get", "sha": "x" * 64, "offset": 0}), "bad_frame"),
    (msgpack.packb({"v": 1, "t": "batch", "first": 3, "last": 2, "n": 0, "z": b""}), "bad_frame"),
])
def test_bad_frames(data, code):
    with pytest.raises(wire.FrameError) as exc:
        wire.decode(data)
    assert exc.value.code == code


def test_truncated_and_inconsistent_batches():
    entries = [(1, "event", "a", "", b"\x80"), (2, "event", "b", "", b"\x80")]
    frame = wire.pack_batch(entries)
    with pytest.raises(wire.FrameError):
        wire.decode(frame[: len(frame) // 2])
    msg = wire.decode(frame)
    msg["z"] = msg["z"][:-3]
    with pytest.raises(wire.FrameError):
        wire.unpack_batch(msg)
    bad = wire.decode(wire.encode("batch", first=1, last=2, n=2,
                                  z=wire._zstd()[0].compress(msgpack.packb([[1, "e", "a", "", b""], [3, "e", "b", "", b""]]))))
    with pytest.raises(wire.FrameError, match="out of sequence"):
        wire.unpack_batch(bad)


def test_oversize_refused():
    with pytest.raises(wire.FrameError) as exc:
        wire.decode(b"\x00" * (wire.MAX_FRAME + 1))
    assert exc.value.code == "too_big"


def test_decompression_bomb_refused():
    bomb = wire._zstd()[0].compress(b"\x00" * (wire.MAX_BATCH_RAW + 10))
    msg = wire.decode(wire.encode("batch", first=1, last=1, n=1, z=bomb))
    with pytest.raises(wire.FrameError):
        wire.unpack_batch(msg)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=512))
def test_garbage_never_escapes_as_another_exception(data):
    try:
        msg = wire.decode(data)
        if msg["t"] == "batch":
            wire.unpack_batch(msg)
    except wire.FrameError:
        pass


def test_random_bytes_fuzz():
    for _ in range(2000):
        try:
            wire.decode(os.urandom(64))
        except wire.FrameError:
            pass


def test_a_subtree_report_keeps_only_well_formed_rows_below_the_sender():
    from sync.endpoint import _valid_subtree
    good = ["371399101001", "up", "2026-11-23T10:00:00", "2026-11-23T10:05:00", 3, 0]
    rows = [good, ["371399102001", "up", "", "", 0, 0],          # another township's village
            ["371399101", "up", "", "", 0, 0],                     # the sender itself
            ["371399101002", "sideways", "", "", 0, 0], ["371399101003", "up", "", "", "3", 0],
            ["371399101004", "down", "", ""], "garbage", None]
    assert _valid_subtree(rows, "371399101") == [good]


def _valid(kind):
    """A frame of KIND that decodes, every required field at a plain value."""
    sample = {wire._INT: 1, wire._STR: "", wire._BIN: b"", wire._MAP: {}, wire._NUM: 1.0, wire._LIST: []}
    fields = {f: sample[typ] for f, (typ, _) in wire.SCHEMAS[kind].items()}
    if kind in ("blob_get", "blob_chunk", "blob_missing"):
        fields["sha"] = "a" * 64
    if kind == "blob_chunk":
        fields.update(offset=0, total=1, data=b"x")
    return {"v": 1, "t": kind, **fields}


def _extremes(typ, bound):
    if typ is wire._INT:
        return [-1, bound + 1, 2 ** 63, 2 ** 64 - 1, -(2 ** 63), True, 1.5, "7", None]
    if typ is wire._NUM:
        return [float("nan"), float("inf"), float("-inf"), bound[0] - 1, bound[1] * 2, "1", None]
    if typ is wire._STR:
        return ["x" * (bound + 1), b"bytes", 7, None]
    if typ is wire._BIN:
        return [b"x" * (bound + 1), "text", None] if bound < wire.MAX_FRAME else ["text", None]
    return [{str(i): i for i in range(bound + 1)} if typ is wire._MAP else list(range(bound + 1)), "x", None]


@pytest.mark.parametrize("kind", sorted(wire.SCHEMAS))
def test_every_field_of_every_frame_at_its_extremes_is_a_frame_error(kind):
    assert wire.decode(msgpack.packb(_valid(kind), use_bin_type=True))["t"] == kind
    specs = dict(wire.SCHEMAS[kind], **wire.OPTIONAL.get(kind, {}))
    tried = 0
    for field, (typ, bound) in specs.items():
        for value in _extremes(typ, bound):
            frame = dict(_valid(kind), **{field: value})
            with pytest.raises(wire.FrameError) as exc:
                wire.decode(msgpack.packb(frame, use_bin_type=True))
            assert exc.value.code == "bad_frame", (field, value)
            tried += 1
    assert tried >= 3 * len(specs)


def test_a_declared_size_past_the_limit_is_refused_before_anything_is_allocated():
    import resource
    # A zstd frame header that declares 4 GiB of content, with a few bytes of data behind it.
    header = zstandard.ZstdCompressor(write_content_size=True).compress(b"x" * 10)
    bomb = bytearray(header)
    import struct
    # Rewrite the frame header: magic, descriptor with an 8-byte content size, then the size.
    bomb = b"\x28\xb5\x2f\xfd" + bytes([0xE0]) + struct.pack("<Q", 4 * 1024 ** 3) + bytes(header[4 + 2:])
    assert zstandard.frame_content_size(bomb) == 4 * 1024 ** 3
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    msg = wire.decode(wire.encode("batch", first=1, last=1, n=1, z=bomb))
    with pytest.raises(wire.FrameError) as exc:
        wire.unpack_batch(msg)
    assert exc.value.code == "too_big"
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 100 * 1024  # KiB: nothing like 4 GiB


def test_a_frame_without_a_declared_size_is_read_only_up_to_the_limit():
    c = zstandard.ZstdCompressor(write_content_size=False)
    bomb = c.compress(b"\x00" * (wire.MAX_BATCH_RAW + 10))
    assert zstandard.frame_content_size(bomb) == -1
    with pytest.raises(wire.FrameError):
        wire.unpack_batch(wire.decode(wire.encode("batch", first=1, last=1, n=1, z=bomb)))
