"""Price trajectory (factor 11): price history to forecast to price paths.

Data flow one way through the modules:

* :mod:`~sim.forecast.index`: the dated regimes as monthly series, the cost
  of one request of a token mix (class indices and model series);
* :mod:`~sim.forecast.jump` and :mod:`~sim.forecast.shock`: the pooled
  jump model (GLM hazards, step sizes) and the market-wide shock, fitted
  together by :mod:`~sim.forecast.market`;
* :mod:`~sim.forecast.paths`: Monte Carlo price paths from the fit;
* :mod:`~sim.forecast.trajectory`: each candidate's price multiplier for
  billing, and the factor 11 score;
* :mod:`~sim.forecast.baselines` and :mod:`~sim.forecast.backtest`: the
  rolling-origin backtest that judges the jump model against baselines;
* :mod:`~sim.forecast.outlook` and :mod:`~sim.forecast.frontier`: what
  ``tcosim forecast`` shows.

statsmodels is imported inside the fitting functions only, so importing
this package stays light.
"""
