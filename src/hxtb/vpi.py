"""Direct VPI access to wide vectors, for the bridge's two wake-ups per VMM.

cocotb reads and writes a vector through its binary string (``vpiBinStrVal``): Verilator builds
and parses that string one bit at a time, and cocotb wraps it in a ``LogicArray``. For the
bridge's wide signals (a 6144-bit event-recorder page, the 2048-bit crossing codes, 1536-bit SRAM
rows, the 768-bit DAC offsets) that is 3-33 us per access, measured inside the simulator. This
module calls the simulator's own VPI functions (IEEE 1800-2017 section 38: ``vpi_handle_by_name``,
``vpi_handle_by_index``, ``vpi_get_value`` / ``vpi_put_value`` with ``vpiVectorVal``) through
ctypes: one call per access, 32 bits per word, no strings.

It works in any simulator process that exports the VPI functions to the modules it loads
(Verilator's executable and Icarus' vvp do, because cocotb's VPI library needs them). Outside a
simulator, or when the knob ``HX_FAST_VPI=0`` asks for it, ``VpiAccess.open()`` returns None and
the bridge uses cocotb's handles instead (the same values; tests/test_cosim.py runs both).

Values: X and Z bits (``bval`` set) read as 0, as the bridge's cocotb path reads them (in Icarus
only the unused slots of a partly filled event-recorder page hold X).

Writes: ``write_words(..., inertial=True)`` is what cocotb does for a deposit under Verilator with
trusted inertial writes (``vpi_put_value`` with ``vpiInertialDelay`` at time 0): the value is
applied after the current evaluation. ``inertial=False`` writes at once (``vpiNoDelay``).
"""

from __future__ import annotations

import ctypes
from typing import Any

import numpy as np
import numpy.typing as npt

# IEEE 1800-2017 Annex M (vpi_user.h) constants
VPI_VECTOR_VAL = 9
VPI_INT_VAL = 6
VPI_NO_DELAY = 1
VPI_INERTIAL_DELAY = 2
VPI_SIM_TIME = 2
VPI_SIZE = 4

U32 = npt.NDArray[np.uint32]


class _VecVal(ctypes.Structure):
    _fields_ = [("aval", ctypes.c_uint32), ("bval", ctypes.c_uint32)]


class _Time(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int32), ("high", ctypes.c_uint32), ("low", ctypes.c_uint32),
                ("real", ctypes.c_double)]


class _ValueUnion(ctypes.Union):
    _fields_ = [("str", ctypes.c_char_p), ("integer", ctypes.c_int32),
                ("real", ctypes.c_double), ("vector", ctypes.c_void_p),
                ("misc", ctypes.c_void_p)]


class _Value(ctypes.Structure):
    _fields_ = [("format", ctypes.c_int32), ("value", _ValueUnion)]


class VpiError(RuntimeError):
    """A signal the bridge needs is not reachable through VPI."""


