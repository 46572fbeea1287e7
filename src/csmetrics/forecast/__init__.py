"""What comes next: MRR forecasts with prediction intervals checked against the past, and
goals tracked with their uncertainty (docs/forecasts_and_goals.md)."""

from csmetrics.forecast.backtest import ForecastBacktest, forecast_backtest
from csmetrics.forecast.goals import SUPPORTED_METRICS, Goal, GoalProgress
from csmetrics.forecast.mrr import MRRForecast, mrr_forecast

__all__ = [
    "SUPPORTED_METRICS",
    "ForecastBacktest",
    "Goal",
    "GoalProgress",
    "MRRForecast",
    "forecast_backtest",
    "mrr_forecast",
]
