"""Survey comments and attribute ratings on SurveyTable (issue 16): built the same from
records, columns, Arrow, CSV and Parquet; validated like every other rule; kept through
pickling and slicing; hostile text accepted and shown escaped."""

from __future__ import annotations

import os
import pickle
import tempfile

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import csmetrics as cm
from csmetrics.exceptions import DataValidationError, InvalidParameterError
from csmetrics.io import read_surveys_csv, read_surveys_parquet
from csmetrics.tables.surveys import SurveyResponse, SurveyTable

HOSTILE = ["<script>alert(1)</script>", '=HYPERLINK("http://x","y")', "x" * 10_000,
           "love it 😀🚀", "ممتاز جدا", "非常好用", "nul\x00and\x07bell\x1b[31m", "a & b"]


def _columns(comments: list[object], ease: list[object]) -> dict[str, list[object]]:
    n = len(comments)
    return {"customer_id": [f"c{i}" for i in range(n)], "survey": ["nps"] * n,
            "score": [i % 11 for i in range(n)], "submitted_at": ["2024-01-05"] * n,
            "comment": comments, "ease": ease}


def test_blank_comments_are_none_and_text_is_kept_as_given() -> None:
    t = SurveyTable.from_columns(_columns([" ok ", "   ", None, float("nan"), "\t\n"],
                                          [1, None, "", 7, 3.5]), attributes={"ease": (1, 7)})
    assert t.comments.tolist() == [" ok ", None, None, None, None]
    assert t.comments.dtype == object
    np.testing.assert_array_equal(t.attributes["ease"], [1.0, np.nan, np.nan, 7.0, 3.5])
    assert t.attributes["ease"].dtype == np.float64
    assert dict(t.attribute_scales) == {"ease": (1.0, 7.0)}
    assert "1 comment" in repr(t)


def test_bad_ratings_and_comments_are_reported_like_every_rule() -> None:
    data = _columns(["fine", 5, "ok", "ok"], [0, "high", float("inf"), 4])
    with pytest.raises(DataValidationError) as info:
        SurveyTable.from_columns(data, attributes={"ease": (1, 7)})
    found = {(p.column, p.rule, p.positions) for p in info.value.problems}
    assert found == {("comment", "must be text", (1,)),
                     ("ease", "must be on its scale (1-7)", (0,)),
                     ("ease", "must be a number", (1,)),
                     ("ease", "must be finite", (2,))}
    t = SurveyTable.from_columns(data, attributes={"ease": (1, 7)}, errors="skip")
    assert t.skipped.to_dict()["row"] == [0, 1, 2]
    assert t.comments.tolist() == ["ok"]
    assert t.attributes["ease"].tolist() == [4.0]


def test_unbounded_ratings_take_any_finite_number() -> None:
    t = SurveyTable.from_columns(_columns(["a", "b"], [-1e9, 1e12]), attributes=["ease"])
    assert t.attribute_scales["ease"] is None
    assert t.attributes["ease"].tolist() == [-1e9, 1e12]


@pytest.mark.parametrize("bad", [{"ease": (7, 1)}, {"ease": (1, float("inf"))}, "ease",
                                 {"ease": "1-7"}, 5])
def test_a_bad_attributes_option_is_a_parameter_error(bad: object) -> None:
    with pytest.raises(InvalidParameterError):
        SurveyTable.from_columns(_columns(["a"], [1]), attributes=bad)  # type: ignore[arg-type]


def test_records_build_the_table_the_columns_build() -> None:
    rows = [SurveyResponse(customer_id="c0", survey="nps", score=9, submitted_at="2024-01-05",
                           comment=HOSTILE[0], attributes={"ease": 6}),
            {"customer_id": "c1", "survey": "nps", "score": 2, "submitted_at": "2024-01-05",
             "comment": "  ", "attributes": {"ease": None}}]
    rec = SurveyTable.from_records(rows, attributes={"ease": (1, 7)})
    col = SurveyTable.from_columns({"customer_id": ["c0", "c1"], "survey": ["nps", "nps"],
                                    "score": [9, 2], "submitted_at": ["2024-01-05"] * 2,
                                    "comment": [HOSTILE[0], "  "], "ease": [6, None]},
                                   attributes={"ease": (1, 7)})
    assert str(rec.to_dict()) == str(col.to_dict())  # str: NaN == NaN
    assert rec.comments.tolist() == col.comments.tolist() == [HOSTILE[0], None]
    with pytest.raises(InvalidParameterError, match="does not name"):
        SurveyTable.from_records(rows[:1], attributes={"value": (1, 5)})
    skipped = SurveyTable.from_records(
        [{**rows[1], "attributes": {"ease": 9}}], attributes={"ease": (1, 7)}, errors="skip")
    assert len(skipped) == 0
    assert len(skipped.skipped) == 1


def test_records_refuse_what_the_columns_refuse() -> None:
    with pytest.raises(InvalidParameterError, match="comment"):
        SurveyResponse(customer_id="c0", survey="nps", score=9, submitted_at="2024-01-05",
                       comment=12)  # type: ignore[arg-type]


def test_comments_survive_pickle_slicing_and_every_reader() -> None:
    data = _columns(HOSTILE, [*range(1, 8), None])
    t = SurveyTable.from_columns(data, attributes={"ease": (1, 7)})
    back = pickle.loads(pickle.dumps(t))
    assert back.comments.tolist() == HOSTILE
    assert back.attribute_scales == t.attribute_scales
    part = t.take([6, 2])
    assert part.comments.tolist() == [HOSTILE[6], HOSTILE[2]]
    assert part.attributes["ease"].tolist() == [7.0, 3.0]
    assert t.between("2024-01").comments.tolist() == HOSTILE
    arrow = SurveyTable.from_columns(pa.table(data), attributes={"ease": (1, 7)})
    assert arrow.comments.tolist() == HOSTILE
    d = tempfile.mkdtemp()
    pq.write_table(pa.table(data), os.path.join(d, "s.parquet"))
    par = read_surveys_parquet(os.path.join(d, "s.parquet"), attributes={"ease": (1, 7)})
    assert par.comments.tolist() == HOSTILE
    assert par.attributes["ease"].tolist()[:7] == list(map(float, range(1, 8)))
    path = os.path.join(d, "s.csv")
    cm_frame = t.to_pandas()
    cm_frame.to_csv(path, index=False)
    csv = read_surveys_csv(path, attributes={"ease": (1, 7)})
    # The CSV cannot hold NUL; every other comment reads back as written.
    assert [c for i, c in enumerate(csv.comments.tolist()) if i != 6] == [
        c for i, c in enumerate(HOSTILE) if i != 6]


def test_hostile_comments_are_shown_escaped() -> None:
    t = SurveyTable.from_columns(_columns(HOSTILE, [None] * len(HOSTILE)), attributes=["ease"])
    html = t._repr_html_()
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "<script>" not in repr(t)
    assert str(t)
    assert t.to_dict()["comment"] == HOSTILE
    assert cm.SurveyTable is SurveyTable


def test_a_table_without_comments_keeps_its_old_views() -> None:
    t = SurveyTable.from_columns({"customer_id": ["a"], "survey": ["nps"], "score": [9],
                                  "submitted_at": ["2024-01-05"]})
    assert "comment" not in t.to_dict()
    assert not t.has_comments
    assert t.comments.tolist() == [None]
    assert dict(t.attributes) == {}
