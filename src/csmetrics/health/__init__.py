"""Customer health: scorecards of measures with explicit rules, weights, missing-data policy and
bands; per-account explanations, roll-ups, trends, at-risk lists and the standard signals."""

from csmetrics.exceptions import AccountNotFoundError
from csmetrics.health.backtest import health_backtest
from csmetrics.health.backtest_result import HealthBacktest
from csmetrics.health.drivers import ChurnDrivers, churn_drivers
from csmetrics.health.fit import FittedScorecard, fit_scorecard
from csmetrics.health.outcomes import ChurnOutcomes, churn_outcomes
from csmetrics.health.risk import AtRiskAccounts, at_risk
from csmetrics.health.rollup import HealthRollup, health_rollup
from csmetrics.health.rules import Band, Linear, NamedBands, Steps
from csmetrics.health.scorecard import HealthScorecard, Measure, MissingPolicy
from csmetrics.health.scores import HealthScores, ScoreExplanation
from csmetrics.health.signals import account_signals, standard_scorecard
from csmetrics.health.trend import HealthTrend, health_trend

__all__ = [
    "AccountNotFoundError",
    "AtRiskAccounts",
    "Band",
    "ChurnDrivers",
    "ChurnOutcomes",
    "FittedScorecard",
    "HealthBacktest",
    "HealthRollup",
    "HealthScorecard",
    "HealthScores",
    "HealthTrend",
    "Linear",
    "Measure",
    "MissingPolicy",
    "NamedBands",
    "ScoreExplanation",
    "Steps",
    "account_signals",
    "at_risk",
    "churn_drivers",
    "churn_outcomes",
    "fit_scorecard",
    "health_backtest",
    "health_rollup",
    "health_trend",
    "standard_scorecard",
]
