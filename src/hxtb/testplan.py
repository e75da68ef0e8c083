"""The testplan (tb/testplan.toml): typed, checked, and the docs' feature table made from it.

    plan = testplan.load()
    for job in plan.jobs("quick"):        # one simulator process each
        job.id, job.sim, job.tests, job.modules, job.cfg

``load`` raises ``TestplanError`` naming the entry and the field of a malformed plan (unknown
keys, unknown tests, simulators, tiers or knobs, a pattern that matches no test, duplicate job
ids). ``python -m hxtb.testplan`` prints the jobs of every tier; ``--write-docs`` rewrites the
feature table of docs/verification.md between its marker comments.
"""

from __future__ import annotations

import argparse
import fnmatch
import functools
import sys
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args

from hxsim.outputs import write_text_atomic
from hxtb.config import ROOT, SIMS, TEST_PACKAGE, TbConfig

PLAN = ROOT / "tb" / "testplan.toml"
DOCS = ROOT / "docs" / "verification.md"
DOCS_BEGIN = "<!-- testplan:begin (generated from tb/testplan.toml: python -m hxtb.testplan " \
             "--write-docs) -->"
DOCS_END = "<!-- testplan:end -->"

Tier = Literal["quick", "regress", "mutate"]
TIERS: tuple[str, ...] = get_args(Tier)
TIER_DOC = {"quick": "make test", "regress": "make regress", "mutate": "make mutate"}


class TestplanError(ValueError):
    """A malformed testplan."""

    __test__ = False  # not a pytest test class


@dataclass(frozen=True)
class Feature:
    """What is verified, by which tests, closing which cover items."""

    name: str
    desc: str
    tests: tuple[str, ...]
    covers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Run:
    """Tests x simulators x knobs in one tier; one simulator process per simulator and
    repeat."""

    name: str
    tier: Tier
    sims: tuple[str, ...]
    tests: tuple[str, ...]     # exact cocotb test names, in the order the simulator runs them
    modules: tuple[str, ...]   # their test modules, in plan order
    cfg: TbConfig
    repeat: int = 1


@dataclass(frozen=True)
class Job:
    """One simulator process: a run on one simulator (``index``: which repeat)."""

    run: Run
    sim: str
    index: int = 0

    @property
    def id(self) -> str:
        return f"{self.run.name}-{self.sim}" + (f"-{self.index}" if self.run.repeat > 1 else "")

    @property
    def tests(self) -> tuple[str, ...]:
        return self.run.tests

    @property
    def modules(self) -> str:
        """Comma-separated dotted names of the test modules (the runner's ``test_module``)."""
        return ",".join(f"{TEST_PACKAGE}.{m}" for m in self.run.modules)

    @property
    def cfg(self) -> TbConfig:
        return self.run.cfg


@dataclass(frozen=True)
class Testplan:
    __test__ = False  # not a pytest test class

    modules: dict[str, tuple[str, ...]]
    not_planned: dict[str, str]
    features: tuple[Feature, ...]
    runs: tuple[Run, ...]

    def module_of(self, test: str) -> str:
        for m, names in self.modules.items():
            if test in names:
                return m
        raise KeyError(f"{test}: not a test of the testplan ({', '.join(self.tests())})")

    def tests(self) -> list[str]:
        return [t for names in self.modules.values() for t in names]

    def jobs(self, tier: str, sims: Iterable[str] | None = None) -> list[Job]:
        """The simulator processes of ``tier`` (optionally only on ``sims``), in plan order."""
        if tier not in TIERS:
            raise TestplanError(f"tier {tier!r}: one of {', '.join(TIERS)}")
        want = set(SIMS if sims is None else sims)
        return [Job(r, s, i) for r in self.runs if r.tier == tier for s in r.sims if s in want
                for i in range(r.repeat)]

    def check_covers(self, items: Iterable[str]) -> None:
        """Every feature's cover pattern names an item of the coverage model, and every item is
        closed by some feature."""
        items = list(items)
        closed: set[str] = set()
        for f in self.features:
            for pat in f.covers:
                hit = [i for i in items if fnmatch.fnmatchcase(i, pat)]
                if not hit:
                    raise TestplanError(f"feature {f.name}: covers {pat!r} matches no cover item "
                                        f"(known: {', '.join(items)})")
                closed.update(hit)
        missing = [i for i in items if i not in closed]
        if missing:
            raise TestplanError(f"cover items no feature closes: {', '.join(missing)}")

    def docs_table(self) -> str:
        """The feature -> tests -> simulators/tiers -> cover items table of the docs."""
        lines = ["| feature | what is verified | cocotb tests (module) | tiers: simulators | "
                 "cover items |", "|---|---|---|---|---|"]
        for f in self.features:
            by_mod: dict[str, list[str]] = {}
            for t in f.tests:
                by_mod.setdefault(self.module_of(t), []).append(f"`{t}`")
            tests = "; ".join(f"{', '.join(ts)} (`{m}`)" for m, ts in by_mod.items())
            where = []
            for tier in TIERS:
                sims = sorted({s for r in self.runs
                               if r.tier == tier and set(f.tests) & set(r.tests)
                               for s in r.sims}, key=SIMS.index)
                if sims:
                    where.append(f"{TIER_DOC[tier]}: {', '.join(sims)}")
            covers = ", ".join(f"`{c}`" for c in f.covers) or "-"
            lines.append(f"| {f.name} | {f.desc} | {tests} | {'; '.join(where) or '-'} | "
                         f"{covers} |")
        return "\n".join(lines)


