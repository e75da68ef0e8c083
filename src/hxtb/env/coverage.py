"""Functional coverage of the co-simulation (cocotb-coverage), sampled at transaction and run
boundaries (no Python per clock):

- VMM level (``sample_vmm``, by ``CoverageSubscriber`` on the driver's analysis port for every
  VMM the env checks): every timing register (min, low, default, high, max), num_sends, input
  sparsity and magnitude, weight pattern, results at -128 and 127, ADC codes 0 and 255 (baseline
  and result), vector-port back-pressure, and crosses num_sends x input density, weight pattern x
  input density.
- HDL level (``sample_hdl``, from the sticky observation registers of tb/hdl/hx_checkers.sv, read
  once at the end of the simulator run): FSM states, FSM transitions (including ABORT from every
  busy phase), every error code, AXI / vector-port handshake situations (B and R held, AW before
  W, W before AW, vector response held, request waiting).

``dump_at_end_of_run(part)`` (called when the test package ``hxtb.tests`` is imported in the
simulator, with the knob ``cov_part``) writes this process's hits to ``part`` (JSON) when cocotb
ends the run, whichever tests ran and in whatever order. ``merge`` and ``report`` combine any
number of parts (``python -m hxtb.verif.coverage <parts dir>``).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import cocotb
import cocotb._shutdown
import numpy as np
from cocotb_coverage.coverage import CoverCross, CoverPoint, coverage_db
from pyuvm import uvm_subscriber

import hxsim
from hxsim.outputs import write_text_atomic
from hxsim.regmap import Err, Phase
from hxsim.timing import TIMING_RANGES

#: FSM phases and error codes (STATUS.PHASE, STATUS.ERR_CODE) from the contract, data/hx_top.rdl
PHASES = tuple(p.name for p in Phase)
# legal FSM transitions (docs/interfaces.md section 2, zero-length phases skipped, ABORT)
TRANSITIONS = [
    (0, 1), (0, 2), (1, 2), (2, 3), (2, 4), (2, 5), (3, 4), (3, 5), (4, 5), (5, 6), (6, 0),
    (1, 0), (2, 0), (3, 0), (4, 0), (5, 0),
]
ERROR_CODES = [int(e) for e in Err if e]
HANDSHAKES = ["axi_b_held", "axi_r_held", "axi_aw_before_w", "axi_w_before_aw",
              "axi_aw_w_together", "vec_rsp_held", "vec_req_waiting"]
#: timing register name -> (min, max), from the contract (hxsim.timing.TIMING_RANGES)
REG_RANGES = TIMING_RANGES
DEFAULTS = hxsim.Timing().to_dict()
NNZ_BINS = ["0", "1", "2-16", "17-64", "65-127", "128"]
XMAX_BINS = ["0", "1-15", "16-30", "31"]
DENSITY = ["none", "sparse", "dense", "full"]
W_STYLES = ["uniform", "sparse", "sat_pos", "sat_neg", "mixed_sat", "max_pos", "max_neg", "rows"]
BP_BINS = ["0", "low", "high"]


def reg_bins(name: str) -> list[str]:
    lo, hi = REG_RANGES[name]
    d = DEFAULTS[name]
    bins = ["min", "low", "default", "high", "max"]
    if d == lo:  # default at the minimum: no "default" or "low" bin of its own
        bins.remove("default")
        bins.remove("low")
    return bins


def reg_bin(name: str, v: int) -> str:
    lo, hi = REG_RANGES[name]
    d = DEFAULTS[name]
    if v == lo:
        return "min"
    if v == hi:
        return "max"
    if v == d:
        return "default"
    return "low" if v < d and d != lo else "high"


def nnz_bin(n: int) -> str:
    return ("0" if n == 0 else "1" if n == 1 else "2-16" if n <= 16 else "17-64" if n <= 64
            else "65-127" if n < 128 else "128")


def xmax_bin(m: int) -> str:
    return "0" if m == 0 else "1-15" if m <= 15 else "16-30" if m <= 30 else "31"


def density(n: int) -> str:
    return "none" if n == 0 else "sparse" if n <= 16 else "full" if n == 128 else "dense"


def bp_bin(bp: float) -> str:
    return "0" if bp == 0 else "low" if bp < 0.3 else "high"


# ---------------------------------------------------------------- VMM-level model
def _tp(name: str) -> Any:
    return CoverPoint(f"hx.timing.{name}", xf=lambda t, *_a: reg_bin(name, getattr(t, name)),
                      bins=reg_bins(name))


_VMM_POINTS: list[Any] = [_tp(n) for n in REG_RANGES]
_VMM_POINTS += [
    CoverPoint("hx.input.nnz", xf=lambda t, x, *_a: nnz_bin(int(np.count_nonzero(x))),
               bins=NNZ_BINS),
    CoverPoint("hx.input.max", xf=lambda t, x, *_a: xmax_bin(int(np.max(x))), bins=XMAX_BINS),
    CoverPoint("hx.input.density", xf=lambda t, x, *_a: density(int(np.count_nonzero(x))),
               bins=DENSITY),
    CoverPoint("hx.weights.style", xf=lambda t, x, style, *_a: style, bins=W_STYLES),
    CoverPoint("hx.result.y_127", xf=lambda t, x, s, y, *_a: bool(np.any(y == 127)),
               bins=[True]),
    CoverPoint("hx.result.y_m128", xf=lambda t, x, s, y, *_a: bool(np.any(y == -128)),
               bins=[True]),
    CoverPoint("hx.adc.code_0", xf=lambda t, x, s, y, rb, rr, *_a:
               bool(np.any(rr == 0) or np.any(rb == 0)), bins=[True]),
    CoverPoint("hx.adc.code_255", xf=lambda t, x, s, y, rb, rr, *_a:
               bool(np.any(rr == 255) or np.any(rb == 255)), bins=[True]),
    CoverPoint("hx.vport.backpressure", xf=lambda t, x, s, y, rb, rr, bp: bp_bin(bp),
               bins=BP_BINS),
    CoverCross("hx.cross.sends_x_density", items=["hx.timing.num_sends", "hx.input.density"]),
    CoverCross("hx.cross.style_x_density", items=["hx.weights.style", "hx.input.density"],
               ign_bins=[(s, "none") for s in W_STYLES]),
]


def _compose(points: Iterable[Any]) -> Any:
    def f(*args: Any) -> None:
        return None
    # crosses read their items' current values: points must wrap outermost (sampled first)
    for p in reversed(list(points)):
        f = p(f)
    return f


_sample_vmm = _compose(_VMM_POINTS)


def sample_vmm(timing: hxsim.Timing, x: Any, style: str, y: Any, raw_b: Any, raw_r: Any,
               backpressure: float) -> None:
    """Sample one checked VMM."""
    _sample_vmm(timing, np.asarray(x), style, np.asarray(y), np.asarray(raw_b),
                np.asarray(raw_r), float(backpressure))


# ---------------------------------------------------------------- HDL-level model
_HDL_POINTS = [
    CoverPoint("hx.fsm.state", xf=lambda kind, v: v if kind == "state" else None,
               bins=list(PHASES)),
    CoverPoint("hx.fsm.transition", xf=lambda kind, v: v if kind == "trans" else None,
               bins=[f"{PHASES[a]}->{PHASES[b]}" for a, b in TRANSITIONS]),
    CoverPoint("hx.errors.code", xf=lambda kind, v: v if kind == "err" else None,
               bins=ERROR_CODES),
    CoverPoint("hx.protocol.handshake", xf=lambda kind, v: v if kind == "hs" else None,
               bins=HANDSHAKES),
]
_sample_hdl_one = _compose(_HDL_POINTS)


def _bits(v: int) -> list[int]:
    return [i for i in range(v.bit_length()) if (v >> i) & 1]


def sample_hdl(dut: Any) -> None:
    """Read hx_checkers' observation registers once and sample the HDL-level points."""
    chk = dut.u_chk
    for i in _bits(int(chk.cov_state.value.to_unsigned())):
        _sample_hdl_one("state", PHASES[i])
    for i in _bits(int(chk.cov_trans.value.to_unsigned())):
        _sample_hdl_one("trans", f"{PHASES[i // 7]}->{PHASES[i % 7]}")
    for i in _bits(int(chk.cov_err.value.to_unsigned())):
        _sample_hdl_one("err", i)
    for i in _bits(int(chk.cov_hs.value.to_unsigned())):
        if i < len(HANDSHAKES):
            _sample_hdl_one("hs", HANDSHAKES[i])


