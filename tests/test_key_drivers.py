"""Key drivers: Johnson's relative weights, the Shapley decomposition of R-squared, their
bootstrap intervals, performance and the importance-performance quadrants.

References are independent of the code under test: a correlation matrix worked by hand
(written beside the assertion), Johnson's (2000) procedure written here in data space (the
SVD of the standardised drivers, not the eigen-decomposition the library uses), R-squared of
every subset regression fitted with statsmodels OLS, and the population relative weights of
simulated data for the bootstrap's coverage.
"""

from __future__ import annotations

import itertools
import math
import warnings
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import csmetrics as cm
from csmetrics.exceptions import (
    ColumnNotFoundError,
    DataValidationError,
    InvalidParameterError,
    UndefinedMetricWarning,
)
from csmetrics.feedback import MAX_SHAPLEY_DRIVERS, KeyDrivers, key_drivers

DRIVERS = ["ease", "support", "price"]


def with_correlation(target: np.ndarray, n: int, seed: int = 0) -> np.ndarray:
    """``n`` rows whose sample correlation matrix is exactly ``target`` (whitened random
    data recoloured with the Cholesky factor of ``target``)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, target.shape[0]))
    x -= x.mean(axis=0)
    white = x @ np.linalg.inv(np.linalg.cholesky(np.cov(x, rowvar=False)).T)
    return white @ np.linalg.cholesky(target).T


def columns(z: np.ndarray, names: list[str] | None = None) -> dict[str, np.ndarray]:
    names = names or ["y", *DRIVERS[: z.shape[1] - 1]]
    return {name: z[:, j] for j, name in enumerate(names)}


def johnson_svd(y: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Johnson (2000), as the paper states it in data space: the SVD of the standardised
    drivers ``X = P D Q'`` gives their orthogonal counterparts ``Z = P Q'`` (times sqrt n,
    for unit variance like the standardised columns); regress the
    outcome on ``Z`` (betas) and each driver on ``Z`` (lambdas); raw weight j is
    ``sum_k lambda_jk^2 beta_k^2``."""
    xs = (x - x.mean(0)) / x.std(0)
    ys = (y - y.mean()) / y.std()
    p, _, qt = np.linalg.svd(xs, full_matrices=False)
    z = np.sqrt(x.shape[0]) * (p @ qt)
    beta = np.linalg.lstsq(z, ys, rcond=None)[0]
    lam = np.linalg.lstsq(z, xs, rcond=None)[0]      # column j: driver j on Z
    return np.asarray((lam.T ** 2) @ (beta ** 2))


def quiet(**kwargs: Any) -> KeyDrivers:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        return key_drivers(**kwargs)


# --- the hand-worked example ------------------------------------------------------------------

# Outcome y; ease and support correlate 0.5; price is uncorrelated with both.
#          y    ease support price
HAND = np.array([[1.0, 0.6, 0.5, 0.3],
                 [0.6, 1.0, 0.5, 0.0],
                 [0.5, 0.5, 1.0, 0.0],
                 [0.3, 0.0, 0.0, 1.0]])


def test_relative_weights_of_a_hand_worked_correlation_matrix() -> None:
    # R_xx of (ease, support) has eigenvalues 1.5 and 0.5 with eigenvectors (1, 1)/sqrt2 and
    # (1, -1)/sqrt2, so its square root L has diagonal (sqrt1.5 + sqrt0.5)/2 = cos 15 deg =
    # 0.965926 and off-diagonal (sqrt1.5 - sqrt0.5)/2 = sin 15 deg = 0.258819; price is
    # its own counterpart (L = 1). L^-1 has diagonal (1/sqrt1.5 + 1/sqrt0.5)/2 = 1.115355
    # and off-diagonal (1/sqrt1.5 - 1/sqrt0.5)/2 = -0.298858, so
    #   b_ease    = 1.1153551 * 0.6 - 0.2988585 * 0.5 = 0.5197839   (squared 0.2701753)
    #   b_support = -0.2988585 * 0.6 + 1.1153551 * 0.5 = 0.3783624  (squared 0.1431581)
    #   b_price   = 0.3
    # and with cos^2 15 = (2 + sqrt3)/4 = 0.9330127, sin^2 15 = 0.0669873:
    #   e_ease    = 0.9330127 * 0.2701753 + 0.0669873 * 0.1431581 = 0.2616668
    #   e_support = 0.0669873 * 0.2701753 + 0.9330127 * 0.1431581 = 0.1516666
    #   e_price   = 0.3^2 = 0.09
    # R^2 = r' R^-1 r = (4/3) (0.36 + 0.25) - 2 (2/3) (0.3) + 0.09 = 0.503333.
    r = quiet(data=columns(with_correlation(HAND, 200)), outcome="y", drivers=DRIVERS,
              n_resamples=0)
    np.testing.assert_allclose(r["weight"], [0.2616668, 0.1516666, 0.09], atol=2e-7)
    assert r.r_squared == pytest.approx(0.503333, abs=1e-6)
    np.testing.assert_allclose(r["importance"], np.array([0.2616668, 0.1516666, 0.09])
                               / 0.5033333, atol=1e-6)
    assert r["n"].tolist() == [200] * 3


