"""Integer sorts of short text (``_core.textsort``) against Python's own order of ``str``."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from csmetrics._core.arrow import arrow_codes
from csmetrics._core.textsort import ascii_text, text_order

# Ids as exports write them: a shared prefix, then digits, letters, some non-ASCII, and
# values that are prefixes of others ("cus_1" and "cus_10").
_ids = st.lists(st.builds(lambda p, r: p + r, st.sampled_from(["", "cus_", "sub_00"]),
                          st.text(alphabet=st.sampled_from(list("019az_-éß€\U0001f600 ")),
                                  max_size=18)),
                min_size=1, max_size=60)


@given(_ids, st.booleans())
def test_text_order_sorts_as_python_sorts_str(values: list[str], large: bool) -> None:
    array = pa.array(values, pa.large_string() if large else pa.string())
    order = text_order(array)
    if order is None:  # too long after the prefix: pyarrow sorts (checked elsewhere)
        assert max(map(len, (v.encode() for v in values))) > 16
        return
    assert sorted(order.tolist()) == list(range(len(values)))
    assert [values[i] for i in order.tolist()] == sorted(values)


@given(_ids)
def test_ascii_text_reads_as_numpy_reads_the_list(values: list[str]) -> None:
    fast = ascii_text(pa.array(values))
    if fast is None:
        assert any(not v.isascii() for v in values)
        return
    expected = np.array(values, dtype=str)
    assert fast.dtype == expected.dtype
    assert fast.tolist() == expected.tolist()


@given(_ids, st.data())
def test_ascii_text_at_positions_reads_those_values(values: list[str], data: st.DataObject
                                                    ) -> None:
    positions = np.array(data.draw(st.lists(st.integers(0, len(values) - 1), max_size=20)),
                         dtype=np.int64)
    array = pa.array(["zz", *values]).slice(1)   # (an offset into the buffers too)
    fast = ascii_text(array, positions)
    if fast is None:
        assert any(not v.isascii() for v in values)
        return
    expected = np.array([values[i] for i in positions.tolist()], dtype=str)
    assert fast.tolist() == expected.tolist()
    if positions.size:
        assert fast.dtype == expected.dtype


def test_a_slice_reads_its_own_values() -> None:
    array = pa.array(["zz", "cus_3", "cus_1", "cus_2", "aa"]).slice(1, 3)
    assert text_order(array).tolist() == [1, 2, 0]
    assert ascii_text(array).tolist() == ["cus_3", "cus_1", "cus_2"]


@pytest.mark.parametrize("values", [["a\x00", "a"], ["x" * 30, "y"], []])
def test_what_integers_cannot_sort_is_left_to_pyarrow(values: list[str]) -> None:
    assert text_order(pa.array(values, pa.string())) is None


@given(st.lists(st.one_of(st.none(), st.sampled_from(
    ["c2", "c10", "c1", "é", "", " ", "cus_" + "x" * 30])), min_size=1, max_size=40),
    st.integers(0, 3))
def test_codes_are_numpys_factorization(values: list[str | None], cut: int) -> None:
    # Short values take the integer sort, long ones pyarrow's dictionary: both must give
    # numpy's factorization, on a slice of a larger array too (offsets and validity bits
    # then start inside their buffers).
    array = pa.array(["zz"] * cut + values + [None], pa.string()).slice(cut, len(values))
    got = arrow_codes(array)
    present = [v for v in values if v is not None]
    if not present:
        assert got is None
        return
    assert got is not None
    codes, cats, missing = got
    expected_cats, inverse = np.unique(np.array(present, dtype=str), return_inverse=True)
    assert cats.tolist() == expected_cats.tolist()
    assert codes[~missing].tolist() == inverse.tolist()
    assert missing.tolist() == [v is None for v in values]


@given(st.lists(st.lists(st.one_of(st.none(), st.sampled_from(["c2", "c10", "c1", "é", "d"])),
                         max_size=12), min_size=1, max_size=4),
       st.lists(st.sampled_from(["zz", "c1", "unused"]), max_size=3))
def test_chunked_dictionaries_give_numpys_factorization(chunks: list[list[str | None]],
                                                        spare: list[str]) -> None:
    # A Parquet file's text: one dictionary per row group, which may repeat values, hold
    # values no row uses (``spare``), and differ from chunk to chunk.
    parts = []
    for values in chunks:
        present = sorted({v for v in values if v is not None}) + spare
        dictionary = pa.array(present or ["x"], pa.string())
        index = pa.array([None if v is None else present.index(v) for v in values], pa.int32())
        parts.append(pa.DictionaryArray.from_arrays(index, dictionary))
    column = pa.chunked_array(parts, pa.dictionary(pa.int32(), pa.string()))
    flat = [v for values in chunks for v in values]
    got = arrow_codes(column)
    if all(v is None for v in flat):
        assert got is None
        return
    assert got is not None
    codes, cats, missing = got
    expected_cats, inverse = np.unique(np.array([v for v in flat if v is not None], dtype=str),
                                       return_inverse=True)
    assert cats.tolist() == expected_cats.tolist()
    assert codes[~missing].tolist() == inverse.tolist()
    assert missing.tolist() == [v is None for v in flat]
    assert codes[missing].tolist() == [-1] * int(missing.sum())


def test_a_row_group_of_nulls_with_an_empty_dictionary() -> None:
    empty = pa.DictionaryArray.from_arrays(pa.array([None, None], pa.int32()),
                                           pa.array([], pa.string()))
    some = pa.DictionaryArray.from_arrays(pa.array([0, None], pa.int32()), pa.array(["x"]))
    for parts in ([empty, some], [some, empty]):
        codes, cats, missing = arrow_codes(pa.chunked_array(parts))
        flat = [v for part in parts for v in part.to_pylist()]
        assert cats.tolist() == ["x"]
        assert codes.tolist() == [-1 if v is None else 0 for v in flat]
        assert missing.tolist() == [v is None for v in flat]


def test_an_index_outside_its_dictionary_is_an_error_not_a_value() -> None:
    # Arrow checks dictionary indices only when asked (safe=False, buffers, C streams).
    import csmetrics as cm

    bad = pa.DictionaryArray.from_arrays(pa.array([0, 1, 5], pa.int8()),
                                         pa.array(["USD", "EUR"]), safe=False)
    with pytest.raises(cm.InvalidParameterError, match="outside its dictionary"):
        arrow_codes(pa.chunked_array([bad]))