# ---------------------------------------------------------------- names, subscriber, dump
#: every cover item of the model (the testplan's ``covers`` name these)
ITEMS: tuple[str, ...] = tuple(n for n in coverage_db if n.startswith("hx.") and n.count(".") >= 2)


class CoverageSubscriber(uvm_subscriber):
    """Samples the VMM-level coverage model for every VMM the driver completed."""

    def write(self, item: Any) -> None:
        res = item.result
        sample_vmm(item.timing, item.x, item.style, res.y, res.raw_b, res.raw_r, item.bp)


def hits() -> dict[str, dict[str, int]]:
    """{cover item: {bin label: hits}} of this process (crosses: labels joined by ' x ')."""
    out: dict[str, dict[str, int]] = {}
    for name, item in coverage_db.items():
        if not name.startswith("hx.") or name.count(".") < 2:
            continue
        det = item.detailed_coverage
        out[name] = {(" x ".join(str(b) for b in k) if isinstance(k, tuple) else str(k)): int(v)
                     for k, v in det.items()}
    return out


def dump(part: Path) -> Path:
    """Write this process's hits to the file ``part`` (JSON)."""
    part.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(part, json.dumps(hits(), indent=1))
    return part


_dump_registered: list[Path] = []


def dump_at_end_of_run(part: Path | None) -> None:
    """When cocotb ends this simulator run (after the last test, or when the simulator stops
    early), sample the HDL-level points once and write all hits to ``part``. No-op for None or
    outside a simulator; registered once per process."""
    if part is None or not cocotb.is_simulation or _dump_registered:
        return
    _dump_registered.append(part)
    # cocotb's end-of-run callbacks (the hook cocotb itself uses to save user coverage): they
    # run before the simulator is told to stop, so the observation registers are still readable
    cocotb._shutdown.register(_final_dump)


