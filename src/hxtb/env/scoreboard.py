"""Scoreboards: ``VmmScoreboard`` checks every VMM bit- and cycle-exactly against the predictor;
``stat_check`` / ``predict`` are the statistical scoreboard of the noisy mode (N repeated VMMs
through the co-simulation against the model's predicted per-column distribution).
"""

from __future__ import annotations

from statistics import NormalDist
from typing import Any

import numpy as np
from pyuvm import uvm_component, uvm_subscriber

import hxsim
from hxsim import regmap
from hxtb.env.item import VmmItem
from hxtb.env.predictor import VmmPredictor


class VmmScoreboard(uvm_subscriber):
    """Checks every VMM: values (bit-exact), raw codes, events and phase timing (cycle-exact)."""

    def __init__(self, name: str, parent: uvm_component, predictor: VmmPredictor,
                 num_vmms: int) -> None:
        super().__init__(name, parent)
        self.predictor = predictor
        self.num_vmms = num_vmms

    def build_phase(self) -> None:
        self.checked = 0
        self.mismatches: list[str] = []
        self.value_mismatches = 0
        self.timing_mismatches = 0
        self.last_count: int | None = None
        self.kinds: dict[str, int] = {}
        self.sat = {"pos": 0, "neg": 0}

    def _fail(self, item: VmmItem, what: str, timing: bool) -> None:
        msg = f"{item.get_name()} [{item.kind}] {what}"
        self.mismatches.append(msg)
        if timing:
            self.timing_mismatches += 1
        else:
            self.value_mismatches += 1
        self.logger.error(msg)

    def _cmp_arr(self, item: VmmItem, name: str, got: Any, exp: Any, timing: bool = False) -> None:
        g = np.asarray(got, dtype=np.int64)
        e = np.asarray(exp, dtype=np.int64)
        if g.shape != e.shape:
            self._fail(item, f"{name}: shape {g.shape} != expected {e.shape}", timing)
        elif not np.array_equal(g, e):
            bad = np.flatnonzero(g != e)
            self._fail(item, f"{name}: {bad.size} differ, first at {bad[0]}: got {g[bad[0]]} "
                             f"expected {e[bad[0]]}", timing)

    def _cmp(self, item: VmmItem, name: str, got: int, exp: int, timing: bool = True) -> None:
        if got != exp:
            self._fail(item, f"{name}: got {got} expected {exp}", timing)

    def write(self, item: VmmItem) -> None:
        res = item.result
        assert res is not None
        sh = self.predictor.held()
        self.checked += 1
        self.kinds[item.kind.split(",")[0]] = self.kinds.get(item.kind.split(",")[0], 0) + 1
        # the stimulus must have been accepted, and the predictor must hold it
        if any(item.store_errs):
            self._fail(item, f"a legal store was refused: {item.store_errs}", False)
        self._cmp_arr(item, "held weights", sh.w, item.w)
        self._cmp_arr(item, "held input", sh.x, item.x)
        if any(res.errs):
            self._fail(item, f"result load refused: {res.errs}", False)
        # ---- values ----
        t = item.timing
        exp = self.predictor.expect(t)
        cb, cr, y = exp.raw_b, exp.raw_r, exp.y
        self.sat["pos"] += int(np.count_nonzero(res.y == 127))
        self.sat["neg"] += int(np.count_nonzero(res.y == -128))
        self._cmp_arr(item, "y", res.y, y)
        if res.raw_b.size:
            self._cmp_arr(item, "baseline codes", res.raw_b, cb)
            self._cmp_arr(item, "result codes", res.raw_r, cr)
        # ---- timing ----
        vt = exp.timing
        ps = vt.phase_start
        st = res.stamps
        self._cmp(item, "CYCLES_LAST", res.cycles_last, vt.total_cycles)
        self._cmp(item, "EVENTS_LAST", res.events_last, vt.num_events)
        self._cmp(item, "recorded events", st.ev_count, vt.num_events)
        self._cmp(item, "nrn_reset cycles", st.nrn_len, t.reset_cycles)
        self._cmp(item, "cadc_start pulses", st.cadc_starts, 2)
        self._cmp(item, "baseline cadc_start", st.cadc_start_at[0], ps["baseline"])
        self._cmp(item, "result cadc_start", st.cadc_start_at[1], ps["result"])
        for k, ph in enumerate(("baseline", "result")):
            self._cmp(item, f"{ph} ramp start", st.ramp_first[k], ps[ph] + t.adc_reset_wait)
            self._cmp(item, f"{ph} ramp cycles", st.ramp_len[k], 256 * t.adc_step)
        self._cmp(item, "ramp monotonic", st.ramp_err, 0)
        self._cmp(item, "done irq cycle", st.irq_rise_at, vt.total_cycles)
        self._cmp(item, "STATUS", res.status & 0x77, regmap.ST_DONE)
        if self.last_count is not None:
            self._cmp(item, "VMM_COUNT", res.vmm_count, self.last_count + 1)
        self.last_count = res.vmm_count
        obs = res.obs
        if obs is not None:
            self._cmp_arr(item, "event cycles", obs.ev_cycles, vt.event_cycles, True)
            self._cmp_arr(item, "event drivers", obs.ev_drivers, vt.event_drivers, True)
            self._cmp_arr(item, "event codes", obs.ev_codes, vt.event_codes, True)
            convs = [(c.sel, c.cycle) for c in obs.conversions]
            if convs != [(0, ps["baseline"]), (1, ps["result"])]:
                self._fail(item, f"bridge conversions {convs}", True)
            elif res.raw_b.size:
                # the CADC must latch exactly the crossing codes the array presented
                self._cmp_arr(item, "latched vs presented baseline", res.raw_b,
                              obs.conversions[0].codes)
                self._cmp_arr(item, "latched vs presented result", res.raw_r,
                              obs.conversions[1].codes)

    def check_phase(self) -> None:
        self.logger.info("scoreboard: %d VMMs checked, %d value and %d timing mismatches; "
                         "weight styles %s; saturated outputs +%d/-%d", self.checked,
                         self.value_mismatches, self.timing_mismatches, self.kinds,
                         self.sat["pos"], self.sat["neg"])
        expected = self.num_vmms
        assert self.checked > 0, "scoreboard checked no VMM"
        assert self.checked == expected, f"scoreboard saw {self.checked} of {expected} VMMs"
        assert not self.mismatches, f"{len(self.mismatches)} mismatches, first: " \
                                    f"{self.mismatches[0]}"


