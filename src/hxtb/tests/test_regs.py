"""cocotb register tests generated from the register contract (data/hx_top.rdl, read through
hxsim.regmap.REGISTERS): reset values, access types (RO refuses writes, RW reads back, W1C
clears, WO reads 0), allowed value ranges, partial strobes (merged into the register, checked as
the resulting value), refusal while busy, and unmapped and aliased addresses, all through the
AXI4-Lite port. (The CapMem windows and every strobe x byte offset: test_capmem.)

Every expectation is derived from the register description plus the contract's error rule
(docs/interfaces.md section 4, "Errors"): a refused access answers SLVERR (START while busy is
the only OKAY refusal), sets STATUS.ERROR and ERR_CODE, increments ERROR_COUNT, sets
IRQ_STATUS.ERROR and changes nothing else. A register added to the RDL is tested without an edit
here; a new W1C field needs a way to set it (``W1C_SETTERS``), else the test fails and says so.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable

import cocotb

import hxsim
from hxsim import regmap as rm
from hxtb.tbench import Testbench

REGS = rm.REGISTERS
BY_ADDR = {r.addr: r for r in REGS}
WINDOWS = rm.WINDOWS
WORD = rm.HX_TOP_DATA_W // 8
ALL_ONES = (1 << rm.HX_TOP_DATA_W) - 1
Image = dict[int, int]


def _rng() -> random.Random:
    return random.Random(cocotb.RANDOM_SEED)


async def _setup(dut: object) -> Testbench:
    tb = Testbench(dut, seed=cocotb.RANDOM_SEED)
    await tb.start()
    return tb


async def _hw_reset(tb: Testbench) -> None:
    """Pulse rst_ni only (Testbench.reset also writes IRQ_ENABLE)."""
    tb.dut.rst_ni.value = 0
    await tb.cycles(3)
    tb.dut.rst_ni.value = 1
    await tb.cycles(2)


async def _image(tb: Testbench) -> Image:
    """Every register's value (all registers answer reads OKAY; WO registers read 0)."""
    out: Image = {}
    for r in REGS:
        data, resp = await tb.axil.read(r.addr)
        assert resp == rm.OKAY, f"read {r.name} ({r.addr:#05x}): resp {resp}, expected OKAY"
        out[r.addr] = data
    return out


def _refused(img: Image, code: int) -> Image:
    """``img`` after one refused access with error ``code`` (the contract's error rule)."""
    out = dict(img)
    out[rm.STATUS] = ((img[rm.STATUS] & ~rm.STATUS_ERR_CODE_MASK) | rm.STATUS_ERROR
                      | (code << rm.STATUS_ERR_CODE_LSB))
    out[rm.ERROR_COUNT] = (img[rm.ERROR_COUNT] + 1) & ALL_ONES
    out[rm.IRQ_STATUS] = img[rm.IRQ_STATUS] | rm.IRQ_STATUS_ERROR
    return out


def _diff(got: Image, exp: Image) -> str:
    """The registers (and their fields) that differ, for an assertion message."""
    parts = []
    for addr, want in exp.items():
        if got[addr] == want:
            continue
        r = BY_ADDR[addr]
        fields = [f"{f.name}={(got[addr] & f.mask) >> f.lsb} (expected {(want & f.mask) >> f.lsb})"
                  for f in r.fields if (got[addr] ^ want) & f.mask]
        parts.append(f"{r.name} {got[addr]:#x} != {want:#x} [{', '.join(fields)}]")
    return "; ".join(parts)


async def _expect(tb: Testbench, exp: Image, what: str) -> Image:
    got = await _image(tb)
    assert got == exp, f"{what}: {_diff(got, exp)}"
    return got


def _values(f: rm.Field, rng: random.Random) -> list[int]:
    """Legal values of a writable field: its bounds and one inside."""
    lo = f.lo if f.lo is not None else 0
    hi = f.hi if f.hi is not None else (1 << f.width) - 1
    return sorted({lo, hi, rng.randint(lo, hi)})


