#!/usr/bin/env python3
"""Fails when Cargo.lock pins a crate version that crates.io has yanked (a yank usually means a
security or correctness problem). Reads crates.io's sparse index, the same one cargo uses."""

import json
import sys
import time
import tomllib
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

INDEX = "https://index.crates.io"
CRATES_IO = "registry+https://github.com/rust-lang/crates.io-index"


def index_path(name: str) -> str:
    n = name.lower()
    if len(n) <= 2:
        return f"{len(n)}/{n}"
    if len(n) == 3:
        return f"3/{n[0]}/{n}"
    return f"{n[:2]}/{n[2:4]}/{n}"


def fetch(url: str) -> str:
    """The body at `url`; a failed lookup or connection is tried again (six tries over about a
    minute) before the check gives up, so a passing network hiccup does not fail it."""
    for attempt in range(6):
        try:
            with urllib.request.urlopen(url, timeout=30) as res:
                return res.read().decode()
        except (urllib.error.URLError, TimeoutError, ConnectionError) as e:
            if attempt == 5 or (isinstance(e, urllib.error.HTTPError) and e.code == 404):
                raise
            time.sleep(2**attempt)
    raise AssertionError("unreachable")


def yanked_versions(name: str) -> set[str]:
    lines = fetch(f"{INDEX}/{index_path(name)}").splitlines()
    return {v["vers"] for v in map(json.loads, filter(None, lines)) if v.get("yanked")}


def main(lock_file: str) -> int:
    with open(lock_file, "rb") as f:
        packages = [p for p in tomllib.load(f)["package"] if p.get("source") == CRATES_IO]
    names = sorted({p["name"] for p in packages})
    with ThreadPoolExecutor(max_workers=8) as pool:
        yanked = dict(zip(names, pool.map(yanked_versions, names)))
    bad = [f"{p['name']} {p['version']}" for p in packages if p["version"] in yanked[p["name"]]]
    print(f"yanked check: {len(packages)} locked crates.io packages, {len(bad)} yanked")
    for b in bad:
        print(f"  yanked: {b}", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "Cargo.lock"))