def test_shapley_of_the_hand_worked_correlation_matrix() -> None:
    # Price is uncorrelated with the others, so it adds 0.3^2 = 0.09 to every subset: its
    # Shapley value is 0.09 and the other two split R2(ease, support) = 0.413333:
    #   R2(ease) = 0.36, R2(support) = 0.25
    #   ease    = (0.36 + (0.413333 - 0.25)) / 2 = 0.261667
    #   support = (0.25 + (0.413333 - 0.36)) / 2 = 0.151667
    r = key_drivers(columns(with_correlation(HAND, 200)), outcome="y", drivers=DRIVERS,
                    method="shapley", n_resamples=0)
    np.testing.assert_allclose(r["weight"], [0.261667, 0.151667, 0.09], atol=2e-6)
    assert float(r["weight"].sum()) == pytest.approx(0.503333, abs=1e-6)


def test_one_driver_weighs_its_squared_correlation() -> None:
    target = np.array([[1.0, -0.4], [-0.4, 1.0]])
    r = key_drivers(columns(with_correlation(target, 50)), outcome="y", drivers=["ease"],
                    n_resamples=0)
    assert r["weight"].tolist() == pytest.approx([0.16])
    assert r["importance"].tolist() == pytest.approx([1.0])


# --- independent procedures ---------------------------------------------------------------------


def simulated(n: int, seed: int, k: int = 4) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    mix = rng.normal(size=(k, k)) * 0.5 + np.eye(k)
    x = rng.normal(size=(n, k)) @ mix
    y = x @ rng.uniform(0.1, 1.0, k) + rng.normal(size=n) * 2.0
    return y, x


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_relative_weights_match_johnsons_procedure_in_data_space(seed: int) -> None:
    y, x = simulated(300, seed)
    names = ["a", "b", "c", "d"]
    r = key_drivers({"y": y, **dict(zip(names, x.T, strict=True))}, outcome="y",
                    drivers=names, n_resamples=0)
    expected = johnson_svd(y, x)
    np.testing.assert_allclose(r["weight"], expected, rtol=1e-9, atol=1e-12)
    full = np.linalg.lstsq(np.column_stack([np.ones(300), x]), y, rcond=None)
    r2 = 1.0 - full[1][0] / ((y - y.mean()) ** 2).sum()
    assert r.r_squared == pytest.approx(r2, rel=1e-9)          # raw weights sum to R^2
    assert float(r["importance"].sum()) == pytest.approx(1.0)


@pytest.mark.parametrize("k", [2, 4, 5])
def test_shapley_matches_subset_regressions_fitted_with_statsmodels(k: int) -> None:
    sm = pytest.importorskip("statsmodels.api")
    y, x = simulated(250, 10 + k, k)
    names = [f"x{j}" for j in range(k)]
    r = key_drivers({"y": y, **dict(zip(names, x.T, strict=True))}, outcome="y",
                    drivers=names, method="shapley", n_resamples=0)
    r2 = {(): 0.0}
    for size in range(1, k + 1):
        for subset in itertools.combinations(range(k), size):
            fit = sm.OLS(y, sm.add_constant(x[:, list(subset)])).fit()
            r2[subset] = fit.rsquared
    expected = np.zeros(k)
    for j in range(k):
        others = [i for i in range(k) if i != j]
        for size in range(k):
            w = math.factorial(size) * math.factorial(k - size - 1) / math.factorial(k)
            for s in itertools.combinations(others, size):
                expected[j] += w * (r2[tuple(sorted((*s, j)))] - r2[s])
    np.testing.assert_allclose(r["weight"], expected, rtol=1e-8, atol=1e-12)
    assert float(r["weight"].sum()) == pytest.approx(r2[tuple(range(k))], rel=1e-9)


