"""The survey response record: one answer of one respondent, with its comment and ratings.

Its fields are validated as the columns of a ``SurveyTable`` validate them, so records and
columns accept and refuse the same values."""

from __future__ import annotations

import datetime as _dt
from typing import Any

from pydantic import Field, field_validator

from csmetrics._core.convert import missing_one
from csmetrics.tables.records import RecordModel, record_date, record_label, record_number
from csmetrics.tables.scales import canonical_survey
from csmetrics.tables.survey_extras import record_attributes, record_comment

__all__ = ["SurveyResponse"]


class SurveyResponse(RecordModel):
    """One answer of one respondent to one survey question.

    Parameters
    ----------
    customer_id : str or int
        The account the respondent belongs to (B2B) or the customer (B2C).
    respondent_id : str or int, optional
        The person who answered, when known.
    survey : str
        ``"nps"``, ``"csat"``, ``"ces"`` or the name of a survey of your own whose scale
        is given to the table with ``scales=``. Case and surrounding spaces are ignored.
    score : int, float or None
        The answer; checked against the survey's scale when the table is built. ``None``
        (or NaN) is a non-response: the question was skipped; the table counts it in
        ``non_responses`` and leaves it out of every metric.
    submitted_at : date or datetime
        When the answer was given. Timezone-aware times are taken in UTC; the table keeps
        the date.
    weight : float, default 1
        Sampling (or, if asked, frequency) weight of the response; finite and >= 0.
    comment : str, optional
        The respondent's free text, any length; blank or whitespace-only text is no
        comment (``None``).
    attributes : mapping of str to number, optional
        Attribute ratings (``{"ease": 5}``), each checked against the scale the table is
        given with ``attributes=``; ``None`` (or NaN) is not answered.

    Examples
    --------
    >>> SurveyResponse(customer_id="acme", survey="NPS", score=9, submitted_at="2024-03-01")
    SurveyResponse(customer_id='acme', respondent_id=None, survey='nps', score=9, submitted_at=datetime.date(2024, 3, 1), weight=1.0, comment=None, attributes={})
    """  # noqa: E501

    customer_id: str | int
    respondent_id: str | int | None = None
    survey: str
    score: int | float | None = Field(allow_inf_nan=False)
    submitted_at: _dt.date | _dt.datetime
    weight: float = Field(default=1.0, ge=0, allow_inf_nan=False)
    comment: str | None = None
    attributes: dict[str, Any] = Field(default_factory=dict)

    _comment_as_the_columns_read_it = field_validator("comment", mode="before")(
        record_comment)
    _ratings_as_the_columns_read_them = field_validator("attributes", mode="before")(
        record_attributes)
    _labels_as_the_columns_read_them = field_validator(
        "customer_id", "respondent_id", mode="before")(record_label)
    _numbers_as_the_columns_read_them = field_validator(
        "score", "weight", mode="before")(record_number)

    @field_validator("score", mode="before")
    @classmethod
    def _blank_is_a_non_response(cls, v: Any) -> Any:
        # As the columns read it: a missing score (None, NaN, NaT, pd.NA, blank text) is
        # no answer.
        return None if missing_one(v) or (isinstance(v, str) and not v.strip()) else v

    @field_validator("survey")
    @classmethod
    def _survey_is_named(cls, v: str) -> str:
        name = canonical_survey(v)
        if not name:
            raise ValueError("must not be empty")
        return name

    _date_as_the_columns_read_it = field_validator("submitted_at", mode="before")(record_date)
