"""Train the churn model reproducibly.

Usage: python train.py [--config config.yaml] [--out out]
"""

import sys

from churn.pipeline import main

if __name__ == "__main__":
    sys.exit(main())