def population_relative_weights(corr: np.ndarray) -> np.ndarray:
    """True shares from a population correlation matrix (outcome first), by Johnson's
    eigen form written out here."""
    rxx, rxy = corr[1:, 1:], corr[1:, 0]
    lam, v = np.linalg.eigh(rxx)
    root = v @ np.diag(np.sqrt(lam)) @ v.T
    beta = np.linalg.solve(root, rxy)
    raw = (root ** 2) @ (beta ** 2)
    return np.asarray(raw / raw.sum())


def test_bootstrap_intervals_cover_the_population_shares() -> None:
    # y = x1 + 0.6 x2 + 0.3 x3 + noise with corr(x1, x2) = 0.4: the population correlation
    # matrix is known, hence the true shares. 95% intervals from 60 samples of 400 answers
    # cover the truth about 95% of the time; the binomial(180, 0.95) 1st percentile is 0.91.
    rng = np.random.default_rng(7)
    sxx = np.array([[1.0, 0.4, 0.0], [0.4, 1.0, 0.0], [0.0, 0.0, 1.0]])
    b = np.array([1.0, 0.6, 0.3])
    var_y = b @ sxx @ b + 1.0
    cov = np.zeros((4, 4))
    cov[0, 0], cov[0, 1:], cov[1:, 0], cov[1:, 1:] = var_y, sxx @ b, sxx @ b, sxx
    sd = np.sqrt(np.diag(cov))
    truth = population_relative_weights(cov / np.outer(sd, sd))
    hits = []
    for rep in range(60):
        x = rng.multivariate_normal(np.zeros(3), sxx, size=400)
        y = x @ b + rng.normal(size=400)
        r = key_drivers({"y": y, "a": x[:, 0], "b": x[:, 1], "c": x[:, 2]}, outcome="y",
                        drivers=["a", "b", "c"], n_resamples=300, seed=rep)
        low, high = r["importance_low"], r["importance_high"]
        assert (low <= r["importance"]).all()
        assert (r["importance"] <= high).all()
        hits.extend(((low <= truth) & (truth <= high)).tolist())
    coverage = float(np.mean(hits))
    assert 0.91 <= coverage <= 1.0
    # ... and they are not trivially wide: the share of a (about 0.66) is pinned within 0.2.
    assert float((r["importance_high"] - r["importance_low"])[0]) < 0.2


def test_the_bootstrap_is_the_row_resampling_bootstrap() -> None:
    # Few distinct answer patterns take the multinomial-over-patterns path; many take the
    # row-index path. Both must spread like resampling rows (checked on the standard
    # deviation of the shares against a plain resampling loop written here).
    rng = np.random.default_rng(3)
    n = 4000
    x = rng.integers(1, 4, size=(n, 2)).astype(float)
    y = x @ [1.0, 0.5] + rng.integers(0, 3, size=n)
    data = {"y": y, "a": x[:, 0], "b": x[:, 1]}
    r = key_drivers(data, outcome="y", drivers=["a", "b"], n_resamples=2000, confidence=0.6827)
    shares = []
    for _ in range(400):
        i = rng.integers(0, n, n)
        w = johnson_svd(y[i], x[i])
        shares.append(w[0] / w.sum())
    sd = float(np.std(shares))
    half = float(r["importance_high"][0] - r["importance_low"][0]) / 2
    assert half == pytest.approx(sd, rel=0.2)


# --- the contract -----------------------------------------------------------------------------


