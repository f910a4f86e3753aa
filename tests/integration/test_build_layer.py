"""`make build` produces a deployable layer for python3.13 on arm64, without Docker.

Runs the real build (pip with the cross-platform options, so it needs PyPI or pip's cache,
which keeps reruns to seconds) into a temporary directory and inspects the result.
"""

from __future__ import annotations

import glob
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAMBDA_UNZIPPED_LIMIT = 262_144_000  # 250 MB: function code plus all its layers, unzipped
EM_AARCH64 = 183  # ELF e_machine of 64-bit ARM
LAMBDA_PYTHON = "3.13"
PYC_TAG = "cpython-313"

# Runs in a fresh interpreter that sees only the layer: -I (no env vars, no user site, no
# script dir) and -S (no site-packages). A module that fails to import is reported with the
# missing module's name, so the test can tell a native extension built for the Lambda
# platform (expected: it cannot load here) from a real missing dependency.
IMPORT_PROBE = r"""
import importlib, json, pkgutil, sys
layer = sys.argv[1]
sys.path.insert(0, layer)
names = ["clinicflow", *sys.argv[2:]]
import clinicflow
names += [m.name for m in pkgutil.walk_packages(clinicflow.__path__, "clinicflow.")]
result = {"site_packages": [p for p in sys.path if "site-packages" in p], "modules": {}}
for name in names:
    try:
        module = importlib.import_module(name)
    except ImportError as exc:
        result["modules"][name] = {"missing": exc.name or "", "error": repr(exc)}
    else:
        result["modules"][name] = {"file": getattr(module, "__file__", "") or ""}
print(json.dumps(result))
"""


