#!/usr/bin/env python3
"""What a first visit to each page downloads from the release bundle.

Usage: bundle_size.py <pkg dir>. Prints the part every page loads (the main module, its JS and the
split loader) and the lazy functions (`#[lazy]`, fetched when first called), then a Markdown table:
per page the modules that page's lazy route needs (from __wasm_split_manifest.json, the list the
server preloads) and the total. Sizes are gzip -9 file by file and, where the build wrote them, the
brotli copies the server sends to browsers that accept brotli.
"""
import gzip
import json
import sys
from pathlib import Path


def gz(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), 9))


def br(path: Path) -> int:
    return path.with_name(path.name + ".br").stat().st_size


def kb(size: int) -> str:
    return f"{size / 1024:.0f}"


def main() -> None:
    pkg = Path(sys.argv[1])
    manifest = json.loads((pkg / "__wasm_split_manifest.json").read_text())
    shared = [pkg / "gatehouse_bg.wasm", pkg / "gatehouse.js", *pkg.glob("__wasm_split.*.js")]
    brotli = all(p.with_name(p.name + ".br").exists() for p in shared)
    sizes = {"gzip": gz} | ({"brotli": br} if brotli else {})
    base = {k: sum(f(p) for p in shared) for k, f in sizes.items()}
    rows = []
    on_use = []
    for split, modules in manifest.items():
        # "__tokens_route_view_<hash>" -> "tokens"; other splits are functions fetched on first use
        # ("__add_passkey_<hash>"), not with a page.
        name = split.strip("_").rsplit("_", 1)[0]
        own = {k: sum(f(pkg / f"{m}.wasm") for m in modules) for k, f in sizes.items()}
        if name.endswith("_route_view"):
            rows.append((base["gzip"] + own["gzip"], name.removesuffix("_route_view"), len(modules), own))
        else:
            on_use.append(f"{name} {kb(own['gzip'])} KB")
    rows.sort(reverse=True)
    every = base["gzip"] + sum(gz(p) for p in pkg.glob("*.wasm") if p.name != "gatehouse_bg.wasm")
    print(f"Every page loads the main module, its JS and the split loader: **{kb(base['gzip'])} KB** gzipped"
          + (f" ({kb(base['brotli'])} KB as brotli)" if brotli else "") + f". All modules together: {kb(every)} KB gzipped.")
    if on_use:
        print(f"Fetched on first use, not with a page (gzip): {', '.join(sorted(on_use))}.")
    print()
    head = "| page | its modules | their size, gzip (KB) | first visit, gzip (KB) |"
    print(head + (" first visit, brotli (KB) |" if brotli else ""))
    print("|---|---:|---:|---:|" + ("---:|" if brotli else ""))
    for total, page, count, own in rows:
        line = f"| {page} | {count} | {kb(own['gzip'])} | **{kb(total)}** |"
        if brotli:
            line += f" {kb(base['brotli'] + own['brotli'])} |"
        print(line)


if __name__ == "__main__":
    main()
