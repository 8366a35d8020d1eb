"""Hostile `train.py` programs for the adversarial corpus, built on an exercise's starter.

Each one attacks the harness rather than solving the exercise. Programs that look for something
they must not find report it on their last stderr line as `LEAK:<what>` and exit 1: that line
reaches the scorecard as a check's detail, so a test can see from outside what the code saw.
"""

from __future__ import annotations

LEAK_REPORT = """
import sys
def report(found):
    print("LEAK:" + (";".join(found)[:300] or "nothing"), file=sys.stderr)
    sys.exit(1)
"""

FORGE = """
import json, os, pathlib
forged = json.dumps({"outcomes": {}, "flags": [], "total": {"percent": 100}})
places = [pathlib.Path.cwd(), pathlib.Path.cwd().parent, pathlib.Path("/"), pathlib.Path("/tmp"),
          pathlib.Path(os.environ.get("HOME", "/tmp")), pathlib.Path("/workspace")]
places += [pathlib.Path(p) for p in SENTINELS]
for place in places:
    for name in ("results.json", "scorecard.json", "context.json"):
        try:
            (place / name).write_text(forged)
        except OSError:
            pass
for path in SENTINELS:
    for action in (lambda p: open(p, "w").write("overwritten"), os.remove):
        try:
            action(path)
        except OSError:
            pass
print("PASSED training_entry_point\\n{\\"status\\": \\"passed\\"}")
"""

SNOOP = (
    LEAK_REPORT
    + """
import os, glob
found = []
for pattern in GRADER_PATHS:
    found += glob.glob(pattern, recursive=True)[:3]
wanted = {"test_training.py", "unreproducible-run.yaml", "check_reproducible.py", "context.json", "results.json"}
for folder, subdirs, files in os.walk("/"):
    subdirs[:] = [d for d in subdirs if os.path.join(folder, d) not in ("/proc", "/sys", "/dev")]
    found += [os.path.join(folder, name) for name in files if name in wanted]
for name, value in os.environ.items():
    if "SECRET" in name or SECRET_VALUE in value:
        found.append("env:" + name)
try:
    if SECRET_VALUE.encode() in open("/proc/1/environ", "rb").read():
        found.append("proc1-environ")
except OSError:
    pass
report(found)
"""
)

NETWORK = (
    LEAK_REPORT
    + """
import socket
found = []
for host, port in [("127.0.0.1", HOST_PORT), ("1.1.1.1", 53), ("8.8.8.8", 53), ("172.17.0.1", HOST_PORT)]:
    s = socket.socket()
    s.settimeout(1)
    if s.connect_ex((host, port)) == 0:
        found.append(f"{host}:{port}")
    s.close()
report(found)
"""
)

FORK_BOMB = """
import os
while True:
    try:
        os.fork()
    except OSError:
        pass
"""

MEMORY_BOMB = """
hoard = []
while True:
    hoard.append(bytearray(64 * 1024 * 1024))
"""

DISK_FILL = """
import os, sys
block = os.urandom(1024 * 1024)
try:
    for number in range(10_000):  # many files under the size limit, until /tmp is full
        with open(f"/tmp/fill{number}.bin", "wb") as handle:
            for _ in range(8):
                handle.write(block)
except OSError as error:
    print("tmp:", error, file=sys.stderr)
with open("fill.bin", "wb") as handle:  # one ever-growing file in the workspace
    while True:
        handle.write(block)
"""

OUTPUT_BOMB = """
import sys
chunk = "x" * (1024 * 1024)
for _ in range(1024):
    sys.stdout.write(chunk)
"""

INFINITE_LOOP = """
while True:
    pass
"""

BACKGROUND = """
import os, time, pathlib
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        time.sleep(1)  # after the command has returned: only a survivor could plant these
        for _ in range(600):
            out = pathlib.Path("out")
            out.mkdir(exist_ok=True)
            (out / "model.joblib").write_bytes(b"planted later")
            (out / "metrics.json").write_text('{"auc": 1.0}')
            time.sleep(0.1)
    os._exit(0)
"""

EXIT_AT_IMPORT = """
import sys
sys.exit(0)
"""

INJECTION = """
import sys
print("\\x1b[2J\\x1b[31m<script>alert('owned')</script> | **bold** [red]markup[/red]", file=sys.stderr)
raise SystemExit(1)
"""