@dataclass(frozen=True)
class Build:
    root: Path
    output: str

    @property
    def layer(self) -> Path:
        return self.root / "layer" / "python"


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> Build:
    out = tmp_path_factory.mktemp("build")
    proc = subprocess.run(
        ["make", "--no-print-directory", "build", f"BUILD_DIR={out}", f"BUILD_PY={sys.executable}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, f"make build failed:\n{proc.stdout}\n{proc.stderr}"
    return Build(out, proc.stdout + proc.stderr)


@pytest.fixture(scope="module")
def build_dir(build: Build) -> Path:
    return build.root


@pytest.fixture(scope="module")
def layer(build: Build) -> Path:
    return build.layer


def lambda_python() -> str | None:
    """A Python of the Lambda runtime's version (3.13) if this machine has one, as make finds it."""
    candidates = [shutil.which(f"python{LAMBDA_PYTHON}") or ""]
    candidates += sorted(
        glob.glob(os.path.expanduser(f"~/.pyenv/versions/{LAMBDA_PYTHON}.*/bin/python3"))
    )
    for candidate in filter(None, candidates):
        proc = subprocess.run(
            [candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.stdout.strip() == LAMBDA_PYTHON:
            return candidate
    return None


def _pins() -> dict[str, str]:
    pins = {}
    for raw in (ROOT / "layers" / "requirements.txt").read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            pins[_normalise(name)] = version.strip()
    return pins


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def _installed(layer: Path) -> dict[str, str]:
    found = {}
    for dist_info in layer.glob("*.dist-info"):
        name, _, version = dist_info.name.removesuffix(".dist-info").partition("-")
        found[_normalise(name)] = version
    return found


def _wheel_tags(dist_info: Path) -> tuple[bool, list[str]]:
    fields = [line.partition(": ") for line in (dist_info / "WHEEL").read_text().splitlines()]
    purelib = any(k == "Root-Is-Purelib" and v.strip() == "true" for k, _, v in fields)
    return purelib, [v.strip() for k, _, v in fields if k == "Tag"]


def _elf_machine(path: Path) -> int:
    header = path.read_bytes()[:20]
    assert header[:4] == b"\x7fELF", f"{path.name} is not an ELF file"
    byteorder = "little" if header[5] == 1 else "big"
    return int.from_bytes(header[18:20], byteorder)


def test_layer_holds_the_package_and_every_pinned_dependency(layer: Path) -> None:
    assert (layer / "clinicflow" / "__init__.py").is_file()
    assert (layer / "clinicflow" / "py.typed").is_file()
    installed = _installed(layer)
    for name, version in _pins().items():
        assert installed.get(name) == version, f"{name}=={version} missing from the layer"


def test_layer_ships_no_dev_tools(layer: Path) -> None:
    assert not (layer / "clinicflow" / "local").exists()
    assert not (layer / "clinicflow" / "cli.py").exists()
    assert not (layer / "bin").exists()


def test_layer_bytecode_is_for_the_lambda_python(build: Build) -> None:
    """/opt is read-only on Lambda: bytecode must ship, and only for the runtime's Python."""
    pycs = list(build.layer.rglob("*.pyc"))
    assert all(f".{PYC_TAG}." in p.name for p in pycs), "bytecode of another Python version"
    if lambda_python() is None:
        assert "WARNING: python3.13 not found" in build.output
        return
    sources = [p for p in (build.layer / "clinicflow").rglob("*.py")]
    sources += list((build.layer / "boto3").rglob("*.py"))
    for source in sources:
        pyc = source.parent / "__pycache__" / f"{source.stem}.{PYC_TAG}.pyc"
        assert pyc.is_file(), f"{source.relative_to(build.layer)} has no bytecode"


def test_pure_modules_import_from_the_layer_alone(layer: Path) -> None:
    python = lambda_python() or sys.executable  # the runtime's version where available
    probe = [python, "-I", "-S", "-c", IMPORT_PROBE, str(layer)]
    probe += ["boto3", "botocore", "pynamodb.models", "aws_lambda_powertools", "pydantic"]
    proc = subprocess.run(probe, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["site_packages"] == []

    native = {
        ".".join(so.relative_to(layer).with_suffix("").with_suffix("").parts)
        for so in layer.rglob("*.so")
    }
    broken = {}
    for name, outcome in report["modules"].items():
        if "file" in outcome:
            assert outcome["file"].startswith(str(layer)), f"{name} loaded from outside the layer"
        elif outcome["missing"] not in native:
            broken[name] = outcome["error"]
    assert not broken, f"modules that cannot import from the layer: {broken}"
    loaded = [name for name, outcome in report["modules"].items() if "file" in outcome]
    assert {"clinicflow", "boto3", "pynamodb.models"} <= set(loaded)


def test_compiled_extensions_are_built_for_lambda_arm64(layer: Path) -> None:
    extensions = list(layer.rglob("*.so"))
    assert extensions, "expected pydantic_core's compiled extension in the layer"
    for so in extensions:
        assert _elf_machine(so) == EM_AARCH64, f"{so.relative_to(layer)} is not aarch64"
    for dist_info in layer.glob("*.dist-info"):
        purelib, tags = _wheel_tags(dist_info)
        if purelib:
            continue
        assert tags, f"{dist_info.name} has no wheel tags"
        for tag in tags:
            python, abi, platform = tag.split("-")
            assert "aarch64" in platform and "manylinux" in platform, f"{dist_info.name}: {tag}"
            assert python == "cp313" or abi == "abi3", f"{dist_info.name}: {tag}"


def test_functions_are_copied(build_dir: Path) -> None:
    sources = {p.parent.name for p in (ROOT / "functions").glob("*/app.py")}
    built = {p.parent.name for p in (build_dir / "functions").glob("*/app.py")}
    assert built == sources


def test_layer_fits_lambdas_unzipped_limit(layer: Path, build_dir: Path) -> None:
    layer_bytes = sum(f.stat().st_size for f in layer.rglob("*") if f.is_file())
    functions = [p for p in (build_dir / "functions").iterdir() if p.is_dir()]
    largest_function = max(
        (sum(f.stat().st_size for f in fn.rglob("*") if f.is_file()) for fn in functions),
        default=0,
    )
    print(f"layer size: {layer_bytes / 1e6:.1f} MB unzipped ({layer_bytes} bytes)")
    assert layer_bytes + largest_function < LAMBDA_UNZIPPED_LIMIT


def test_layer_target_refuses_to_run_without_artifacts_dir() -> None:
    env = {k: v for k, v in os.environ.items() if k != "ARTIFACTS_DIR"}
    proc = subprocess.run(
        ["make", "--no-print-directory", "-f", "layers/Makefile", "build-ClinicFlowLayer"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode != 0
    assert "ARTIFACTS_DIR is not set" in proc.stderr
