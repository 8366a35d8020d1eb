"""Write a frozen training snapshot from the warehouse.

Usage: python fetch_data.py --out data/churn-2026-10.csv
The extract and its correction noise are both seeded, so the same command always writes the
same bytes; record the printed sha256 in config.yaml when you freeze a new snapshot.
"""

import argparse
import hashlib
from pathlib import Path

import warehouse

EXTRACT_SEED = 202610
NOISE_SEED = 202610
N_ROWS = 4000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    frame = warehouse.extract(N_ROWS, seed=EXTRACT_SEED, noise_seed=NOISE_SEED)
    frame.to_csv(args.out, index=False, lineterminator="\n")
    digest = hashlib.sha256(args.out.read_bytes()).hexdigest()
    print(f"wrote {len(frame)} rows to {args.out}\nsha256: {digest}")


if __name__ == "__main__":
    main()
