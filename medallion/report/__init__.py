"""HTML views of the run records: ``charts`` (SVG geometry), ``render`` (a run's report.html),
``index`` (reports/index.html). Jinja2 templates with autoescaping live in ``templates/``."""
