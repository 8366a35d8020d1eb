"""Refresh data/latest.csv from the warehouse (run before every training)."""

from pathlib import Path

import warehouse

EXTRACT_SEED = 202610
N_ROWS = 4000


def main() -> Path:
    target = Path(__file__).parent / "data" / "latest.csv"
    target.parent.mkdir(exist_ok=True)
    warehouse.extract(N_ROWS, seed=EXTRACT_SEED).to_csv(target, index=False)
    print(f"fetched {N_ROWS} rows into {target}")
    return target


if __name__ == "__main__":
    main()
