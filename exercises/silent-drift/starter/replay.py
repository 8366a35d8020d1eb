"""Replay logged production traffic.

  python replay.py summary traffic/*.jsonl
      approval rate and mean amounts per week, from the logged answers
  python replay.py send traffic/2026-08.jsonl --url http://127.0.0.1:8000 [--limit N]
      send the logged requests to a running service, in order, and summarise its answers
"""

from __future__ import annotations

import argparse
import json
import statistics
import urllib.error
import urllib.request
from collections import defaultdict
from datetime import datetime


def read(paths: list[str]) -> list[dict]:
    entries = []
    for path in paths:
        with open(path) as handle:
            entries += [json.loads(line) for line in handle if line.strip()]
    return entries


def week_of(ts: str) -> str:
    year, week, _ = datetime.strptime(ts, "%Y-%m-%dT%H:%M:%SZ").isocalendar()
    return f"{year}-W{week:02d}"


def summary(entries: list[dict]) -> None:
    weeks: dict[str, list[dict]] = defaultdict(list)
    for entry in entries:
        weeks[week_of(entry["ts"])].append(entry)
    print(f"{'week':<10} {'requests':>8} {'approved':>9} {'mean loan':>11} {'mean income':>12}")
    for week, rows in sorted(weeks.items()):
        approved = sum(r["response"]["decision"] == "approve" for r in rows) / len(rows)
        loan = statistics.mean(r["request"]["loan_amount"] for r in rows)
        income = statistics.mean(r["request"]["income"] for r in rows)
        print(f"{week:<10} {len(rows):>8} {approved:>9.1%} {loan:>11.0f} {income:>12.0f}")


def send(entries: list[dict], url: str) -> None:
    statuses: dict[int, int] = defaultdict(int)
    approved = 0
    for entry in entries:
        body = json.dumps(entry["request"]).encode()
        request = urllib.request.Request(f"{url}/score", data=body, headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                statuses[response.status] += 1
                approved += json.load(response).get("decision") == "approve"
        except urllib.error.HTTPError as error:
            statuses[error.code] += 1
    print(f"sent {len(entries)} requests; statuses {dict(statuses)}; approved {approved}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    summary_parser = commands.add_parser("summary")
    summary_parser.add_argument("files", nargs="+")
    send_parser = commands.add_parser("send")
    send_parser.add_argument("files", nargs="+")
    send_parser.add_argument("--url", default="http://127.0.0.1:8000")
    send_parser.add_argument("--limit", type=int, default=0)
    args = parser.parse_args()
    entries = read(args.files)
    if args.command == "summary":
        summary(entries)
    else:
        send(entries[: args.limit] if args.limit else entries, args.url.rstrip("/"))


if __name__ == "__main__":
    main()