def _bad_values(r: rm.Register, f: rm.Field) -> list[int]:
    """Register values that must be refused as BAD_REG_VALUE because of field ``f``."""
    base = r.reset & ~f.mask
    out = []
    if f.lo is not None and f.lo > 0:
        out.append(base | ((f.lo - 1) << f.lsb))
    if f.hi is not None and f.hi < (1 << f.width) - 1:
        out.append(base | ((f.hi + 1) << f.lsb))
    return out


def _legal(r: rm.Register, value: int) -> bool:
    """A write leaving ``value`` in ``r`` is accepted: no bit outside the writable fields, every
    field with a range inside it."""
    if value & ~r.wmask & ALL_ONES:
        return False
    return all(f.lo is None or f.hi is None or f.lo <= (value & f.mask) >> f.lsb <= f.hi
               for f in r.fields if "w" in f.sw)


def _merge(old: int, data: int, strb: int) -> int:
    """The register value after a write of ``data`` with WSTRB ``strb`` (contract section 4)."""
    mask = sum(0xFF << (8 * b) for b in range(WORD) if strb >> b & 1)
    return (old & ~mask) | (data & mask)


@cocotb.test()
async def test_regs_reset(dut: object) -> None:
    """After reset every register reads its reset value from the contract (WO: 0)."""
    tb = await _setup(dut)
    await _hw_reset(tb)
    exp = {r.addr: 0 if r.access == "WO" else r.reset for r in REGS}
    await _expect(tb, exp, "after reset")


@cocotb.test()
async def test_regs_read_only(dut: object) -> None:
    """RO registers refuse writes (SLVERR, BAD_REG_ADDR) and keep their value; nothing else but
    the error bookkeeping changes."""
    tb = await _setup(dut)
    rng = _rng()
    img = await _image(tb)
    _some("RO")
    for r in (r for r in REGS if r.access == "RO"):
        for value in (ALL_ONES ^ img[r.addr], rng.getrandbits(rm.HX_TOP_DATA_W)):
            resp = await tb.axil.write(r.addr, value)
            assert resp == rm.SLVERR, f"write {r.name} = {value:#x}: resp {resp}, expected SLVERR"
            img = await _expect(tb, _refused(img, rm.BAD_REG_ADDR), f"write RO {r.name}")


@cocotb.test()
async def test_regs_read_write(dut: object) -> None:
    """RW registers read back every legal field value; values outside a field's range and bits
    outside the writable fields are refused (SLVERR, BAD_REG_VALUE) and leave the register
    unchanged; a partial strobe (at its byte offset) replaces only the strobed bytes and is
    accepted or refused by the resulting value."""
    tb = await _setup(dut)
    rng = _rng()
    img = await _image(tb)
    _some("RW")
    for r in (r for r in REGS if r.access == "RW"):
        for f in (f for f in r.fields if "w" in f.sw):
            for v in _values(f, rng):
                value = (img[r.addr] & ~f.mask) | (v << f.lsb)
                resp = await tb.axil.write(r.addr, value)
                assert resp == rm.OKAY, f"write {r.name}.{f.name} = {v}: resp {resp}"
                img = await _expect(tb, {**img, r.addr: value}, f"{r.name}.{f.name} = {v}")
        bad = [v for f in r.fields for v in _bad_values(r, f)]
        outside = ALL_ONES & ~r.wmask
        if outside:
            bad += [r.reset | (outside & -outside), r.reset | outside]
        for value in bad:
            resp = await tb.axil.write(r.addr, value)
            assert resp == rm.SLVERR, f"write {r.name} = {value:#x}: resp {resp}, expected SLVERR"
            img = await _expect(tb, _refused(img, rm.BAD_REG_VALUE), f"{r.name} = {value:#x}")
        for strb in (0x1, 0x2, 0x3, 0x6, 0x7, 0xC, 0x8):
            data = rng.getrandbits(rm.HX_TOP_DATA_W) & rng.choice((0xFF, 0xFF00, ALL_ONES))
            value = _merge(img[r.addr], data, strb)
            resp = await tb.axil.write(r.addr, data, strb=strb)
            what = f"{r.name} = {data:#x} strobe {strb:#x}"
            if _legal(r, value):
                assert resp == rm.OKAY, f"{what}: resp {resp}, expected OKAY"
                img = await _expect(tb, {**img, r.addr: value}, what)
            else:
                assert resp == rm.SLVERR, f"{what}: resp {resp}, expected SLVERR"
                img = await _expect(tb, _refused(img, rm.BAD_REG_VALUE), what)
        await tb.axil.write_ok(r.addr, r.reset)
        img[r.addr] = r.reset


