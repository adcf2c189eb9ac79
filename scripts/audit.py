#!/usr/bin/env python3
"""Checks Cargo.lock against the vendored RustSec advisory database, without network.

Exits 1 when a locked crate version is named by an advisory that is not withdrawn and has no
`informational` kind (a vulnerability); informational advisories (unmaintained, unsound, notice)
are printed as warnings, as `cargo audit` does. Advisories listed in `scripts/audit-ignore.txt`
(one id per line, `#` comments giving the reason) are skipped.

    scripts/audit.py            check
    scripts/audit.py --refresh  replace vendor/rustsec-advisory-db.tar.xz from GitHub (network)
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
import tarfile
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DB = ROOT / "vendor" / "rustsec-advisory-db.tar.xz"
IGNORE = ROOT / "scripts" / "audit-ignore.txt"
UPSTREAM = "https://github.com/rustsec/advisory-db"

Version = tuple[int, int, int]


def parse_version(text: str) -> Version:
    """`1.2.3-beta.1+build` → (1, 2, 3); pre-releases compare as their release (a conservative
    reading: a pre-release of a patched version counts as patched)."""
    core = re.split(r"[-+]", text.strip(), maxsplit=1)[0]
    parts = [int(p) for p in core.split(".")] + [0, 0]
    return parts[0], parts[1], parts[2]


def caret_upper(v: Version, given: int) -> Version:
    """The exclusive upper bound of Cargo's `^v` (and of a bare `v`)."""
    major, minor, patch = v
    if major > 0 or given == 1:
        return major + 1, 0, 0
    if minor > 0 or given == 2:
        return 0, minor + 1, 0
    return 0, 0, patch + 1


def matches(requirement: str, version: Version) -> bool:
    """Whether `version` satisfies a Cargo version requirement such as `>= 1.2, < 1.4` or `^0.3.9`."""
    for clause in requirement.split(","):
        m = re.fullmatch(r"\s*(>=|<=|>|<|=|\^|~)?\s*([0-9][0-9A-Za-z.+-]*)\s*", clause)
        if not m:
            raise ValueError(f"unreadable version requirement {requirement!r}")
        op, text = m.group(1) or "^", m.group(2)
        bound = parse_version(text)
        given = len(re.split(r"[-+]", text, maxsplit=1)[0].split("."))
        ok = {
            ">=": version >= bound,
            "<=": version <= bound,
            ">": version > bound,
            "<": version < bound,
            "=": version == bound,
            "^": bound <= version < caret_upper(bound, given),
            "~": bound <= version < ((bound[0] + 1, 0, 0) if given == 1 else (bound[0], bound[1] + 1, 0)),
        }[op]
        if not ok:
            return False
    return True


def advisories(db: Path):
    """Yields the TOML front matter of every advisory in the tarball."""
    with tarfile.open(db) as tar:
        for member in tar:
            if not member.name.endswith(".md"):
                continue
            text = tar.extractfile(member).read().decode()
            m = re.search(r"```toml\n(.*?)\n```", text, re.S)
            if m:
                yield tomllib.loads(m.group(1))


def locked_crates(lockfile: Path) -> dict[str, list[str]]:
    lock = tomllib.loads(lockfile.read_text())
    found: dict[str, list[str]] = {}
    for package in lock.get("package", []):
        if package.get("source", "").startswith("registry+"):
            found.setdefault(package["name"], []).append(package["version"])
    return found


def ignored() -> set[str]:
    if not IGNORE.exists():
        return set()
    return {line.split("#")[0].strip() for line in IGNORE.read_text().splitlines()} - {""}


def check(lockfile: Path = ROOT / "Cargo.lock") -> int:
    crates = locked_crates(lockfile)
    skip = ignored()
    failures, warnings, read = [], [], 0
    for doc in advisories(DB):
        read += 1
        adv, versions = doc["advisory"], doc.get("versions", {})
        if adv.get("withdrawn") or adv["id"] in skip or adv["package"] not in crates:
            continue
        safe = versions.get("patched", []) + versions.get("unaffected", [])
        for text in crates[adv["package"]]:
            v = parse_version(text)
            if any(matches(r, v) for r in safe):
                continue
            line = f"{adv['id']} {adv['package']} {text}: {adv.get('title', '')}".rstrip()
            (warnings if adv.get("informational") else failures).append(line)
    total = sum(len(v) for v in crates.values())
    print(f"audit: {total} locked crate versions checked against {read} advisories ({DB.name})")
    for line in warnings:
        print(f"warning (informational): {line}")
    for line in failures:
        print(f"VULNERABLE: {line}")
    return 1 if failures else 0


def refresh() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["git", "clone", "--depth", "1", UPSTREAM, tmp + "/db"], check=True)
        commit = subprocess.run(["git", "-C", tmp + "/db", "rev-parse", "HEAD"], check=True,
                                capture_output=True, text=True).stdout.strip()
        archive = subprocess.run(["git", "-C", tmp + "/db", "archive", "--prefix=advisory-db/",
                                  "HEAD", "crates"], check=True, capture_output=True).stdout
        with tarfile.open(fileobj=io.BytesIO(archive)) as src, tarfile.open(DB, "w:xz") as dst:
            for member in src:
                dst.addfile(member, src.extractfile(member) if member.isfile() else None)
    print(f"vendored advisory-db {commit}; update vendor/README.md with it")
    return 0


if __name__ == "__main__":
    sys.exit(refresh() if sys.argv[1:] == ["--refresh"] else check())