# ---------------------------------------------------------------- statistical scoreboard
ALPHA = 1e-3   # family-wise false-alarm rate of one check (all columns, mean and std)


def _chi2_q(p: float, k: int) -> float:
    """Quantile of chi-square with k degrees of freedom (Wilson-Hilferty)."""
    z = NormalDist().inv_cdf(p)
    return float(k * (1 - 2 / (9 * k) + z * np.sqrt(2 / (9 * k))) ** 3)


def stat_check(obs: np.ndarray, pred: np.ndarray, alpha: float = ALPHA) -> list[str]:
    """Per column: the observed mean and variance of ``obs[N, 256]`` against the model's
    ``pred[M, 256]`` (M >> N samples of the same process). Two-sided tests, Bonferroni over
    2 x 256 tests so the whole check has false-alarm rate <= alpha:
      mean: |m_obs - m_pred| <= z * sqrt(s2_pred / N + s2_pred / M) + 0.5 / sqrt(N)
            (the last term bounds the int8 rounding of a near-degenerate column)
      var : (N - 1) s2_obs / s2_pred within the chi2(N - 1) quantiles.
    Columns whose predicted spread is < 0.05 LSB (saturated / constant) must match exactly.
    Two pooled tests over the unsaturated columns add power against small global errors:
      offset: the weighted mean of (m_obs - m_pred) must be 0
      gain : weighted least-squares slope of (m_obs - m_pred) on (m_pred - mean) must be 0
      noise: the mean of s2_obs / s2_pred must be 1 (normal approximation, var 2 / (N - 1) / C).
    Raises ``ValueError`` for fewer than 2 samples on either side or mismatched shapes (nothing
    could be checked: with N = 0 the mean test alone would never flag)."""
    if obs.ndim != 2 or pred.ndim != 2 or obs.shape[1] != pred.shape[1] or obs.shape[1] == 0:
        raise ValueError(f"stat_check: expected obs [N, C] and pred [M, C] with C > 0, got "
                         f"{obs.shape} and {pred.shape}")
    n, m = obs.shape[0], pred.shape[0]
    if n < 2 or m < 2:  # no variance: a check of nothing must not pass
        raise ValueError(f"stat_check: needs at least 2 observed and 2 predicted samples per "
                         f"column, got N={n}, M={m}")
    tests = 2 * obs.shape[1] + 3
    a = alpha / tests
    z = NormalDist().inv_cdf(1 - a / 2)
    lo, hi = _chi2_q(a / 2, n - 1), _chi2_q(1 - a / 2, n - 1)
    mo, mp = obs.mean(0), pred.mean(0)
    vo, vp = obs.var(0, ddof=1), pred.var(0, ddof=1)
    bad = []
    for j in range(obs.shape[1]):
        if vp[j] < 0.05 ** 2:
            if abs(mo[j] - mp[j]) > 0.5:
                bad.append(f"col {j}: constant {mp[j]:.2f} predicted, mean {mo[j]:.2f}")
            continue
        tol = z * np.sqrt(vp[j] / n + vp[j] / m) + 0.5 / np.sqrt(n)
        if abs(mo[j] - mp[j]) > tol:
            bad.append(f"col {j}: mean {mo[j]:.2f} vs {mp[j]:.2f} (tol {tol:.2f})")
        r = (n - 1) * vo[j] / vp[j]
        if not lo <= r <= hi:
            bad.append(f"col {j}: std {np.sqrt(vo[j]):.2f} vs {np.sqrt(vp[j]):.2f}")
    # pooled tests over columns that are neither constant nor saturated
    ok = (vp >= 0.05 ** 2) & (np.abs(mp) < 110)
    if np.count_nonzero(ok) >= 16:
        d = (mo - mp)[ok]
        var_d = (vp / n + vp / m)[ok]
        u = mp[ok] - np.average(mp[ok], weights=1 / var_d)
        slope = float(np.sum(u * d / var_d) / np.sum(u * u / var_d))
        se = float(1 / np.sqrt(np.sum(u * u / var_d)))
        if abs(slope) > z * se:
            bad.append(f"pooled gain: slope {slope:+.4f} (tol {z * se:.4f})")
        off = float(np.sum(d / var_d) / np.sum(1 / var_d))
        se_o = float(1 / np.sqrt(np.sum(1 / var_d)))
        if abs(off) > z * se_o + 0.5 / np.sqrt(n):
            bad.append(f"pooled offset: {off:+.3f} LSB (tol {z * se_o + 0.5 / np.sqrt(n):.3f})")
        ratio = float(np.mean(vo[ok] / vp[ok]))
        se_r = float(np.sqrt(2 / (n - 1) / np.count_nonzero(ok)))
        if abs(ratio - 1) > z * se_r:
            bad.append(f"pooled noise: variance ratio {ratio:.3f} (tol {z * se_r:.3f})")
    return bad


def predict(params: hxsim.ChipParams, fixed_seed: int, x: np.ndarray, w: np.ndarray,
            t: hxsim.Timing, n: int, k: int, col_off: np.ndarray | None = None) -> np.ndarray:
    """k independent runs (other noise seeds) of the same n-VMM sequence -> [k*n, 256]."""
    out = []
    xb = np.repeat(x[None, :], n, axis=0)
    for i in range(k):
        chip = hxsim.ChipInstance(params, fixed_seed, 1_000_003 + i)
        out.append(np.asarray(chip.vmm(xb, w, timing=t, dac_offsets=np.full(128, 32),
                                       column_offsets=col_off),
                              dtype=np.float64))
    return np.concatenate(out)