def ratings(n: int = 120, seed: int = 4) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    ease = rng.integers(1, 8, n).astype(float)
    support = np.clip(np.round(ease * 0.5 + rng.normal(2, 1.5, n)), 1, 7)
    price = rng.integers(1, 8, n).astype(float)
    score = np.clip(np.round(ease * 0.8 + support * 0.4 + price * 0.2 + rng.normal(0, 1.5, n)),
                    0, 10)
    return {"customer_id": np.array([f"c{i % 25:02d}" for i in range(n)], dtype=object),
            "region": np.array(["east", "west", "north"], dtype=object)[np.arange(n) % 3],
            "score": score, "ease": ease, "support": support, "price": price}


def call(data: Any, **kwargs: Any) -> KeyDrivers:
    options: dict[str, Any] = {"outcome": "score", "drivers": DRIVERS, "n_resamples": 200,
                               "scales": dict.fromkeys(DRIVERS, (1, 7)), **kwargs}
    return quiet(data=data, **options)


def same(a: KeyDrivers, b: KeyDrivers) -> None:
    assert a.column_names == b.column_names
    for name in a.column_names:
        x, y = np.asarray(a[name]), np.asarray(b[name])
        if x.dtype.kind in "fiu":
            np.testing.assert_allclose(x.astype(float), y.astype(float), rtol=1e-12,
                                       equal_nan=True, err_msg=name)
        else:
            assert x.tolist() == y.tolist(), name


def test_every_input_path_gives_the_same_result() -> None:
    pd = pytest.importorskip("pandas")
    pl = pytest.importorskip("polars")
    pa = pytest.importorskip("pyarrow")
    cols = ratings()
    cols["price"][[3, 17]] = np.nan            # missing answers take every path too
    reference = call(cols, by="region")
    table = pa.table({k: pa.array(v) for k, v in cols.items()})
    reader = pa.RecordBatchReader.from_batches(table.schema, table.to_batches(max_chunksize=9))
    lists = {k: [None if isinstance(v, float) and v != v else v for v in a.tolist()]
             for k, a in cols.items()}
    for data in (lists, pd.DataFrame(cols), pl.DataFrame(cols), table, reader):
        same(reference, call(data, by="region"))
    assert reference["excluded"].sum() == 2 * 3      # 2 answers, each on 3 driver rows


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from(["relative_weights", "shapley"]))
def test_row_order_does_not_matter(seed: int, method: str) -> None:
    cols = ratings(90, seed % 1000)
    order = np.random.default_rng(seed).permutation(90)
    same(call(cols, method=method, by="region"),
         call({k: v[order] for k, v in cols.items()}, method=method, by="region"))


def test_segments_are_the_blocks_computed_alone() -> None:
    cols = ratings(300)
    split = call(cols, by="region", n_resamples=0)
    assert split.segment_column == "region"
    for region in ("east", "north", "west"):
        alone = call({k: v[cols["region"] == region] for k, v in cols.items()}, n_resamples=0)
        block = split.segment(region)
        np.testing.assert_allclose(block["importance"], alone["importance"], rtol=1e-12)
        assert block["n"].tolist() == alone["n"].tolist()


def test_a_customer_mapping_splits_by_customer_and_keeps_the_unmapped() -> None:
    cols = ratings(300)
    mapping = {f"c{i:02d}": ("small" if i < 10 else "large") for i in range(20)}
    r = call(cols, by=mapping, n_resamples=0)
    assert r.segment_column == "segment"
    assert list(dict.fromkeys(r["segment"].tolist())) == ["large", "small", "(none)"]
    # c20..c24 are unmapped: 5 of every 25 answers, 60 of 300.
    assert r.segment("(none)")["n"].tolist() == [60] * 3
    assert sum(r.segment(s)["n"][0] for s in ("large", "small", "(none)")) == 300


def test_a_segment_column_named_like_a_result_column_is_refused() -> None:
    cols = ratings()
    with pytest.raises(InvalidParameterError, match="also a column of the result"):
        call({**cols, "quadrant": cols["region"]}, by="quadrant")
    with pytest.raises(InvalidParameterError, match="the outcome or a driver"):
        call(cols, by="ease")


# --- missing values and undefined blocks ----------------------------------------------------------