async def _set_by_error(tb: Testbench) -> None:
    """A refused access (read of the first unmapped word address) sets IRQ_STATUS.ERROR."""
    await tb.axil.read(_gaps()[0])


async def _set_by_vmm(tb: Testbench) -> None:
    """A completed VMM (zero input: no events, short conversions) sets IRQ_STATUS.DONE."""
    await tb.set_timing(hxsim.Timing(reset_cycles=20, settle_cycles=0, adc_reset_wait=0,
                                     adc_dead_time=0))
    await tb.axil.write_ok(rm.CTRL, rm.CTRL_START)
    for _ in range(400):
        if not await tb.axil.read_ok(rm.STATUS) & rm.STATUS_BUSY:
            return
        await tb.cycles(8)
    raise AssertionError("VMM did not finish")


def _some(access: str) -> None:
    """The contract has registers of this access type (else the loop over them checks nothing)."""
    assert any(r.access == access for r in REGS), f"no {access} register in the contract"


#: How to make the hardware set each W1C field.
W1C_SETTERS: dict[tuple[str, str], Callable[[Testbench], Awaitable[None]]] = {
    ("IRQ_STATUS", "ERROR"): _set_by_error,
    ("IRQ_STATUS", "DONE"): _set_by_vmm,
}


@cocotb.test()
async def test_regs_w1c(dut: object) -> None:
    """W1C fields: set by the hardware, kept by writing 0 and by writing 1 to the other fields,
    cleared by writing 1 to the field."""
    tb = await _setup(dut)
    _some("W1C")
    for r in (r for r in REGS if r.access == "W1C"):
        for f in r.fields:
            setter = W1C_SETTERS.get((r.name, f.name))
            assert setter is not None, f"no way to set {r.name}.{f.name}: add it to W1C_SETTERS"
            await tb.axil.write_ok(r.addr, r.wmask)  # all clear
            assert await tb.axil.read_ok(r.addr) == 0, f"{r.name} not cleared by writing ones"
            await setter(tb)
            assert await tb.axil.read_ok(r.addr) & f.mask, f"{r.name}.{f.name} not set"
            await tb.axil.write_ok(r.addr, 0)
            assert await tb.axil.read_ok(r.addr) & f.mask, f"{r.name}.{f.name} cleared by 0"
            others = r.wmask & ~f.mask
            await tb.axil.write_ok(r.addr, others)
            got = await tb.axil.read_ok(r.addr)
            assert got & f.mask, f"{r.name}.{f.name} cleared by writing the other fields"
            assert not got & others, f"{r.name}: other fields not cleared ({got:#x})"
            await tb.axil.write_ok(r.addr, f.mask)
            got = await tb.axil.read_ok(r.addr)
            assert not got & f.mask, f"{r.name}.{f.name} not cleared by writing 1 ({got:#x})"


@cocotb.test()
async def test_regs_write_only(dut: object) -> None:
    """WO registers read 0 (OKAY), also after each of their fields is written; bits outside the
    fields are refused (SLVERR, BAD_REG_VALUE)."""
    tb = await _setup(dut)
    _some("WO")
    for r in (r for r in REGS if r.access == "WO"):
        assert await tb.axil.read_ok(r.addr) == 0, f"{r.name} does not read 0"
        for f in r.fields:
            await tb.axil.write_ok(r.addr, f.mask)
            assert await tb.axil.read_ok(r.addr) == 0, f"{r.name} reads non-zero after {f.name}"
            await tb.cycles(2)
            if await tb.axil.read_ok(rm.STATUS) & rm.STATUS_BUSY:  # START: let the VMM finish
                await tb.axil.write_ok(r.addr, rm.CTRL_ABORT)
        outside = ALL_ONES & ~r.wmask
        if outside:
            img = await _image(tb)
            for value in (outside & -outside, outside):
                resp = await tb.axil.write(r.addr, value)
                assert resp == rm.SLVERR, f"write {r.name} = {value:#x}: resp {resp}"
                img = await _expect(tb, _refused(img, rm.BAD_REG_VALUE), f"{r.name} = {value:#x}")


