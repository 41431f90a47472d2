"""Run records: every run accounts for itself in ``reports/runs/<run_id>/metadata.yaml``.

``fingerprint`` (run id), ``versions``, ``warehouse`` and ``drift`` (what the warehouse says),
``masking`` (quarantine examples without personal data), ``collect`` (the record),
``schema`` (JSON Schema validation), ``store`` (atomic YAML files), ``publish`` (record, report,
index and metrics after a run).
"""