def test_missing_answers_are_excluded_and_counted() -> None:
    cols = ratings(60)
    cols["score"][0] = np.nan
    cols["ease"][[1, 2]] = np.nan
    cols["support"][2] = np.nan                # the same answer twice: excluded once
    r = call(cols, n_resamples=0)
    assert r["n"].tolist() == [57] * 3
    assert r["excluded"].tolist() == [3] * 3
    kept = ~np.isnan(np.column_stack([cols[c] for c in ["score", *DRIVERS]])).any(axis=1)
    alone = call({k: v[kept] for k, v in cols.items()}, n_resamples=0)
    np.testing.assert_allclose(r["importance"], alone["importance"], rtol=1e-12)
    np.testing.assert_allclose(r["mean"], [cols[d][kept].mean() for d in DRIVERS])
    with pytest.raises(DataValidationError, match="'ease' must not be missing; 2 of 60 rows"):
        call(cols, missing="raise")


def test_a_constant_driver_is_nan_with_a_warning() -> None:
    cols = ratings(60)
    cols["price"] = np.full(60, 4.0)
    with pytest.warns(UndefinedMetricWarning, match="does not vary"):
        r = key_drivers(cols, outcome="score", drivers=DRIVERS, n_resamples=0)
    assert np.isnan(r["importance"]).all()
    assert r["mean"].tolist()[2] == 4.0           # the performance side is still known


def test_too_few_answers_is_nan_with_a_warning() -> None:
    cols = {k: v[:4] for k, v in ratings().items()}   # 3 drivers need 5 answers
    with pytest.warns(UndefinedMetricWarning, match="fewer complete answers than drivers"):
        r = key_drivers(cols, outcome="score", drivers=DRIVERS)
    assert np.isnan(r["importance"]).all()
    assert r["n"].tolist() == [4] * 3


def test_collinear_drivers_are_nan_with_a_warning() -> None:
    cols = ratings(60)
    cols["price"] = cols["ease"] * 2.0 - cols["support"]
    with pytest.warns(UndefinedMetricWarning, match="perfectly collinear"):
        r = key_drivers(cols, outcome="score", drivers=DRIVERS, method="shapley")
    assert np.isnan(r["weight"]).all()


def test_an_undefined_segment_leaves_the_others_defined() -> None:
    cols = ratings(300)
    cols["price"][cols["region"] == "east"] = 3.0
    with pytest.warns(UndefinedMetricWarning, match="3 of 9 result"):
        r = key_drivers(cols, outcome="score", drivers=DRIVERS, by="region", n_resamples=50)
    assert np.isnan(r.segment("east")["importance"]).all()
    assert np.isfinite(r.segment("west")["importance"]).all()


def test_empty_input_is_nan_with_a_warning() -> None:
    empty = {k: v[:0] for k, v in ratings().items()}
    with pytest.warns(UndefinedMetricWarning):
        r = key_drivers(empty, outcome="score", drivers=DRIVERS)
    assert len(r) == 3
    assert np.isnan(r["importance"]).all()


# --- bad input ------------------------------------------------------------------------------------


def test_shapley_refuses_more_drivers_than_its_limit() -> None:
    rng = np.random.default_rng(0)
    k = MAX_SHAPLEY_DRIVERS + 1
    data = {f"x{j}": rng.normal(size=40) for j in range(k)} | {"y": rng.normal(size=40)}
    with pytest.raises(InvalidParameterError, match="at most 12 drivers, got 13"):
        key_drivers(data, outcome="y", drivers=[f"x{j}" for j in range(k)], method="shapley")
    r = quiet(data=data, outcome="y", drivers=[f"x{j}" for j in range(k)], n_resamples=0)
    assert len(r) == k                         # relative weights take any number


@pytest.mark.parametrize(("option", "value"), [
    ("method", "ols"), ("confidence", 95), ("n_resamples", -1), ("seed", "x"),
    ("missing", "drop"), ("drivers", "ease"), ("scales", {"ease": (7, 1)}), ("by", 3)])
def test_a_bad_option_has_the_one_message_shape(option: str, value: Any) -> None:
    kwargs = {"outcome": "score", "drivers": DRIVERS, option: value}
    with pytest.raises(InvalidParameterError, match=rf"^key_drivers: {option} must be "):
        key_drivers(ratings(), **kwargs)


