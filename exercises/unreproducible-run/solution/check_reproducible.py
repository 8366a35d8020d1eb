"""Train twice with different hash seeds and time zones; fail unless the results are identical."""

import argparse
import filecmp
import os
import subprocess
import sys
import tempfile
from pathlib import Path

COMPARED = ["model.joblib", "metrics.json"]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", default="config.yaml")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        outs = [Path(tmp) / "first", Path(tmp) / "second"]
        for out, (hash_seed, zone) in zip(outs, [("1", "UTC"), ("2", "Asia/Tokyo")]):
            env = os.environ | {"PYTHONHASHSEED": hash_seed, "TZ": zone}
            subprocess.run(
                [sys.executable, "train.py", "--config", args.config, "--out", str(out)], env=env, check=True
            )
        different = [name for name in COMPARED if not filecmp.cmp(outs[0] / name, outs[1] / name, shallow=False)]
    if different:
        print(f"not reproducible: {', '.join(different)} differ between two runs", file=sys.stderr)
        return 1
    print("reproducible: two runs gave identical " + " and ".join(COMPARED))
    return 0


if __name__ == "__main__":
    sys.exit(main())
