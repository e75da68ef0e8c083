"""Every testbench knob, typed and documented in one place.

The runner passes knobs into the simulator process as ``HX_*`` environment variables;
``TbConfig.from_env`` is the only code that reads them (``get()`` caches it per process) and
``TbConfig.to_env`` writes them. The testplan (tb/testplan.toml) sets the same knobs by field name
(``knobs = {num_vmms = 80, profile = "mixed"}``). ``make sim`` reads its knobs from the environment
(so a printed reproduce line ``HX_NUM_VMMS=80 make sim ...`` works); a testplan job of ``make test``
or ``make regress`` runs with exactly its own knobs: an exported knob variable is not passed to its
simulator and is named in a note (``hxtb.build.knob_env``).
``knob_table()`` renders the fields below as the Markdown table in docs/cosim.md.
"""

from __future__ import annotations

import dataclasses
import functools
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args

#: The repository (hxtb is installed editable from its src/ folder): rtl/, tb/, sim_build/, out/.
ROOT = Path(__file__).resolve().parents[2]
#: The testbench's HDL (tb/hdl) and the testplan (tb/testplan.toml).
TB_DIR = ROOT / "tb"
#: The simulators the testbench runs on.
SIMS = ("verilator", "icarus")
#: Package of the cocotb test modules (run inside the simulator).
TEST_PACKAGE = "hxtb.tests"

Profile = Literal["fast", "mixed", "default"]
PROFILES: tuple[str, ...] = get_args(Profile)


def _knob(env: str, doc: str, default: Any, host: bool = False) -> Any:
    return field(default=default, metadata={"env": env, "doc": doc, "host": host})


@dataclass(frozen=True)
class TbConfig:
    """The testbench knobs (see the module docstring for the table)."""

    num_vmms: int | None = _knob(
        "HX_NUM_VMMS", "VMMs of a random-VMM test or the bench (None: the test's own default: "
        "test_vmm_* 20, test_verif_cov_random 40, bench_vmm 20)", None)
    profile: Profile = _knob(
        "HX_PROFILE", "timing profile of RandomVmmSeq: fast (short phases, a few weight rows "
        "per VMM; slow simulators), mixed (full reloads, some VMMs at default timing), default",
        "mixed")
    backpressure: float = _knob(
        "HX_BACKPRESSURE", "chance per cycle that the vector driver holds vrsp_ready low "
        "(test_vmm_*)", 0.3)
    soak: bool = _knob(
        "HX_SOAK", "back-pressure soak profile of test_verif_cov_random (vector back-pressure "
        "0.5-0.9, short phases, 30 % error injection)", False)
    stat_n: int = _knob("HX_STAT_N", "repeated noisy VMMs of test_verif_noisy_stats", 40)
    stat_k: int = _knob("HX_STAT_K", "model runs of the same sequence in the statistical "
                                     "prediction (test_verif_noisy_stats)", 24)
    progress: int = _knob("HX_PROGRESS", "log a progress line every N VMMs of the coverage "
                                         "sequence (0: none; make regress sets 100)", 0)
    cov_part: Path | None = _knob(
        "HX_COV_PART", "file this simulator process writes its coverage hits to at the end of "
        "its run (JSON; None: no coverage dump)", None)
    bench_out: Path | None = _knob("HX_BENCH_OUT", "JSON result file of bench_vmm", None)
    fast_vpi: bool = _knob(
        "HX_FAST_VPI", "signal access through the simulator's VPI directly (hxtb.vpi): the "
        "bridge's, and under Verilator the bus drivers' (AXI master, vector-port driver, wait "
        "guard); false: through cocotb's handles (the same values, slower)", True)
    wake_ports: bool = _knob(
        "HX_WAKE_PORTS", "under Verilator, the testbench's waits on tb_top's cadc_start_o, "
        "wait_busy_o and wait_irq_o are watched by the simulator's main loop (hxtb.wake); "
        "false: cocotb edge triggers (value-change callbacks; the same cycles, slower)", True)
    seed: int | Literal["random"] | None = _knob(
        "HX_SEED", "host side: the regression seed of every test (an int, or random); None: a "
        "fixed seed per test name", None, host=True)
    rtl_dir: Path | None = _knob(
        "HX_RTL_DIR", "host side: build from this copy of rtl/ (make mutate; builds go to their "
        "own directory)", None, host=True)

    def __post_init__(self) -> None:
        if self.profile not in PROFILES:
            raise ValueError(f"profile {self.profile!r}: one of {', '.join(PROFILES)}")
        if not 0.0 <= self.backpressure < 1.0:
            raise ValueError(f"backpressure {self.backpressure}: in [0, 1)")
        for name in ("num_vmms", "stat_n", "stat_k"):
            v = getattr(self, name)
            if v is not None and v < (2 if name == "stat_n" else 1):
                raise ValueError(f"{name} {v}: too small")
        if self.progress < 0:
            raise ValueError(f"progress {self.progress}: >= 0")

    # ---- environment <-> config
    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> TbConfig:
        """The knobs set in ``env`` (default ``os.environ``); unset ones keep their defaults.
        A malformed value raises ``ValueError`` naming the variable."""
        env = os.environ if env is None else env
        kw: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            var = f.metadata["env"]
            raw = env.get(var, "")
            if raw == "":
                continue
            try:
                kw[f.name] = _parse(f.name, raw)
                cls(**{f.name: kw[f.name]})  # its own range check, named by its variable
            except ValueError as exc:
                raise ValueError(f"{var}={raw!r}: {exc}") from None
        try:
            return cls(**kw)
        except ValueError as exc:
            raise ValueError(f"testbench knobs from the environment: {exc}") from None

    @classmethod
    def from_knobs(cls, knobs: Mapping[str, Any], where: str = "knobs") -> TbConfig:
        """A config from field names (the testplan's ``knobs`` tables); unknown names and
        values of the wrong type raise ``ValueError``."""
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(knobs) - names)
        if unknown:
            raise ValueError(f"{where}: unknown knob(s) {unknown}; known: {sorted(names)}")
        kw = {}
        for k, v in knobs.items():
            try:
                kw[k] = _parse(k, str(v).lower() if isinstance(v, bool) else str(v))
            except ValueError as exc:
                raise ValueError(f"{where}: {k} = {v!r}: {exc}") from None
        try:
            return cls(**kw)
        except ValueError as exc:
            raise ValueError(f"{where}: {exc}") from None

    def to_env(self) -> dict[str, str]:
        """The knobs that differ from the defaults, as environment variables."""
        out: dict[str, str] = {}
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            if v != f.default:
                out[f.metadata["env"]] = ("1" if v is True else "0" if v is False else str(v))
        return out

    def replace(self, **changes: Any) -> TbConfig:
        return dataclasses.replace(self, **changes)

    def vmms(self, default: int) -> int:
        """``num_vmms`` or the test's own default."""
        return self.num_vmms if self.num_vmms is not None else default