def test_bad_calls_say_what_is_wrong() -> None:
    cols = ratings()
    with pytest.raises(InvalidParameterError, match="give the outcome column"):
        key_drivers(cols, drivers=DRIVERS)
    with pytest.raises(InvalidParameterError, match="more than once"):
        key_drivers(cols, outcome="score", drivers=["ease", "ease"])
    with pytest.raises(InvalidParameterError, match="is also a driver"):
        key_drivers(cols, outcome="score", drivers=["score", "ease"])
    with pytest.raises(InvalidParameterError, match="not drivers"):
        key_drivers(cols, outcome="score", drivers=DRIVERS, scales={"eas": (1, 7)})
    with pytest.raises(ColumnNotFoundError, match="'value'"):
        key_drivers(cols, outcome="score", drivers=["ease", "value"])
    with pytest.raises(InvalidParameterError, match="expected a mapping of columns"):
        key_drivers(42, outcome="score", drivers=DRIVERS)


def test_values_that_are_not_finite_numbers_are_data_errors() -> None:
    cols = {k: v.astype(object) for k, v in ratings(20).items()}
    cols["ease"][4] = "high"
    cols["support"][5] = float("inf")
    with pytest.raises(DataValidationError) as err:
        key_drivers(cols, outcome="score", drivers=DRIVERS)
    assert "'ease' must be a number" in str(err.value)
    assert "'support' must be finite" in str(err.value)


def test_huge_and_tiny_scales_give_the_same_shares() -> None:
    cols = ratings(200)
    base = call(cols, n_resamples=50)
    scaled = {**cols, "ease": cols["ease"] * 1e150, "support": cols["support"] * 1e-150,
              "score": cols["score"] + 1e9}
    big = call(scaled, n_resamples=50, scales=None)
    np.testing.assert_allclose(big["importance"], base["importance"], rtol=1e-9)
    # (The resamples are other draws: answers are grouped by their values, not by rank.)
    np.testing.assert_allclose(big["importance_low"], base["importance_low"], atol=0.03)
    # Ratings spread over -1.5e308..1.5e308: their differences overflow float64.
    edge = call({**cols, "ease": (cols["ease"] - 4.0) * 5e307}, n_resamples=0, scales=None)
    np.testing.assert_allclose(edge["importance"], base["importance"], rtol=1e-9)


# --- performance, quadrants and the result --------------------------------------------------------


def test_performance_and_quadrants_by_hand() -> None:
    # Shares, from the hand-worked matrix: ease 0.2617/0.5033 = 0.5199, support 0.3013,
    # price 0.1788 (mean 1/3: only ease is important). Means on 1..7: ease 4.0 -> 50,
    # support 6.4 -> 90, price 2.2 -> 20 (mean performance 53.33): ease important and below
    # -> "fix first"; support less important, above -> "maintain"; price -> "low priority".
    z = with_correlation(HAND, 200)
    cols = columns(z)
    for name, mean in zip(DRIVERS, (4.0, 6.4, 2.2), strict=True):
        cols[name] = cols[name] - cols[name].mean() + mean
    r = key_drivers(cols, outcome="y", drivers=DRIVERS, n_resamples=0,
                    scales=dict.fromkeys(DRIVERS, (1, 7)))
    np.testing.assert_allclose(r["performance"], [50.0, 90.0, 20.0])
    assert r["quadrant"].tolist() == ["fix first", "maintain", "low priority"]
    # Ease at 6.4 -> 90 (mean performance 66.67): important and above -> "keep".
    cols["ease"] = cols["ease"] + 2.4
    r = key_drivers(cols, outcome="y", drivers=DRIVERS, n_resamples=0,
                    scales=dict.fromkeys(DRIVERS, (1, 7)))
    assert r["quadrant"].tolist() == ["keep", "maintain", "low priority"]


def test_performance_without_a_scale_is_nan_with_a_warning() -> None:
    with pytest.warns(UndefinedMetricWarning, match="scale is unknown"):
        r = key_drivers(ratings(), outcome="score", drivers=DRIVERS, n_resamples=0,
                        scales={"ease": (1, 7)})
    assert np.isfinite(r["performance"]).tolist() == [True, False, False]


