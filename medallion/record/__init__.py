"""Run records: every run accounts for itself in ``reports/runs/<run_id>/metadata.yaml``.

``fingerprint`` (run id), ``versions``, ``warehouse`` and ``drift`` (what the warehouse says;
``drift_state`` keeps the drift counts in the warehouse, so only new or rewritten rows are read),
``masking`` (quarantine examples without personal data), ``collect`` (the record),
``schema`` (JSON Schema validation), ``store`` (atomic YAML files), ``publish`` (record, report,
index and metrics after a run).
"""
