"""dlt pipelines that load raw landing files (and Kafka dumps) into the bronze layer."""

import os
from pathlib import Path

# dlt reads .dlt/config.toml from its project dir, by default the working directory:
# point it at this repository so the settings hold wherever medallion is started.
os.environ.setdefault("DLT_PROJECT_DIR", str(Path(__file__).resolve().parent.parent))