# ---------------------------------------------------------------- loading and checking
def _fields(where: str, d: Any, required: Iterable[str], optional: Iterable[str] = ()) -> None:
    if not isinstance(d, Mapping):
        raise TestplanError(f"{where}: expected a table, got {type(d).__name__}")
    req, opt = list(required), list(optional)
    missing = [k for k in req if k not in d]
    unknown = sorted(set(d) - set(req) - set(opt))
    if missing:
        raise TestplanError(f"{where}: missing {', '.join(missing)}")
    if unknown:
        raise TestplanError(f"{where}: unknown field(s) {', '.join(unknown)} (known: "
                            f"{', '.join(req + opt)})")


def _strs(where: str, v: Any) -> tuple[str, ...]:
    if not isinstance(v, list) or not all(isinstance(s, str) for s in v):
        raise TestplanError(f"{where}: expected a list of strings, got {v!r}")
    return tuple(v)


def _str(where: str, v: Any) -> str:
    if not isinstance(v, str) or not v:
        raise TestplanError(f"{where}: expected a non-empty string, got {v!r}")
    return v


def parse(data: Mapping[str, Any], source: str = "testplan") -> Testplan:
    """A Testplan from the parsed TOML ``data``; ``TestplanError`` if malformed."""
    _fields(source, data, ["modules", "feature", "run"], ["not_planned"])
    modules: dict[str, tuple[str, ...]] = {}
    owner: dict[str, str] = {}
    _fields(f"{source} [modules]", data["modules"], [], data["modules"])
    for m, names in data["modules"].items():
        modules[m] = _strs(f"{source} [modules] {m}", names)
        for t in modules[m]:
            if t in owner:
                raise TestplanError(f"{source} [modules]: test {t} in both {owner[t]} and {m}")
            owner[t] = m
    not_planned = {str(k): _str(f"{source} [not_planned] {k}", v)
                   for k, v in dict(data.get("not_planned", {})).items()}

    def known(where: str, t: str) -> str:
        if t not in owner:
            raise TestplanError(f"{where}: unknown test {t!r} (not in [modules])")
        return t

    features = []
    if not isinstance(data["feature"], list):
        raise TestplanError(f"{source}: feature must be an array of tables ([[feature]])")
    for i, f in enumerate(data["feature"]):
        where = f"{source} feature #{i + 1}" + (f" ({f.get('name')})" if isinstance(f, Mapping)
                                                else "")
        _fields(where, f, ["name", "desc", "tests"], ["covers"])
        features.append(Feature(
            name=_str(f"{where} name", f["name"]), desc=_str(f"{where} desc", f["desc"]),
            tests=tuple(known(f"{where} tests", t) for t in _strs(f"{where} tests", f["tests"])),
            covers=_strs(f"{where} covers", f.get("covers", []))))
    runs = []
    ids: dict[str, str] = {}
    if not isinstance(data["run"], list):
        raise TestplanError(f"{source}: run must be an array of tables ([[run]])")
    for i, r in enumerate(data["run"]):
        where = f"{source} run #{i + 1}" + (f" ({r.get('name')}, {r.get('tier')})"
                                            if isinstance(r, Mapping) else "")
        _fields(where, r, ["name", "tier", "sims", "tests"], ["knobs", "repeat"])
        tier = r["tier"]
        if tier not in TIERS:
            raise TestplanError(f"{where} tier: {tier!r} is not one of {', '.join(TIERS)}")
        sims = _strs(f"{where} sims", r["sims"])
        bad = [s for s in sims if s not in SIMS]
        if bad or not sims:
            raise TestplanError(f"{where} sims: {bad or 'empty'} (known: {', '.join(SIMS)})")
        chosen: set[str] = set()
        for pat in _strs(f"{where} tests", r["tests"]):
            if pat.endswith(".*") and pat[:-2] in modules:
                hit = list(modules[pat[:-2]])
            else:
                hit = [t for t in owner if fnmatch.fnmatchcase(t, pat)]
            if not hit:
                raise TestplanError(f"{where} tests: {pat!r} matches no test")
            chosen.update(hit)
        mods = tuple(m for m in modules if any(owner[t] == m for t in chosen))
        tests = tuple(t for m in mods for t in modules[m] if t in chosen)
        knobs = r.get("knobs", {})
        if not isinstance(knobs, Mapping):
            raise TestplanError(f"{where} knobs: expected a table")
        try:
            cfg = TbConfig.from_knobs(knobs, f"{where} knobs")
        except ValueError as exc:
            raise TestplanError(str(exc)) from None
        repeat = r.get("repeat", 1)
        if not isinstance(repeat, int) or repeat < 1:
            raise TestplanError(f"{where} repeat: expected an integer >= 1, got {repeat!r}")
        run = Run(name=_str(f"{where} name", r["name"]), tier=tier, sims=sims, tests=tests,
                  modules=mods, cfg=cfg, repeat=repeat)
        for s in sims:
            key = f"{tier}:{run.name}-{s}"
            if key in ids:
                raise TestplanError(f"{where}: job {run.name}-{s} of tier {tier} twice "
                                    f"(also in {ids[key]})")
            ids[key] = where
        runs.append(run)
    return Testplan(modules=modules, not_planned=not_planned, features=tuple(features),
                    runs=tuple(runs))


