"""Make the API test helpers importable, so this folder also runs on its own (`pytest tests/persistence`)."""

import sys
from pathlib import Path

API_TESTS = str(Path(__file__).resolve().parent.parent / "api")
if API_TESTS not in sys.path:
    sys.path.insert(0, API_TESTS)