#: the environment variables of the knobs the simulator process reads (not the host-side ones)
KNOB_VARS = frozenset(f.metadata["env"] for f in dataclasses.fields(TbConfig)
                      if not f.metadata["host"])


def _parse(name: str, raw: str) -> Any:
    if name in ("num_vmms", "stat_n", "stat_k", "progress"):
        try:
            return int(raw)
        except ValueError:
            raise ValueError("expected an integer") from None
    if name == "backpressure":
        try:
            return float(raw)
        except ValueError:
            raise ValueError("expected a number") from None
    if name in ("soak", "fast_vpi", "wake_ports"):
        if raw.lower() in ("1", "true", "yes"):
            return True
        if raw.lower() in ("0", "false", "no"):
            return False
        raise ValueError("expected 1/true/yes or 0/false/no")
    if name in ("cov_part", "bench_out", "rtl_dir"):
        return Path(raw)
    if name == "seed":
        if raw == "random":
            return "random"
        if not raw.isdigit():
            raise ValueError("expected a non-negative integer or random")
        return int(raw)
    if name == "profile" and raw not in PROFILES:
        raise ValueError(f"one of {', '.join(PROFILES)}")
    return raw


def knob_table() -> str:
    """The Markdown table of the knobs (docs/cosim.md)."""
    rows = ["| knob | variable | default | meaning |", "|---|---|---|---|"]
    for f in dataclasses.fields(TbConfig):
        side = " (host)" if f.metadata["host"] else ""
        rows.append(f"| `{f.name}` | `{f.metadata['env']}` | {f.default} | "
                    f"{f.metadata['doc']}{side} |")
    return "\n".join(rows)


def set_in_env(name: str, env: Mapping[str, str] | None = None) -> bool:
    """Whether the knob ``name`` is given in ``env`` (default ``os.environ``)."""
    f = {f.name: f for f in dataclasses.fields(TbConfig)}[name]
    return (os.environ if env is None else env).get(f.metadata["env"], "") != ""


@functools.cache
def get() -> TbConfig:
    """This process's knobs (read from the environment once)."""
    return TbConfig.from_env()
