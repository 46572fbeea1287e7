"""Issue 11, real data in: vendor presets, amounts written as text, blank survey answers,
survey names, and the command line over exports in several currencies.

The fixtures in tests/data/ are built from the vendors' documented export columns:

* Stripe: subscription statuses and the meaning of cancel_at_period_end, canceled_at,
  ended_at and trial_end, https://docs.stripe.com/api/subscriptions/object (quoted at
  https://docs.rs/async-stripe-shared/1.0.0-alpha.9/stripe_shared/enum.SubscriptionStatus.html
  and https://docs.gravitydata.co/sources/stripe/tables/subscriptions);
* Chargebee: statuses future, in_trial, active, non_renewing, paused, cancelled;
  cancelled_at "canceled or is set to be canceled",
  https://apidocs.chargebee.com/docs/api/v1/subscriptions and
  https://datacatalog.chargebee.com/subscriptions; subscription[...] column names of its
  import-friendly CSV, https://www.chargebee.com/docs/2.0/bulk-operations.html;
* Delighted: score 0-10, comment, created_at and the person's email,
  https://delighted.com/docs/api.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import re
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from csmetrics import SubscriptionTable, mrr
from csmetrics._core.amounts import AMOUNT_FORMATS, parse_amount
from csmetrics.cli import main
from csmetrics.exceptions import CSMetricsError, DataValidationError, InvalidParameterError
from csmetrics.fx import FxRates
from csmetrics.io.csv import CSVDataError, read_subscriptions_csv, read_surveys_csv
from csmetrics.io.presets import PresetExclusionWarning, get_preset, utc_days
from csmetrics.surveys import net_promoter_score
from csmetrics.tables.payments import PaymentTable
from csmetrics.tables.surveys import SurveyTable

pytestmark = pytest.mark.filterwarnings(
    "ignore::csmetrics.io.presets.PresetExclusionWarning")

DATA = Path(__file__).parent / "data"
STRIPE = DATA / "stripe_subscriptions.csv"
CHARGEBEE = DATA / "chargebee_subscriptions.csv"
FX = DATA / "fx_rates.csv"
DELIGHTED = DATA / "delighted_nps.csv"
QUARTERS = {"NPS Q1": "nps", "NPS Q2": "nps", "NPS Q3": "nps", "NPS Q4": "nps"}

# The messy rows of both subscription fixtures, by file line (header = line 1): a blank
# customer, an amount that is not a number, an unknown currency, an end before the start.
STRIPE_MESSY = {10: "Customer ID", 11: "Amount", 12: "Currency", 13: "Ended At (UTC)"}
CHARGEBEE_MESSY = {9: "customer[id]", 10: "subscription[plan_unit_price]",
                   11: "subscription[currency_code]", 12: "subscription[cancelled_at]"}


def fx_rates() -> FxRates:
    cols: dict[str, list[object]] = {"date": [], "currency": [], "rate": []}
    with open(FX, newline="") as f:
        for row in csv.DictReader(f):
            cols["date"].append(row["month"] + "-01")
            cols["currency"].append(row["currency"])
            cols["rate"].append(float(row["rate"]))
    return FxRates.from_columns(cols, reporting_currency="USD")


class TestAmountFormat:
    def cols(self, *amounts: object) -> dict[str, list[object]]:
        return {"customer_id": [f"c{i}" for i in range(len(amounts))],
                "start": ["2024-01-01"] * len(amounts), "amount": list(amounts)}

    def test_text_amounts_need_their_format(self) -> None:
        with pytest.raises(DataValidationError, match="column 'amount' must be a number"):
            SubscriptionTable.from_columns(self.cols("$1,200.00"))

    @pytest.mark.parametrize(("fmt", "text", "value", "currency"), [
        ("1,234.56", "$1,200.00", 1200.0, "USD"),
        ("1,234.56", "USD 1,200", 1200.0, "USD"),
        ("1,234.56", "1200.5", 1200.5, "USD"),
        ("1.234,56", "1.200,00 €", 1200.0, "EUR"),
        ("1.234,56", "EUR 12,5", 12.5, "EUR"),
        ("1 234,56", "1\u00a0200,50 €", 1200.5, "EUR"),
        ("1'234.56", "CHF 1'200.50", 1200.5, "CHF"),
    ])
    def test_formats(self, fmt: str, text: str, value: float, currency: str) -> None:
        # The symbol or code written with the amount must be the row's currency.
        t = SubscriptionTable.from_columns({**self.cols(text, 7), "currency": [currency] * 2},
                                           amount_format=fmt)
        assert t.amount.tolist() == [value, 7.0]

    def test_the_same_text_reads_differently_by_format(self) -> None:
        # "1.200" is twelve hundred with point thousands, 1.2 with point decimals.
        assert SubscriptionTable.from_columns(self.cols("1.200"), amount_format="1.234,56"
                                              ).amount.tolist() == [1200.0]
        assert SubscriptionTable.from_columns(self.cols("1.200"), amount_format="1,234.56"
                                              ).amount.tolist() == [1.2]

    @pytest.mark.parametrize("text", ["1,2000.00", "twelve", "--5", "1.200,00"])
    def test_text_not_in_the_format_is_refused_with_it(self, text: str) -> None:
        with pytest.raises(DataValidationError, match=r"must be an amount written as '1,234\.56'"):
            SubscriptionTable.from_columns(self.cols(text), amount_format="1,234.56")

    def test_negative_amounts_read_then_refused_by_the_amount_rule(self) -> None:
        with pytest.raises(DataValidationError, match="must be >= 0"):
            SubscriptionTable.from_columns(self.cols("($15.50)"), amount_format="1,234.56")

    def test_skip_hands_the_row_back(self) -> None:
        t = SubscriptionTable.from_columns(self.cols("$10.00", "ten"), amount_format="1,234.56",
                                           errors="skip")
        assert t.amount.tolist() == [10.0]
        assert t.skipped["row"].tolist() == [1]

    def test_unknown_format(self) -> None:
        with pytest.raises(InvalidParameterError, match="amount_format must be one of"):
            SubscriptionTable.from_columns(self.cols(5), amount_format="1234")

    def test_payments(self) -> None:
        t = PaymentTable.from_columns({"customer_id": ["a"], "date": ["2024-01-01"],
                                       "amount": ["1.200,00 €"], "currency": ["EUR"]},
                                      amount_format="1.234,56")
        assert t.amount_minor.tolist() == [120000]

    def test_reader(self, tmp_path: Path) -> None:
        path = tmp_path / "s.csv"
        path.write_text('customer_id,start,amount\na,2024-01-01,"$1,200.00"\n')
        assert read_subscriptions_csv(path, amount_format="1,234.56").amount.tolist() == [1200]
        with pytest.raises(CSVDataError, match="line 2: column 'amount' must be a number"):
            read_subscriptions_csv(path)


class TestNonResponses:
    def test_blank_scores_are_counted_not_errors(self) -> None:
        t = SurveyTable.from_columns({"customer_id": ["a", "b", "c", "d"],
                                      "score": [10, None, float("nan"), 3],
                                      "submitted_at": ["2024-01-02"] * 4}, survey_name="nps")
        assert t.non_responses == 2
        assert len(t) == 2
        assert t.source_rows.tolist() == [0, 3]
        assert "2 non-responses" in repr(t)

    def test_metrics_are_those_of_the_answered_rows(self) -> None:
        base = {"customer_id": ["a", "b", "c"], "submitted_at": ["2024-01-02"] * 3}
        answered = SurveyTable.from_columns({**base, "score": [10, 9, 3]}, survey_name="nps")
        blanks = SurveyTable.from_columns(
            {"customer_id": ["a", "x", "b", "c"], "submitted_at": ["2024-01-02"] * 4,
             "score": [10, None, 9, 3]}, survey_name="nps")
        # 2 promoters and 1 detractor of 3 answers: (2 - 1) / 3 = 33.33 either way.
        assert net_promoter_score(blanks).value == pytest.approx(100 / 3)
        assert net_promoter_score(blanks).value == net_promoter_score(answered).value

    def test_records_agree(self) -> None:
        t = SurveyTable.from_records([
            {"customer_id": 1, "survey": "nps", "score": None, "submitted_at": "2024-01-01"},
            {"customer_id": 2, "survey": "nps", "score": 9, "submitted_at": "2024-01-01"}])
        assert (t.non_responses, len(t)) == (1, 1)

    def test_a_blank_score_with_another_problem_is_that_problem(self) -> None:
        with pytest.raises(DataValidationError, match="column 'customer_id'"):
            SurveyTable.from_columns({"customer_id": [None], "score": [None],
                                      "submitted_at": ["2024-01-02"]}, survey_name="nps")


class TestSurveyNames:
    def test_mapped(self) -> None:
        t = SurveyTable.from_columns({"customer_id": ["a", "b", "c"],
                                      "survey": ["NPS Q1", "nps q2 ", "csat"],
                                      "score": [9, 0, 4],
                                      "submitted_at": ["2024-01-02"] * 3},
                                     survey_names={"NPS Q1": "nps", "NPS Q2": "NPS"})
        assert t.surveys.tolist() == ["csat", "nps"]
        assert t.survey_codes.tolist() == [1, 1, 0]

    def test_unmapped_names_still_need_a_scale(self) -> None:
        with pytest.raises(DataValidationError, match="map names with survey_names="):
            SurveyTable.from_columns({"customer_id": ["a"], "survey": ["NPS Q3"], "score": [9],
                                      "submitted_at": ["2024-01-02"]},
                                     survey_names={"NPS Q1": "nps"})

    def test_not_a_mapping(self) -> None:
        with pytest.raises(InvalidParameterError, match="survey_names must be a mapping"):
            SurveyTable.from_columns({"customer_id": ["a"], "survey": ["nps"], "score": [9],
                                      "submitted_at": ["2024-01-02"]},
                                     survey_names=["nps"])  # type: ignore[arg-type]


class TestTimestamps:
    def test_utc_days(self) -> None:
        days, bad = utc_days(np.array(["2024-03-05 14:22:01 UTC", "2024-03-05T23:59:59Z",
                                       "2024-03-05 14:22", "2024-03-05+00:00", "2024-03-05",
                                       "2024-03-05 14:22+02:00", "05/03/2024", None, "2024-02-30"],
                                      dtype=object), 9)
        assert [str(d) for d in days[:5]] == ["2024-03-05"] * 5
        # An offset other than UTC, another layout and an impossible day are refused.
        assert bad.tolist() == [False] * 5 + [True, True, False, True]


class TestStripe:
    def test_spans(self) -> None:
        with pytest.warns(PresetExclusionWarning, match="1 row left out as never paid.*line 8"):
            t = read_subscriptions_csv(STRIPE, preset="stripe", errors="skip")
        spans = {(c, s.isoformat(), None if e is None else e.isoformat(), d)
                 for c, s, e, d in zip(t.column("customer_id").tolist(), t.column("start").tolist(),
                                       t.column("end").tolist(), t.discount.tolist(),
                                       strict=True)}
        assert spans == {
            ("cus_A", "2024-01-05", None, 0.0),
            # a 14-day trial: free, then paid from the trial end
            ("cus_B", "2024-02-01", "2024-02-15", 1.0), ("cus_B", "2024-02-15", None, 0.0),
            ("cus_C", "2024-03-10", None, 0.0),
            ("cus_D", "2024-01-10", "2024-04-20", 0.0),     # ended: Ended At, not Canceled At
            ("cus_E", "2024-02-15", "2024-07-15", 0.0),     # cancel at period end
            ("cus_F", "2024-06-10", None, 1.0),             # trialing: a pending free trial
            ("cus_H", "2024-03-01", "2024-03-10", 1.0),     # canceled during its trial
        }
        assert sorted(t.currencies.tolist()) == ["EUR", "GBP", "USD"]
        # skipped rows and source rows are the file's data rows (line = row + 2 here)
        assert {r + 2 for r in t.skipped["row"].tolist()} == set(STRIPE_MESSY)
        assert t.source_rows.tolist() == [0, 1, 1, 2, 3, 4, 5, 7]

    def test_mrr_at_june_in_usd(self) -> None:
        t = read_subscriptions_csv(STRIPE, preset="stripe", errors="skip")
        # Active on 2024-06-30, worked by hand from the fixture:
        #   USD: cus_A 100.00 + cus_E 30.00 (cancels at its period end, 2024-07-15) = 130.00
        #   EUR: cus_B 3 seats x 50.00 = 150.00 (cus_F is in its trial: 0) at 1.08 = 162.00
        #   GBP: cus_C 1200.00 a year / 12 = 100.00 at 1.27 = 127.00
        #   cus_D ended 2024-04-20, cus_H in March, cus_G never paid.
        assert mrr(t, "2024-06", fx=fx_rates()).value == pytest.approx(130 + 162 + 127)
        # In May, before any change, at May's rates: 130 + 150 x 1.08 + 100 x 1.25 = 417.
        assert mrr(t, "2024-05", fx=fx_rates()).value == pytest.approx(417.0)

    def test_raise_names_the_vendor_column_and_line(self) -> None:
        with pytest.warns(PresetExclusionWarning), \
                pytest.raises(CSVDataError, match="line 10: column 'Customer ID'"):
            read_subscriptions_csv(STRIPE, preset="stripe")

    def test_columns_override_the_preset(self, tmp_path: Path) -> None:
        text = STRIPE.read_text().replace("Customer ID,", "Account,", 1)
        (tmp_path / "s.csv").write_text(text)
        with pytest.warns(PresetExclusionWarning):
            t = read_subscriptions_csv(tmp_path / "s.csv", preset="stripe", errors="skip",
                                       columns={"customer_id": "Account"})
        assert t.n_customers == 7

    def test_missing_required_column(self, tmp_path: Path) -> None:
        (tmp_path / "s.csv").write_text("id,Amount,Start (UTC)\nsub_1,5,2024-01-01\n")
        with pytest.raises(KeyError, match="Customer ID"):
            read_subscriptions_csv(tmp_path / "s.csv", preset="stripe")

    def test_unknown_status_and_bad_timestamp(self, tmp_path: Path) -> None:
        (tmp_path / "s.csv").write_text(
            "Customer ID,Amount,Start (UTC),Status\n"
            "a,5,2024-01-01,active\nb,5,2024-01-01,weird\nc,5,01/02/2024,active\n")
        t = read_subscriptions_csv(tmp_path / "s.csv", preset="stripe", errors="skip")
        assert t.customer_ids.tolist() == ["a"]
        assert dict(zip(t.skipped["row"].tolist(), t.skipped["column"].tolist(), strict=True)
                    ) == {1: "Status", 2: "Start (UTC)"}
        with pytest.raises(CSVDataError, match="line 4: column 'Start \\(UTC\\)' must be a date"):
            read_subscriptions_csv(tmp_path / "s.csv", preset="stripe")

    def test_a_row_of_two_spans_is_skipped_whole(self, tmp_path: Path) -> None:
        # Row 2's trial span is free (MRR 0, valid); its paid span's MRR is beyond the
        # table's limit: the whole row is refused, once.
        (tmp_path / "s.csv").write_text(
            "id,Customer ID,Amount,Start (UTC),Trial End (UTC),Status\n"
            "sub_1,a,5,2024-01-01,,active\n"
            "sub_2,b,1e15,2023-12-01,2024-02-01,active\n")
        t = read_subscriptions_csv(tmp_path / "s.csv", preset="stripe", errors="skip")
        assert t.source_rows.tolist() == [0]
        assert t.skipped["row"].tolist() == [1]

    def test_canceled_without_an_end(self, tmp_path: Path) -> None:
        (tmp_path / "s.csv").write_text("Customer ID,Amount,Start (UTC),Status\n"
                                        "a,5,2024-01-01,canceled\n")
        with pytest.raises(CSVDataError, match="must not be blank for a canceled"):
            read_subscriptions_csv(tmp_path / "s.csv", preset="stripe")

    def test_preset_options(self) -> None:
        with pytest.raises(InvalidParameterError, match="preset"):
            read_subscriptions_csv(STRIPE, preset="paddle")
        with pytest.raises(InvalidParameterError, match="preset must be one of 'delighted'"):
            get_preset("stripe", "surveys")
        with pytest.raises(InvalidParameterError, match="date_format= and preset="):
            read_subscriptions_csv(STRIPE, preset="stripe", date_format="%d/%m/%Y")


class TestChargebee:
    def test_mrr_at_june_in_usd(self) -> None:
        with pytest.warns(PresetExclusionWarning, match="not started"):
            t = read_subscriptions_csv(CHARGEBEE, preset="chargebee", errors="skip")
        # On 2024-06-30: USD cust_A 100 + cust_E 30 (non_renewing until 2024-07-15);
        # EUR cust_B 3 x 50 = 150 at 1.08 = 162 (cust_F in_trial: 0); GBP cust_C 300 a
        # quarter = 100 a month at 1.27 = 127; cust_D cancelled 2024-04-20; cust_G future.
        assert mrr(t, "2024-06", fx=fx_rates()).value == pytest.approx(419.0)
        assert {r + 2 for r in t.skipped["row"].tolist()} == set(CHARGEBEE_MESSY)


class TestDelighted:
    def test_quarters_and_a_blank_score(self) -> None:
        t = read_surveys_csv(DELIGHTED, preset="delighted", survey_names=QUARTERS)
        assert (len(t), t.non_responses) == (7, 1)
        assert t.submitted_at.min() == np.datetime64("2024-03-05")
        # Answers 10, 9, 6, 8, 3, 10, 7: promoters 3, detractors 2 of 7 -> 100 x 1/7.
        assert net_promoter_score(t).value == pytest.approx(100 / 7)

    def test_without_names_the_quarters_are_unknown_surveys(self) -> None:
        with pytest.raises(CSVDataError, match="column 'Survey' must name a survey"):
            read_surveys_csv(DELIGHTED, preset="delighted")


def run(*argv: object, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


class TestCommandLine:
    @pytest.mark.parametrize(("vendor", "path", "messy"), [
        ("stripe", STRIPE, STRIPE_MESSY), ("chargebee", CHARGEBEE, CHARGEBEE_MESSY)])
    def test_one_command_full_report(self, vendor: str, path: Path, messy: dict[int, str],
                                     tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        rejected = tmp_path / "rejected.csv"
        code, out, err = run("report", "--subscriptions", path, "--preset", vendor,
                             "--fx", FX, "--currency", "USD", "--errors", "skip",
                             "--rejected", rejected, "--period", "2024-06", "--months", "6",
                             "--surveys", DELIGHTED, "--preset", "delighted", "--survey-names",
                             *(f"{k}={v}" for k, v in QUARTERS.items()), capsys=capsys)
        assert code == 0, err
        assert "Summary (USD)" in out
        assert "MRR movements by month" in out
        assert "NPS" in out
        assert re.search(r"MRR on 2024-06-30 +419\.00\n", out)   # as worked in TestStripe
        assert "4 of " in err
        assert "rows refused" in err
        assert "left out as" in err
        assert "1 blank score counted as non-response" in err
        assert "1 blank answer not counted (non-responses)" in out
        rows = list(csv.DictReader(io.StringIO(rejected.read_text())))
        assert {int(r["line"]): r["column"] for r in rows} == messy
        first = next(r for r in rows if int(r["line"]) == min(messy))
        assert first["rule"] == "must not be blank"   # in the file's terms, not None/NaN
        assert first["file"] == str(path)
        # the original cells of the refused line, as the file has them
        with open(path, newline="") as f:
            original = list(csv.reader(f))[min(messy) - 1]
        header = next(csv.reader(io.StringIO(path.read_text())))
        assert [first[h] for h in header] == original

    def test_without_skip_exit_1(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, _, err = run("report", "--subscriptions", STRIPE, "--preset", "stripe",
                           "--fx", FX, "--currency", "USD", capsys=capsys)
        assert code == 1
        # Every messy row at once, each with its line and its value.
        assert "column 'Customer ID' must not be blank" in err
        for line in ("line 10:", "line 11:", "line 12:", "line 13:"):
            assert line in err
        assert "Traceback" not in err

    def test_mixed_currencies_without_rates_hint_in_cli_terms(
            self, capsys: pytest.CaptureFixture[str]) -> None:
        code, _, err = run("report", "--subscriptions", STRIPE, "--preset", "stripe",
                           "--errors", "skip", capsys=capsys)
        assert code == 1
        assert "--fx rates.csv --currency USD" in err
        assert "--by currency" in err
        assert "fx=" not in err
        assert "by='currency'" not in err

    def test_by_currency_without_rates(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, out, err = run("report", "--subscriptions", STRIPE, "--preset", "stripe",
                             "--errors", "skip", "--by", "currency", "--period", "2024-06",
                             "--months", "3", "--quiet", capsys=capsys)
        assert code == 0, err
        # each currency on its own, not converted: USD 100 + 30, EUR 150, GBP 100
        for cur, value in (("EUR", "150.00"), ("GBP", "100.00"), ("USD", "130.00")):
            block = out.split(f"== currency {cur}")[1]
            assert f"Summary ({cur})" in block
            found = re.search(r"MRR on 2024-06-30 +(\S+)", block)
            assert found is not None
            assert found.group(1) == value

    def test_missing_rates_listed(self, tmp_path: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
        rates = tmp_path / "rates.csv"
        rates.write_text("month,currency,rate\n2024-02,EUR,1.09\n2024-04,GBP,1.25\n")
        code, _, err = run("report", "--subscriptions", STRIPE, "--preset", "stripe",
                           "--fx", rates, "--currency", "USD", "--errors", "skip",
                           "--period", "2024-06", "--months", "6", capsys=capsys)
        assert code == 1
        # GBP holds MRR from 2024-03-10: March has no rate on or before its end.
        assert "GBP 2024-03" in err
        assert "EUR" not in err.split("currency-months")[1]

    @pytest.mark.parametrize(("argv", "message"), [
        (["--fx", str(FX)], "--fx needs --currency"),
        (["--currency", "USD"], "--currency needs --fx"),
        (["--rejected", "x.csv"], "--rejected needs --errors skip"),
        (["--preset", "stripe", "--date-format", "%d/%m/%Y"], "do not go together"),
    ])
    def test_usage_errors(self, argv: list[str], message: str,
                          capsys: pytest.CaptureFixture[str]) -> None:
        code, _, err = run("report", "--subscriptions", STRIPE, *argv, capsys=capsys)
        assert (code, message in err) == (2, True), err

    @pytest.mark.parametrize("argv", [["--period", "0000-01"], ["--months", "99999999"],
                                      ["--months", "-3"], ["--period", "9999-12"]])
    def test_no_traceback_for_bad_windows(self, argv: list[str],
                                          capsys: pytest.CaptureFixture[str]) -> None:
        code, out, err = run("report", "--demo", *argv, capsys=capsys)
        assert code == 2
        assert out == ""
        assert len(err.strip().splitlines()) == 1
        assert "Traceback" not in err
        assert "Portfolio.report" not in err

    def test_nps_with_survey_names(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, out, err = run("nps", "--surveys", DELIGHTED, "--preset", "delighted",
                             "--survey-names", *(f"{k}={v}" for k, v in QUARTERS.items()),
                             "--format", "csv", capsys=capsys)
        assert code == 0, err
        row = next(csv.DictReader(io.StringIO(out)))
        assert float(row["nps"]) == pytest.approx(100 / 7)

    def test_report_survey_name_for_a_file_without_survey_column(
            self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        path = tmp_path / "nps.csv"
        path.write_text("customer_id,score,submitted_at\na,10,2024-01-05\nb,,2024-01-06\n")
        code, out, err = run("report", "--surveys", path, "--survey-name", "nps", capsys=capsys)
        assert code == 0, err
        assert "NPS" in out
        assert "1 blank score" in err

    def test_quiet_reading(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        code, _, err = run("mrr", "--subscriptions", STRIPE, "--preset", "stripe", "--errors",
                           "skip", "--fx", FX, "--currency", "USD", "--quiet", "--start",
                           "2024-05", "--end", "2024-06", capsys=capsys)
        assert code == 0, err
        assert "rows read" not in err


def test_fixture_dates_are_what_the_tests_say() -> None:
    # Guard against editing the fixture without the hand working above.
    with open(STRIPE, newline="") as f:
        rows = {r["Customer ID"]: r for r in csv.DictReader(f)}
    assert rows["cus_E"]["Current Period End (UTC)"].startswith("2024-07-15")
    assert rows["cus_B"]["Trial End (UTC)"].startswith("2024-02-15")
    assert _dt.date.fromisoformat(rows["cus_D"]["Ended At (UTC)"][:10]) == _dt.date(2024, 4, 20)


_CELL = st.one_of(st.none(), st.text(max_size=12),
                  st.sampled_from(["2024-03-05 14:22", "2024-02-30", "active", "canceled",
                                   "trialing", "true", "usd", "$1,200.00", "-5", "1e400",
                                   "nan", "paused", "incomplete"]))


@given(st.lists(st.tuples(*[_CELL] * 8), min_size=1, max_size=6),
       st.sampled_from(["stripe", "chargebee"]), st.sampled_from(["raise", "skip"]),
       st.sampled_from([None, "1,234.56", "1.234,56"]))
def test_fuzz_presets_end_in_success_or_a_csmetrics_error(
        rows: list[tuple[str | None, ...]], vendor: str, errors: str, fmt: str | None) -> None:
    preset = get_preset(vendor, "subscriptions")
    keys = ["customer_id", "amount", "start", "status", "trial_end", "end", "currency",
            "interval"]
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow([preset.columns[k] for k in keys])
    writer.writerows([["" if c is None else c.replace("\x00", "") for c in r] for r in rows])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "f.csv"
        path.write_text(buf.getvalue(), encoding="utf-8")
        try:
            t = read_subscriptions_csv(path, preset=vendor, errors=errors,  # type: ignore[arg-type]
                                       amount_format=fmt)
        except CSMetricsError:
            return
        # nothing lost: every file row is kept (as one or two spans), skipped once, or
        # excluded by definition
        kept, skipped = set(t.source_rows.tolist()), t.skipped["row"].tolist()
        assert kept.isdisjoint(skipped)
        assert len(skipped) == len(set(skipped))


@given(st.text(max_size=20), st.sampled_from(sorted(AMOUNT_FORMATS)))
def test_fuzz_amounts_parse_or_refuse(text: str, fmt: str) -> None:
    value = parse_amount(text, fmt)
    assert value is None or np.isfinite(value)


@pytest.mark.parametrize(("text", "argv", "flag", "python"), [
    ("customer_id,survey,score,submitted_at\na,NPS Q1,9,2024-01-05\n", ["--surveys"],
     "--survey-names 'NAME=nps'", "survey_names="),
    ("customer_id,start,amount\na,2024-01-05,\"$1,2000.00\"\n",
     ["--amount-format", "1,234.56", "--subscriptions"], "--amount-format '1,234.56'",
     "amount_format="),
])
def test_data_error_hints_are_flags(text: str, argv: list[str], flag: str, python: str,
                                    tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "f.csv"
    path.write_text(text)
    code, _, err = run("report", *argv, path, capsys=capsys)
    assert code == 1
    assert flag in err
    assert python not in err


def test_the_delighted_preset_keeps_comments_when_the_export_has_them(tmp_path: Path) -> None:
    names = {f"NPS Q{i}": "nps" for i in range(1, 5)}
    table = read_surveys_csv(DELIGHTED, preset="delighted", survey_names=names)
    # tests/data/delighted_nps.csv, read by eye: r1 "Love it", r2 blank, r3 "Slow support".
    assert table.comments[:3].tolist() == ["Love it", None, "Slow support"]
    lines = DELIGHTED.read_text().splitlines()
    header = lines[0].split(",")
    at = header.index("Comment")
    plain = tmp_path / "no_comment.csv"
    plain.write_text("\n".join(",".join(c for i, c in enumerate(line.split(",")) if i != at)
                               for line in lines) + "\n")
    assert not read_surveys_csv(plain, preset="delighted", survey_names=names).has_comments
