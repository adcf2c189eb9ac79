"""scripts/audit.py: the offline advisory check that scripts/test runs over Cargo.lock."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("audit", ROOT / "scripts" / "audit.py")
audit = importlib.util.module_from_spec(spec)
spec.loader.exec_module(audit)


def test_cargo_version_requirements():
    v = audit.parse_version
    assert audit.matches("^0.3.9", v("0.3.12")) and not audit.matches("^0.3.9", v("0.4.0"))
    assert audit.matches(">= 1.2, < 1.4", v("1.3.0"))
    assert not audit.matches(">= 1.2, < 1.4", v("1.4.0"))
    assert audit.matches("0.2", v("0.2.7")) and not audit.matches("0.2", v("0.3.0"))
    assert audit.matches("^0.0.3", v("0.0.3")) and not audit.matches("^0.0.3", v("0.0.4"))
    assert audit.matches("~1.2.3", v("1.2.9")) and not audit.matches("~1.2.3", v("1.3.0"))


def lockfile(tmp_path, name, version):
    path = tmp_path / "Cargo.lock"
    path.write_text(f'version = 4\n\n[[package]]\nname = "{name}"\nversion = "{version}"\n'
                    'source = "registry+https://github.com/rust-lang/crates.io-index"\n')
    return path


def test_a_known_vulnerable_version_fails(tmp_path, capsys):
    # RUSTSEC-2019-0009: smallvec double-free, patched in 0.6.10.
    assert audit.check(lockfile(tmp_path, "smallvec", "0.6.9")) == 1
    assert "VULNERABLE: RUSTSEC-2019-0009 smallvec 0.6.9" in capsys.readouterr().out
    assert audit.check(lockfile(tmp_path, "smallvec", "1.13.2")) == 0


def test_the_project_lockfile_passes(capsys):
    assert audit.check() == 0, capsys.readouterr().out