class Vector:
    """One vector signal: its VPI handle, width and a word buffer for reads."""

    def __init__(self, vpi: VpiAccess, handle: int, name: str) -> None:
        self._vpi = vpi
        self.handle = ctypes.c_void_p(handle)
        self.name = name
        self.bits = int(vpi._get(VPI_SIZE, self.handle))
        if self.bits <= 0:
            raise VpiError(f"VPI: {name} has no size")
        self.words = (self.bits + 31) // 32
        self._pairs = np.zeros((self.words, 2), dtype=np.uint32)  # aval, bval per word
        self._pairs_ptr = self._pairs.ctypes.data
        self._aval = np.zeros(self.words, dtype=np.uint32)
        self._value = _Value(VPI_VECTOR_VAL)
        self._value_ref = ctypes.byref(self._value)
        self._nbytes = self.words * ctypes.sizeof(_VecVal)
        self._small = (_VecVal * 2)()  # reads of up to 64 bits
        self._small_ptr = ctypes.addressof(self._small)
        self._out = (_VecVal * self.words)()
        self._out_pairs = np.frombuffer(memoryview(self._out).cast("B"), dtype=np.uint32).reshape(
            self.words, 2)
        self._put = _Value(VPI_VECTOR_VAL)
        self._put.value.vector = ctypes.addressof(self._out)
        self._put_ref = ctypes.byref(self._put)

    def read(self) -> U32:
        """The value as ``words`` 32-bit words, least significant first (bit i of the signal is
        bit i % 32 of word i // 32); X/Z bits read as 0. The returned array is reused by the next
        read: copy it to keep it."""
        ptr = self._get()
        ctypes.memmove(self._pairs_ptr, ptr, self._nbytes)
        a, b = self._aval, self._pairs[:, 1]
        np.copyto(a, self._pairs[:, 0])
        if np.count_nonzero(b):  # (cheaper than b.any(): no ufunc reduction)
            a &= ~b
        return a

    def _get(self) -> int:
        """vpi_get_value in vector format; the address of the simulator's word pairs."""
        self._value.format = VPI_VECTOR_VAL
        self._vpi._get_value(self.handle, self._value_ref)
        ptr = self._value.value.vector
        if not ptr:
            raise VpiError(f"VPI: no vector value for {self.name}")
        return int(ptr)

    def read_int(self) -> int:
        """The value as an unsigned int (X/Z read as 0)."""
        if self.words <= 2:
            ctypes.memmove(self._small_ptr, self._get(), 8 * self.words)
            lo = self._small[0]
            value = lo.aval & ~lo.bval
            if self.words == 2:
                hi = self._small[1]
                value |= (hi.aval & ~hi.bval) << 32
            return int(value)
        return int.from_bytes(self.read().tobytes(), "little")

    def write_int(self, value: int, inertial: bool = True) -> None:
        """Write the unsigned int ``value`` (at most ``bits`` bits; ValueError otherwise)."""
        if value < 0 or value >> self.bits:
            raise ValueError(f"VPI write of {self.name}: {value} does not fit {self.bits} bits")
        if self.words == 1:
            out = self._out[0]
            out.aval = value
            out.bval = 0
            self._vpi._put_value(self.handle, self._put_ref, self._vpi._t0_ref,
                                 VPI_INERTIAL_DELAY if inertial else VPI_NO_DELAY)
            return
        self.write(np.frombuffer(value.to_bytes(4 * self.words, "little"), dtype="<u4"),
                   inertial)

    def has_xz(self) -> bool:
        """Whether the value read last (``read``/``read_int``) had X or Z bits."""
        if self.words <= 2:
            return any(self._small[i].bval for i in range(min(self.words, 2)))
        return bool(np.count_nonzero(self._pairs[:, 1]))

    def write(self, words: U32, inertial: bool) -> None:
        """Write ``words`` (``self.words`` uint32, least significant first); bits above the
        signal's width must be 0."""
        w = np.ascontiguousarray(words, dtype=np.uint32)
        if w.shape != (self.words,):
            raise ValueError(f"VPI write of {self.name}: {w.shape} words, expected "
                             f"({self.words},)")
        self._out_pairs[:, 0] = w
        self._out_pairs[:, 1] = 0
        self._vpi._put_value(self.handle, self._put_ref, self._vpi._t0_ref,
                             VPI_INERTIAL_DELAY if inertial else VPI_NO_DELAY)


class VpiAccess:
    """The simulator's VPI entry points, found in the running process."""

    def __init__(self, lib: Any) -> None:
        self._by_name = lib.vpi_handle_by_name
        self._by_name.restype = ctypes.c_void_p
        self._by_name.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
        self._by_index = lib.vpi_handle_by_index
        self._by_index.restype = ctypes.c_void_p
        self._by_index.argtypes = [ctypes.c_void_p, ctypes.c_int32]
        self._get = lib.vpi_get
        self._get.restype = ctypes.c_int32
        self._get.argtypes = [ctypes.c_int32, ctypes.c_void_p]
        self._get_value = lib.vpi_get_value
        self._get_value.restype = None
        self._get_value.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
        self._put_value = lib.vpi_put_value
        self._put_value.restype = ctypes.c_void_p
        self._put_value.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p,
                                    ctypes.c_int32]
        self._t0 = _Time(VPI_SIM_TIME, 0, 0, 0.0)
        self._t0_ref = ctypes.byref(self._t0)

    @classmethod
    def open(cls, enabled: bool = True) -> VpiAccess | None:
        """The VPI of this process, or None when ``enabled`` is False or the process exports no
        VPI functions (not inside a simulator)."""
        if not enabled:
            return None
        try:
            lib = ctypes.CDLL(None)
            lib.vpi_get_value  # noqa: B018 (probe: AttributeError when not exported)
            lib.vpi_put_value  # noqa: B018
            lib.vpi_handle_by_name  # noqa: B018
            lib.vpi_handle_by_index  # noqa: B018
            lib.vpi_get  # noqa: B018
        except (OSError, AttributeError):
            return None
        return cls(lib)

    def vector(self, name: str) -> Vector:
        """The vector signal of full hierarchical name ``name`` (as cocotb's ``handle._path``)."""
        h = self._by_name(name.encode(), None)
        if not h:
            raise VpiError(f"VPI: no signal {name!r}")
        return Vector(self, h, name)

    def element(self, array_name: str, index: int) -> Vector:
        """Element ``index`` of the unpacked array of full name ``array_name``."""
        arr = self._by_name(array_name.encode(), None)
        if not arr:
            raise VpiError(f"VPI: no array {array_name!r}")
        h = self._by_index(arr, index)
        if not h:
            raise VpiError(f"VPI: no element {index} of {array_name!r}")
        return Vector(self, h, f"{array_name}[{index}]")