def test_the_result_prints_escapes_and_converts() -> None:
    cols = ratings()
    cols["<b>ease</b>"] = cols.pop("ease")
    names = ["<b>ease</b>", "support", "price"]
    r = quiet(data=cols, outcome="score", drivers=names, n_resamples=20)
    assert repr(r).startswith("KeyDrivers(3 rows: driver, importance")
    assert "&lt;b&gt;ease&lt;/b&gt;" in r._repr_html_()
    assert "<b>ease" not in r._repr_html_()
    assert r.to_dict()["driver"] == names
    assert list(r.to_pandas()["importance"]) == pytest.approx(r["importance"].tolist())
    assert r.to_polars()["driver"].to_list() == names
    with pytest.raises(AttributeError):
        r.method = "x"  # type: ignore[misc]
    with pytest.raises(ValueError, match="read-only"):
        r["importance"][0] = 1.0
    assert isinstance(r, cm.TableResult)


def test_the_quadrant_chart() -> None:
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    r = call(ratings(), by="region", n_resamples=50)
    with pytest.raises(InvalidParameterError, match="pick one with plot"):
        r.plot()
    ax = r.plot(segment="east")
    assert ax.get_ylabel() == "performance (0-100)"
    texts = {t.get_text() for t in ax.texts}
    assert {"fix first", "keep", "maintain", "low priority", *DRIVERS} <= texts
    assert len(ax.collections) == 3            # one point per driver


# --- a SurveyTable with attribute ratings ---------------------------------------------------------


def survey_columns(n: int = 240) -> dict[str, Any]:
    cols = ratings(n)
    return {"customer_id": cols["customer_id"], "region": cols["region"],
            "survey": np.where(np.arange(n) % 4 == 0, "csat", "nps"),
            "score": np.where(np.arange(n) % 4 == 0, np.clip(cols["score"] // 2, 1, 5),
                              cols["score"]),
            "submitted_at": np.full(n, "2024-03-01"), "ease": cols["ease"],
            "support": cols["support"], "price": cols["price"]}


def test_a_survey_table_gives_its_score_as_outcome_and_its_ratings_as_drivers() -> None:
    from csmetrics.tables.surveys import SurveyTable

    cols = survey_columns()
    cols["price"] = cols["price"].copy()
    cols["price"][[1, 2]] = np.nan                     # not answered
    table = SurveyTable.from_columns(cols, attributes=dict.fromkeys(DRIVERS, (1, 7)),
                                     segments=["region"])
    with pytest.raises(InvalidParameterError, match="several surveys"):
        key_drivers(table)
    r = key_drivers(table, survey="nps", by="region", n_resamples=100)
    nps = cols["survey"] == "nps"
    same(r, call({k: v[nps] for k, v in cols.items() if k != "survey"}, by="region",
                 n_resamples=100))
    assert r["driver"].tolist()[:3] == DRIVERS         # drivers=None: every attribute
    assert int(r["excluded"].sum()) == 2 * 3
    one = key_drivers(table, survey="nps", drivers=["support", "ease"], n_resamples=0)
    assert one["driver"].tolist() == ["support", "ease"]
    np.testing.assert_allclose(one["performance"],
                               100 * (np.array([cols[d][nps].mean() for d in ("support", "ease")])
                                      - 1) / 6)    # the table's scales give performance


def test_a_survey_table_refuses_what_it_does_not_have() -> None:
    from csmetrics.tables.surveys import SurveyTable

    cols = survey_columns()
    table = SurveyTable.from_columns(cols, attributes={"ease": (1, 7)})
    with pytest.raises(ColumnNotFoundError, match="'price'"):
        key_drivers(table, survey="nps", drivers=["price"])
    with pytest.raises(InvalidParameterError, match="outcome is the score"):
        key_drivers(table, survey="nps", outcome="ease")
    with pytest.raises(InvalidParameterError, match="'ces' is not in the table"):
        key_drivers(table, survey="ces")
    bare = SurveyTable.from_columns({k: cols[k] for k in ("customer_id", "survey", "score",
                                                          "submitted_at")})
    with pytest.raises(InvalidParameterError, match="no attribute ratings"):
        key_drivers(bare, survey="nps")
    with pytest.raises(InvalidParameterError, match="columns have no surveys"):
        key_drivers(ratings(), outcome="score", drivers=DRIVERS, survey="nps")
