"""`python -m nnstudio` runs the same command as `nnstudio`."""

import sys

from nnstudio.cli import main

sys.exit(main())