class Port:
    """One signal as the bus drivers use it: ``get()`` its value as an unsigned int, ``set()``
    a deposit, ``get_defined(what)`` the value or ``RuntimeError`` naming ``what`` when a bit is
    X or Z. ``port(handle, vpi)`` gives the direct-VPI port (Verilator: its writes are the
    inertial puts cocotb does there) or one on cocotb's handle (any simulator)."""

    def get(self) -> int:
        raise NotImplementedError

    def set(self, value: int) -> None:
        raise NotImplementedError

    def get_defined(self, what: str) -> int:
        raise NotImplementedError


class _CocotbPort(Port):
    def __init__(self, handle: Any) -> None:
        self.h = handle
        self._wide = len(handle) > 1

    def get(self) -> int:
        v = self.h.value
        return int(v.to_unsigned()) if self._wide else int(v)

    def set(self, value: int) -> None:
        self.h.value = value

    def get_defined(self, what: str) -> int:
        try:
            return self.get()
        except ValueError:
            raise RuntimeError(f"{what} has X/Z bits (undefined state in the DUT)") from None


class _VpiPort(Port):
    def __init__(self, vec: Vector) -> None:
        self.v = vec

    def get(self) -> int:
        return self.v.read_int()

    def set(self, value: int) -> None:
        self.v.write_int(value, inertial=True)

    def get_defined(self, what: str) -> int:
        value = self.v.read_int()
        if self.v.has_xz():
            raise RuntimeError(f"{what} has X/Z bits (undefined state in the DUT)")
        return value


class _SimObjPort(Port):
    """A signal of at most 32 bits through cocotb's simulator object (``handle._handle``, the C
    extension under cocotb's handle layer): the same GPI calls cocotb's ``handle.value = v``
    ends in under Verilator with trusted inertial writes (a deposit: ``vpi_put_value`` with
    ``vpiInertialDelay``), without its Python layers; a C method call is about 5x cheaper than a
    ctypes call (callgrind: ~7,700 instructions per ctypes call into the VPI)."""

    def __init__(self, sim: Any, bits: int, name: str) -> None:
        self._set = sim.set_signal_val_int
        self._get = sim.get_signal_val_long
        self._mask = (1 << bits) - 1
        self.name = name
        self.bits = bits

    def get(self) -> int:
        return int(self._get()) & self._mask  # (a 32-bit value may come back negative)

    def set(self, value: int) -> None:
        """Deposit ``value`` (0 .. 2**bits - 1; ValueError otherwise, as cocotb's handle and the
        direct-VPI port refuse it: the simulator would keep only the low bits)."""
        if not 0 <= value <= self._mask:
            raise ValueError(f"write of {self.name}: {value} does not fit {self.bits} bits")
        self._set(_DEPOSIT, value)

    def get_defined(self, what: str) -> int:
        return self.get()  # (Verilator only: two-state, no X/Z)


# cocotb's GPI action for a deposit (cocotb.handle._GPISetAction.DEPOSIT)
_DEPOSIT = 0


def port(handle: Any, vpi: VpiAccess | None) -> Port:
    """``handle`` (a cocotb signal handle) as a ``Port``: through ``vpi`` when given (signals of
    up to 32 bits through cocotb's simulator object, wider ones through the VPI directly)."""
    if vpi is None:
        return _CocotbPort(handle)
    sim = getattr(handle, "_handle", None)
    if len(handle) <= 32 and hasattr(sim, "set_signal_val_int"):
        return _SimObjPort(sim, len(handle), handle._path)
    return _VpiPort(vpi.vector(handle._path))
