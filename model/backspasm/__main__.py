"""Run the command line as ``python -m backspasm``."""

import sys

from backspasm.cli import main

sys.exit(main())
