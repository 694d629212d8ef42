import itertools
import uuid

from hypothesis import given, strategies as st

from common import ids


def test_uuid7_is_version_7_and_time_ordered():
    a, b = ids.uuid7(ms=1_700_000_000_000), ids.uuid7(ms=1_700_000_000_001)
    assert uuid.UUID(a).version == 7
    assert a < b
    assert len({ids.uuid7() for _ in range(1000)}) == 1000


def test_fresh_codes_are_valid_and_formatted():
    for _ in range(200):
        code = ids.new_tracking_code()
        assert len(code) == 11 and code[5] == "-"
        assert ids.is_valid_tracking_code(code)
        assert ids.is_valid_tracking_code(code.lower().replace("-", " "))


def test_every_single_substitution_is_caught():
    code = ids.normalize_tracking_code(ids.new_tracking_code())
    for i, c in itertools.product(range(len(code)), ids.ALPHABET):
        if c != code[i]:
            assert not ids.is_valid_tracking_code(code[:i] + c + code[i + 1:])


@given(st.text(alphabet=ids.ALPHABET, min_size=9, max_size=9), st.integers(0, 8))
def test_every_neighbour_swap_is_caught(data, i):
    code = data + ids._check_char(data)
    if code[i] != code[i + 1]:
        swapped = code[:i] + code[i + 1] + code[i] + code[i + 2:]
        assert not ids.is_valid_tracking_code(swapped)


def test_lookalikes_rejected():
    assert not ids.is_valid_tracking_code("0000000000")
    assert not ids.is_valid_tracking_code("ABC")


def test_uuid7_made_now_increase_strictly_even_many_to_a_millisecond():
    made = [ids.uuid7() for _ in range(20_000)]
    assert made == sorted(made) and len(set(made)) == len(made)
    assert all(uuid.UUID(m).version == 7 and uuid.UUID(m).variant == uuid.RFC_4122 for m in made[::97])
