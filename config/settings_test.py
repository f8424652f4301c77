"""Settings for the test suite: the embedded mode (DEBUG=1, development key, SQLite unless
DATABASE_URL says otherwise). Production stays the default everywhere else."""

import os

os.environ.setdefault("DEBUG", "1")

from config.settings import *  # noqa: F403