@cocotb.test()
async def test_regs_busy(dut: object) -> None:
    """While a VMM runs, registers marked hx_busy_refused refuse writes (SLVERR,
    WRITE_WHILE_BUSY) and keep their value."""
    tb = await _setup(dut)
    locked = [r for r in REGS if r.busy_refused]
    await tb.set_timing(hxsim.Timing(reset_cycles=4000))
    before = {r.addr: await tb.axil.read_ok(r.addr) for r in locked}
    count = await tb.axil.read_ok(rm.ERROR_COUNT)
    await tb.axil.write_ok(rm.CTRL, rm.CTRL_START)
    for r in locked:
        f = r.fields[0]
        legal = next(v for v in _values(f, _rng()) if v << f.lsb != before[r.addr])
        resp = await tb.axil.write(r.addr, legal << f.lsb)
        assert resp == rm.SLVERR, f"write {r.name} while busy: resp {resp}, expected SLVERR"
        st = await tb.axil.read_ok(rm.STATUS)
        assert st & rm.STATUS_BUSY, "the VMM ended before the check (lengthen reset_cycles)"
        assert rm.st_err_code(st) == rm.WRITE_WHILE_BUSY, f"{r.name}: ERR_CODE {rm.st_err_code(st)}"
        count += 1
        assert await tb.axil.read_ok(rm.ERROR_COUNT) == count, f"{r.name}: ERROR_COUNT"
        assert await tb.axil.read_ok(r.addr) == before[r.addr], f"{r.name} changed while busy"
    await tb.axil.write_ok(rm.CTRL, rm.CTRL_ABORT)


def _gaps() -> list[int]:
    """Word addresses inside the register block (and the one after it) that map nothing."""
    top = max(r.addr for r in REGS) + WORD
    return [a for a in range(0, top + WORD, WORD) if a not in BY_ADDR]


def _mapped(addr: int) -> bool:
    word = addr & ~(WORD - 1)
    return word in BY_ADDR or any(word in w for w in WINDOWS)


def _unmapped() -> list[int]:
    """Gaps, the last word before the first window, each register's address with one address
    bit flipped (a decoder that ignores that bit aliases it), also at a byte offset inside the
    word (the offset is ignored: the word stays unmapped)."""
    out = [*_gaps(), min(w.addr for w in WINDOWS) - WORD]
    for r in REGS:
        out += [r.addr ^ (1 << k) for k in range(2, rm.HX_TOP_ADDR_W)]
        out += [(r.addr ^ (1 << k)) + 1 + k % (WORD - 1) for k in range(2, rm.HX_TOP_ADDR_W)]
    return sorted({a for a in out if not _mapped(a)})


@cocotb.test()
async def test_regs_unmapped(dut: object) -> None:
    """Reads and writes of unmapped and aliased addresses (also at a byte offset) answer SLVERR
    (reads with data 0), each counted once as BAD_REG_ADDR, and change no register."""
    tb = await _setup(dut)
    img = await _image(tb)
    exp = dict(img)
    master = tb.axil.master
    for a in _unmapped():
        n = WORD - a % WORD  # one beat: the unaligned address itself goes out on ARADDR/AWADDR
        rd = await master.read(a, n)
        assert int(rd.resp) == rm.SLVERR, f"read {a:#05x}: resp {int(rd.resp)}, expected SLVERR"
        assert not any(rd.data), f"read {a:#05x}: data {bytes(rd.data).hex()}, expected 0"
        wr = await master.write(a, bytes(range(1, n + 1)))
        assert int(wr.resp) == rm.SLVERR, f"write {a:#05x}: resp {int(wr.resp)}, expected SLVERR"
        exp = _refused(_refused(exp, rm.BAD_REG_ADDR), rm.BAD_REG_ADDR)
        count = await tb.axil.read_ok(rm.ERROR_COUNT)
        assert count == exp[rm.ERROR_COUNT], \
            f"{a:#05x}: ERROR_COUNT {count}, expected {exp[rm.ERROR_COUNT]}"
    await _expect(tb, exp, "after the unmapped accesses")