def _final_dump() -> None:
    log = logging.getLogger("hxtb.coverage")
    log.setLevel(logging.INFO)  # one line per run, whatever COCOTB_LOG_LEVEL is
    try:
        sample_hdl(cocotb.top)
    except Exception as exc:  # noqa: BLE001  (the simulator may already be gone)
        log.warning("coverage: HDL observation registers not readable at the end (%s)", exc)
    f = dump(_dump_registered[0])
    tot = hits()
    n = sum(len(b) for b in tot.values())
    h = sum(1 for b in tot.values() for v in b.values() if v > 0)
    log.info("coverage part written to %s (%d/%d bins in this run)", f, h, n)



def merge(files: Iterable[Path]) -> dict[str, dict[str, int]]:
    tot: dict[str, dict[str, int]] = {}
    for f in files:
        for item, bins in json.loads(Path(f).read_text()).items():
            acc = tot.setdefault(item, {})
            for b, h in bins.items():
                acc[b] = acc.get(b, 0) + h
    return tot


def report(tot: dict[str, dict[str, int]], out_dir: Path | None = None,
           title: str = "functional coverage") -> tuple[float, list[str]]:
    """Print the text report; write coverage.json / coverage.yml / coverage.txt to out_dir.
    Returns (percent of bins hit, uncovered bins)."""
    lines = [f"== {title} =="]
    total = hit = 0
    missing: list[str] = []
    for item in sorted(tot):
        bins = tot[item]
        n = len(bins)
        h = sum(1 for v in bins.values() if v > 0)
        total += n
        hit += h
        lines.append(f"{item:34s} {h:3d}/{n:<3d} {100.0 * h / max(n, 1):6.1f} %")
        for b, v in bins.items():
            if v == 0:
                missing.append(f"{item}: {b}")
    pct = 100.0 * hit / max(total, 1)
    lines.append(f"{'TOTAL':34s} {hit:3d}/{total:<3d} {pct:6.1f} %")
    if missing:
        lines.append("uncovered bins:")
        lines += [f"  {m}" for m in missing]
    text = "\n".join(lines)
    print(text)
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        write_text_atomic(out_dir / "coverage.txt", text + "\n")
        data = {"percent": pct, "bins_hit": hit, "bins_total": total, "uncovered": missing,
                "items": tot}
        write_text_atomic(out_dir / "coverage.json", json.dumps(data, indent=1))
        import yaml  # cocotb-coverage depends on pyyaml
        write_text_atomic(out_dir / "coverage.yml", yaml.safe_dump(data, sort_keys=True))
    return pct, missing