def load(path: Path | None = None) -> Testplan:
    """Read and check the testplan (default tb/testplan.toml)."""
    if path is None:
        return _load_default()
    return _load(path)


def _load(path: Path) -> Testplan:
    try:
        data = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise TestplanError(f"{path}: {exc}") from None
    return parse(data, str(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path))


@functools.cache
def _load_default() -> Testplan:
    return _load(PLAN)


def docs_with_table(text: str, table: str) -> str:
    """``text`` with the part between the testplan markers replaced by ``table``."""
    if DOCS_BEGIN not in text or DOCS_END not in text:
        raise TestplanError(f"{DOCS}: marker comments {DOCS_BEGIN!r} / {DOCS_END!r} missing")
    head, rest = text.split(DOCS_BEGIN, 1)
    _, tail = rest.split(DOCS_END, 1)
    return f"{head}{DOCS_BEGIN}\n{table}\n{DOCS_END}{tail}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--write-docs", action="store_true",
                    help=f"rewrite the feature table in {DOCS.relative_to(ROOT)}")
    a = ap.parse_args()
    try:
        plan = load()
    except TestplanError as exc:
        print(f"python -m hxtb.testplan: error: {exc}", file=sys.stderr)
        return 2
    if a.write_docs:
        write_text_atomic(DOCS, docs_with_table(DOCS.read_text(), plan.docs_table()))
        print(f"feature table written to {DOCS}")
        return 0
    for tier in TIERS:
        print(f"{tier} ({TIER_DOC[tier]}):")
        for j in plan.jobs(tier):
            knobs = " ".join(f"{k}={v}" for k, v in j.cfg.to_env().items())
            print(f"  {j.id:22s} {','.join(j.tests)} {knobs}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
