"""What comes next: MRR forecasts with prediction intervals checked against the past, and
goals tracked with their uncertainty (docs/forecasts_and_goals.md)."""
