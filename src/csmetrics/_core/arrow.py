"""Arrow columns as numpy columns: the general conversion, and fast paths by field kind.

Input that arrives as Arrow (a pyarrow Table, an Arrow stream, a CSV or Parquet file read by
pyarrow) is converted here, column by column, before the tables' rules run. The fast paths
use pyarrow's vectorized casts (text to numbers, to dates, to timestamps) and dictionary
encoding (ids and categories); each is taken only when pyarrow accepts the whole column, and
whatever pyarrow refuses goes the general way (``arrow_to_numpy``), where the tables' own
rules read it and name what is wrong. pyarrow's casts accept a subset of what those rules
accept, with the same values (checked by tests), so both ways build the same table.

pyarrow is imported inside the functions: ``import csmetrics`` does not load it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from csmetrics._core.textsort import ascii_text, sorted_codes, text_order
from csmetrics.exceptions import InvalidParameterError

Kind = Literal["codes", "category", "number", "date", "timestamp", "any"]
"""How a field reads its column: ids (``"codes"``), a few categories (``"category"``),
numbers, dates, timestamps, or anything else (``"any"``)."""


def is_arrow(values: Any) -> bool:
    """Whether ``values`` is a pyarrow Array or ChunkedArray.

    Examples
    --------
    >>> import pyarrow as pa
    >>> is_arrow(pa.array([1])), is_arrow([1])
    (True, False)
    """
    return type(values).__module__.startswith("pyarrow") and hasattr(values, "type") and (
        hasattr(values, "to_numpy"))


def arrow_to_numpy(values: Any) -> NDArray[Any]:
    """A pyarrow Array or ChunkedArray as a numpy column, read as the tables read columns.

    Numbers and booleans without nulls, dates (``date32``, ``date64``) and timestamps
    (zoned ones in UTC, without their zone) become native numpy arrays; integers with nulls
    become float64 with NaN; text of any layout (``string``, ``large_string``,
    ``string_view``, dictionary-encoded) becomes objects with ``None`` where missing;
    decimals become their exact text (so they read as numbers with correct rounding); a
    list or struct column becomes objects (one list or dict per row), which the tables'
    rules refuse by name (``must be a scalar``).

    Raises
    ------
    InvalidParameterError
        pyarrow cannot convert the column to numpy (a union or extension type).

    Examples
    --------
    >>> import pyarrow as pa
    >>> arrow_to_numpy(pa.array(["EU", None]).dictionary_encode()).tolist()
    ['EU', None]
    >>> arrow_to_numpy(pa.array([[1, 2]]))[0].tolist()
    [1, 2]
    """
    import pyarrow as pa

    kind = values.type
    if pa.types.is_dictionary(kind):
        # Dictionary columns lose their nulls in to_numpy(): decode them first.
        values = values.cast(kind.value_type)
        kind = kind.value_type
    fixed = _fixed_width(values)
    if fixed is not None:
        return fixed
    if pa.types.is_decimal(kind):
        values = values.cast(pa.string())
    elif str(kind) in ("string_view", "binary_view"):
        values = values.cast(pa.large_string() if str(kind) == "string_view"
                             else pa.large_binary())
    try:
        return np.asarray(values.to_numpy(zero_copy_only=False))
    except (pa.ArrowException, TypeError, ValueError) as exc:
        raise InvalidParameterError(
            f"an Arrow {kind} column cannot be read as numpy values ({exc}); give one "
            "value per row (text, numbers or dates).") from None


def _fixed_width(values: Any) -> NDArray[Any] | None:
    """Numbers, booleans, dates and timestamps read from their Arrow buffers (as
    ``to_numpy`` reads them: integers with nulls as float64 with NaN, temporal nulls as NaT,
    booleans with nulls as objects), without pyarrow's pandas shim; ``None`` for other
    types."""
    chunks = values.chunks if hasattr(values, "chunks") else [values]
    parts = [_fixed_chunk(c) for c in chunks]
    if not parts or any(p is None for p in parts):
        return None
    if any(p.dtype.kind == "O" for p in parts):  # type: ignore[union-attr]
        return None  # booleans with nulls: to_numpy's objects
    if len({p.dtype for p in parts}) > 1:  # type: ignore[union-attr]
        parts = [p.astype(np.float64) for p in parts]  # type: ignore[union-attr]
    return parts[0] if len(parts) == 1 else np.concatenate(parts)  # type: ignore[arg-type]


def _bits(buffer: Any, offset: int, n: int) -> NDArray[np.bool_]:
    raw = np.frombuffer(buffer, dtype=np.uint8)
    return np.unpackbits(raw, bitorder="little")[offset:offset + n].astype(bool)


def _fixed_chunk(chunk: Any) -> NDArray[Any] | None:
    import pyarrow as pa

    kind = chunk.type
    n, offset = len(chunk), chunk.offset
    temporal = None
    if pa.types.is_boolean(kind):
        if chunk.null_count:
            return np.empty(0, dtype=object)  # (marks "use to_numpy")
        if n == 0:
            return np.zeros(0, dtype=bool)
        return _bits(chunk.buffers()[1], offset, n)
    if pa.types.is_integer(kind):
        code = f"{'i' if pa.types.is_signed_integer(kind) else 'u'}{kind.bit_width // 8}"
    elif pa.types.is_floating(kind):
        code = f"f{kind.bit_width // 8}"
    elif pa.types.is_date32(kind):
        code, temporal = "i4", "datetime64[D]"
    elif pa.types.is_date64(kind):
        code, temporal = "i8", "datetime64[ms]"
    elif pa.types.is_timestamp(kind):
        code, temporal = "i8", f"datetime64[{kind.unit}]"
    else:
        return None
    if n == 0:
        out = np.zeros(0, dtype=code)
    else:
        validity, data = chunk.buffers()[:2]
        out = np.frombuffer(data, dtype=code)[offset:offset + n]
        if chunk.null_count:
            missing = ~_bits(validity, offset, n)
            if temporal is not None:
                out = out.astype(np.int64)
                out[missing] = np.iinfo(np.int64).min  # NaT
            else:
                out = out.astype(np.float64)
                out[missing] = np.nan
    if temporal is not None:
        return out.astype(np.int64, copy=False).view(temporal) if code == "i8" else (
            out.astype(np.int64).view("datetime64[D]") if not chunk.null_count
            else out.view("datetime64[D]"))
    return out


def _is_text(kind: Any) -> bool:
    import pyarrow as pa

    return bool(pa.types.is_string(kind) or pa.types.is_large_string(kind)
                or str(kind) == "string_view")


def _plain(values: Any) -> Any:
    """A ChunkedArray or Array with dictionary and view layouts decoded (a cheap no-op for
    the other layouts)."""
    import pyarrow as pa

    kind = values.type
    if pa.types.is_dictionary(kind):
        values = values.cast(kind.value_type)
    if str(values.type) == "string_view":
        values = values.cast(pa.large_string())
    return values


def arrow_column(values: Any, kind: Kind) -> Any:
    """An Arrow column converted for a field of ``kind``: a numpy array, or (for ids of
    text) an ``Encoded`` column, which ``to_codes`` takes as it is.

    Text is cast by pyarrow when it accepts the whole column: numbers to float64, ISO dates
    to ``datetime64[D]``, ISO timestamps that are all naive or all with an offset (``Z``,
    ``+02:00``, or the word ``UTC``) to ``datetime64[us]`` in UTC (dates: the UTC day);
    categories, like ids, become an ``Encoded`` column. Anything else goes through
    ``arrow_to_numpy``.

    Examples
    --------
    >>> import pyarrow as pa
    >>> arrow_column(pa.array(["1.5", None]), "number").tolist()
    [1.5, nan]
    >>> arrow_column(pa.array(["2024-03-05", "x"]), "date").tolist()
    ['2024-03-05', 'x']
    >>> arrow_column(pa.array(["USD", None, "EUR"]), "category").codes.tolist()
    [1, -1, 0]
    >>> arrow_column(pa.array(["b", "a", "b"]), "codes").codes.tolist()
    [1, 0, 1]
    """
    import pyarrow as pa

    text = _is_text(values.type) or (pa.types.is_dictionary(values.type)
                                     and _is_text(values.type.value_type))
    if not text:
        return arrow_to_numpy(values)
    if kind in ("codes", "category"):  # (a few categories: the rules read each one once)
        encoded = arrow_codes(values)
        if encoded is not None:
            return Encoded(*encoded)
        if kind == "codes":
            return values
    plain = _plain(values)
    targets: tuple[Any, ...] = ()
    if kind == "number":
        targets = (pa.float64(),)
    elif kind == "date":
        targets = (pa.date32(), pa.timestamp("us"), pa.timestamp("us", "UTC"))
    elif kind == "timestamp":
        targets = (pa.timestamp("us"), pa.timestamp("us", "UTC"))
    out = _cast(plain, targets, kind)
    if out is None and kind in ("date", "timestamp") and len(plain):
        # "2024-03-05 14:22:01 UTC": the zone as a word reads as "...14:22:01Z" (tried only
        # when the text does not cast as it is: a regex over every cell is not free).
        import pyarrow.compute as pc

        worded = pc.replace_substring_regex(plain, r"(\d)\s*(?i:UTC|GMT)$", r"\1Z")
        if not pc.all(pc.equal(worded, plain)).as_py():
            out = _cast(worded, targets, kind)
    return arrow_to_numpy(values) if out is None else out


def _cast(plain: Any, targets: tuple[Any, ...], kind: Kind) -> NDArray[Any] | None:
    """The column cast by pyarrow to the first of ``targets`` it accepts whole, as numpy;
    ``None`` when it accepts none."""
    import pyarrow as pa
    import pyarrow.compute as pc

    for target in targets:
        try:
            cast = pc.cast(plain, target)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            continue
        out = arrow_to_numpy(cast)
        return out.astype("datetime64[D]") if kind == "date" else out
    return None


@dataclass(frozen=True)
class Encoded:
    """A text id column already encoded by ``arrow_codes``: codes into sorted categories
    (-1 where missing), the categories, and where it is missing."""

    codes: NDArray[np.int64]
    categories: NDArray[Any]
    missing: NDArray[np.bool_]

    def __len__(self) -> int:
        return int(self.codes.size)

    def decoded(self) -> NDArray[Any]:
        """The column's values again, as objects (``None`` where missing).

        Examples
        --------
        >>> import pyarrow as pa
        >>> arrow_column(pa.array(["b", None, "a"]), "codes").decoded().tolist()
        ['b', None, 'a']
        """
        out = self.categories.astype(object)[self.codes]
        out[self.missing] = None
        return np.asarray(out)


def _one_chunk(values: Any) -> Any:
    if hasattr(values, "combine_chunks"):
        return values.combine_chunks()
    return values


def arrow_codes(values: Any) -> tuple[NDArray[np.int64], NDArray[Any],
                                      NDArray[np.bool_]] | None:
    """Integer codes into the sorted distinct values of an Arrow text column, the sorted
    values (numpy text), and where the column is missing; ``None`` when ``values`` is not
    text with at least one value (the general path reads it).

    The same codes and categories as factorizing the column's text with numpy: pyarrow
    sorts text by code point, as numpy does.

    Examples
    --------
    >>> import pyarrow as pa
    >>> codes, cats, missing = arrow_codes(pa.array(["b", None, "a", "b"]))
    >>> codes.tolist(), cats.tolist(), missing.tolist()
    ([1, -1, 0, 1], ['a', 'b'], [False, True, False, False])
    """
    import pyarrow as pa

    if not is_arrow(values):
        return None
    kind = values.type
    if not (_is_text(kind) or (pa.types.is_dictionary(kind) and _is_text(kind.value_type))):
        return None
    if len(values) == values.null_count:
        return None
    if not pa.types.is_dictionary(kind) and str(kind) != "string_view" and _many(values):
        # Short ids (the usual case): sorted by integer sorts of their bytes, not hashed.
        plain = _one_chunk(values)
        fast = sorted_codes(plain)
        if fast is not None:
            codes, where = fast
            return codes, _text(plain.take(int64_array(where))), codes < 0
    if pa.types.is_dictionary(kind) and str(kind.value_type) != "string_view":
        found = _chunked_dictionary_codes(values)
        if found is not None:
            return found
    import pyarrow.compute as pc  # (only here: its import costs 60 ms)

    encoded = _dictionary(values)
    dictionary = encoded.dictionary
    indices = encoded.indices
    missing = arrow_to_numpy(indices.is_null())
    raw = _indices(indices, missing)
    order = text_order(dictionary)  # (integer sorts of short ids; pyarrow sorts the rest)
    if order is None:
        order = arrow_to_numpy(pc.array_sort_indices(dictionary)).astype(np.int64)
    ordered = dictionary.take(int64_array(order))
    # A dictionary read from a file may repeat a value or hold values no row uses: the
    # categories are the distinct values used, as numpy's factorization finds them.
    n = len(ordered)
    first = np.ones(n, dtype=bool)
    if n > 1:
        first[1:] = arrow_to_numpy(pc.not_equal(ordered.slice(1), ordered.slice(0, n - 1)))
    group = np.cumsum(first) - 1
    used = np.zeros(n, dtype=bool)
    used[raw[~missing] if missing.any() else raw] = True
    group_used = np.zeros(int(group[-1]) + 1, dtype=bool)
    group_used[group[used[order]]] = True
    rank_of_group = np.cumsum(group_used) - 1
    rank = np.empty(n, dtype=np.int64)
    rank[order] = rank_of_group[group]
    codes = rank[raw]
    if missing.any():
        codes[missing] = -1
    keep = first & group_used[group]
    cats = _text(ordered if bool(keep.all()) else ordered.take(int64_array(np.flatnonzero(keep))))
    return codes, cats, missing


def _indices(indices: Any, missing: NDArray[np.bool_]) -> NDArray[np.integer[Any]]:
    """A dictionary's indices as integers read from their buffer (0 where missing: a null
    slot may hold anything), not through float64 with NaN."""
    one = _one_chunk(indices)
    kind = one.type
    code = f"{'i' if str(kind).startswith('int') else 'u'}{kind.bit_width // 8}"
    if len(one) == 0:
        return np.zeros(0, dtype=np.int64)
    raw = np.frombuffer(one.buffers()[1], dtype=code)[one.offset:one.offset + len(one)]
    return np.where(missing, 0, raw) if bool(missing.any()) else raw


def _chunked_dictionary_codes(values: Any) -> tuple[NDArray[np.int64], NDArray[Any],
                                                    NDArray[np.bool_]] | None:
    """``arrow_codes`` of a dictionary column (a Parquet file's text, one dictionary per row
    group) from integer sorts of its dictionaries' bytes, without unifying them by hashing;
    ``None`` when the dictionaries are not short text without nulls."""
    import pyarrow as pa

    chunks = [c for c in (values.chunks if hasattr(values, "chunks") else [values]) if len(c)]
    if not chunks or any(c.dictionary.null_count for c in chunks):
        return None
    dictionaries = [c.dictionary for c in chunks]
    if len({str(d.type) for d in dictionaries}) > 1:
        return None
    both = pa.concat_arrays(dictionaries) if len(dictionaries) > 1 else dictionaries[0]
    found = sorted_codes(both)
    if found is None:
        return None
    entry_codes, where = found
    # Each chunk's indices gathered straight into one array: no per-chunk copies to join.
    codes = np.empty(sum(len(c) for c in chunks), dtype=np.int64)
    missing = np.zeros(codes.size, dtype=bool)
    at = start = 0
    for chunk, dictionary in zip(chunks, dictionaries, strict=True):
        rows = slice(at, at + len(chunk))
        gap = missing[rows]
        if chunk.null_count:
            indices = chunk.indices
            gap[:] = ~_bits(indices.buffers()[0], indices.offset, len(indices))
        if len(dictionary):
            index = _indices(chunk.indices, gap)
            if index.size and (int(index.min()) < 0 or int(index.max()) >= len(dictionary)):
                # (Arrow checks indices only when asked: arrays from buffers or C streams)
                raise InvalidParameterError(
                    f"a dictionary column has an index outside its dictionary of "
                    f"{len(dictionary):,} values; the Arrow array is invalid.")
            np.take(entry_codes[start:start + len(dictionary)], index, out=codes[rows],
                    mode="clip")  # (in bounds: checked above)
        else:  # a row group of nulls only (its codes are set to -1 below)
            codes[rows] = 0
        at, start = at + len(chunk), start + len(dictionary)
    absent = bool(missing.any())
    # A dictionary may hold values no row uses: the categories are those used.
    used = np.zeros(where.size, dtype=bool)
    used[codes[~missing] if absent else codes] = True
    if not used.all():
        rank = np.cumsum(used) - 1
        codes, where = rank[codes], where[used]
    if absent:
        codes[missing] = -1
    found_text = ascii_text(both, where) if str(both.type) in ("string", "large_string") else None
    return codes, (found_text if found_text is not None
                   else _text(both.take(int64_array(where)))), missing


def _many(values: Any) -> bool:
    """Whether a text column looks like ids rather than a few categories (most of a sample
    of its rows distinct): few categories hash faster than their rows sort."""
    import pyarrow.compute as pc

    sample = values.slice(0, 4096)
    return int(pc.count_distinct(sample).as_py()) > len(sample) // 2


def int64_array(values: NDArray[np.int64]) -> Any:
    """A numpy int64 array as an Arrow array over the same memory (``pa.array`` of numpy
    would import pandas when it is installed, 0.3 s).

    Examples
    --------
    >>> int64_array(np.array([3, 1])).to_pylist()
    [3, 1]
    """
    import pyarrow as pa

    values = np.ascontiguousarray(values, dtype=np.int64)
    return pa.Array.from_buffers(pa.int64(), values.size, [None, pa.py_buffer(values)])


def _dictionary(values: Any) -> Any:
    """A text column as one DictionaryArray: a dictionary column as it is (its chunks'
    dictionaries unified), text encoded by pyarrow."""
    import pyarrow as pa
    import pyarrow.compute as pc

    kind = values.type
    if pa.types.is_dictionary(kind) and _is_text(kind.value_type) and str(
            kind.value_type) != "string_view":
        one = _one_chunk(values.unify_dictionaries() if hasattr(values, "unify_dictionaries")
                         else values)
        if one.dictionary.null_count == 0:
            return one
    return pc.dictionary_encode(_one_chunk(_plain(values)))


def _text(values: Any) -> NDArray[np.str_]:
    """An Arrow text array without nulls as fixed-width numpy text (as ``astype(str)``)."""
    plain = _one_chunk(values)
    fast = ascii_text(plain) if str(plain.type) in ("string", "large_string") else None
    return fast if fast is not None else np.array(values.to_pylist(), dtype=str)
