"""The register contract of hx_top (generated from data/hx_top.rdl by `make regs`; do not edit).

Import it through :mod:`hxsim.regmap`, which adds the lane-packing helpers.
"""

from __future__ import annotations

from enum import IntEnum

from hxsim.regtypes import Field, Register, Vector, Window

__all__ = [
    "BAD_REG_ADDR",
    "BAD_REG_VALUE",
    "BAD_VEC_ADDR",
    "CAPMEM_CADC_I_RAMP_SLOPE_Q0",
    "CAPMEM_CADC_I_RAMP_SLOPE_Q0_LSB",
    "CAPMEM_CADC_I_RAMP_SLOPE_Q0_MASK",
    "CAPMEM_CADC_I_RAMP_SLOPE_Q0_MAX",
    "CAPMEM_CADC_I_RAMP_SLOPE_Q0_MIN",
    "CAPMEM_CADC_I_RAMP_SLOPE_Q0_RESVAL",
    "CAPMEM_CADC_I_RAMP_SLOPE_Q0_WIDTH",
    "CAPMEM_CADC_I_RAMP_SLOPE_Q1",
    "CAPMEM_CADC_I_RAMP_SLOPE_Q1_LSB",
    "CAPMEM_CADC_I_RAMP_SLOPE_Q1_MASK",
    "CAPMEM_CADC_I_RAMP_SLOPE_Q1_MAX",
    "CAPMEM_CADC_I_RAMP_SLOPE_Q1_MIN",
    "CAPMEM_CADC_I_RAMP_SLOPE_Q1_RESVAL",
    "CAPMEM_CADC_I_RAMP_SLOPE_Q1_WIDTH",
    "CAPMEM_CADC_V_RAMP_OFFSET_Q0",
    "CAPMEM_CADC_V_RAMP_OFFSET_Q0_LSB",
    "CAPMEM_CADC_V_RAMP_OFFSET_Q0_MASK",
    "CAPMEM_CADC_V_RAMP_OFFSET_Q0_MAX",
    "CAPMEM_CADC_V_RAMP_OFFSET_Q0_MIN",
    "CAPMEM_CADC_V_RAMP_OFFSET_Q0_RESVAL",
    "CAPMEM_CADC_V_RAMP_OFFSET_Q0_WIDTH",
    "CAPMEM_CADC_V_RAMP_OFFSET_Q1",
    "CAPMEM_CADC_V_RAMP_OFFSET_Q1_LSB",
    "CAPMEM_CADC_V_RAMP_OFFSET_Q1_MASK",
    "CAPMEM_CADC_V_RAMP_OFFSET_Q1_MAX",
    "CAPMEM_CADC_V_RAMP_OFFSET_Q1_MIN",
    "CAPMEM_CADC_V_RAMP_OFFSET_Q1_RESVAL",
    "CAPMEM_CADC_V_RAMP_OFFSET_Q1_WIDTH",
    "CAPMEM_COLUMN_WINDOWS",
    "CAPMEM_HAGEN_IBIAS_DAC_Q0",
    "CAPMEM_HAGEN_IBIAS_DAC_Q0_LSB",
    "CAPMEM_HAGEN_IBIAS_DAC_Q0_MASK",
    "CAPMEM_HAGEN_IBIAS_DAC_Q0_MAX",
    "CAPMEM_HAGEN_IBIAS_DAC_Q0_MIN",
    "CAPMEM_HAGEN_IBIAS_DAC_Q0_RESVAL",
    "CAPMEM_HAGEN_IBIAS_DAC_Q0_WIDTH",
    "CAPMEM_HAGEN_IBIAS_DAC_Q1",
    "CAPMEM_HAGEN_IBIAS_DAC_Q1_LSB",
    "CAPMEM_HAGEN_IBIAS_DAC_Q1_MASK",
    "CAPMEM_HAGEN_IBIAS_DAC_Q1_MAX",
    "CAPMEM_HAGEN_IBIAS_DAC_Q1_MIN",
    "CAPMEM_HAGEN_IBIAS_DAC_Q1_RESVAL",
    "CAPMEM_HAGEN_IBIAS_DAC_Q1_WIDTH",
    "CAPMEM_I_BIAS_LEAK",
    "CAPMEM_I_BIAS_LEAK_COUNT",
    "CAPMEM_I_BIAS_LEAK_MASK",
    "CAPMEM_I_BIAS_LEAK_MAX",
    "CAPMEM_I_BIAS_LEAK_MIN",
    "CAPMEM_I_BIAS_LEAK_RESVAL",
    "CAPMEM_I_BIAS_LEAK_WIDTH",
    "CAPMEM_I_BIAS_SYNIN_GM",
    "CAPMEM_I_BIAS_SYNIN_GM_COUNT",
    "CAPMEM_I_BIAS_SYNIN_GM_MASK",
    "CAPMEM_I_BIAS_SYNIN_GM_MAX",
    "CAPMEM_I_BIAS_SYNIN_GM_MIN",
    "CAPMEM_I_BIAS_SYNIN_GM_RESVAL",
    "CAPMEM_I_BIAS_SYNIN_GM_WIDTH",
    "CAPMEM_QUADRANT_REGS",
    "CAPMEM_RESETS",
    "CAPMEM_STP_I_RAMP_Q0",
    "CAPMEM_STP_I_RAMP_Q0_LSB",
    "CAPMEM_STP_I_RAMP_Q0_MASK",
    "CAPMEM_STP_I_RAMP_Q0_MAX",
    "CAPMEM_STP_I_RAMP_Q0_MIN",
    "CAPMEM_STP_I_RAMP_Q0_RESVAL",
    "CAPMEM_STP_I_RAMP_Q0_WIDTH",
    "CAPMEM_STP_I_RAMP_Q1",
    "CAPMEM_STP_I_RAMP_Q1_LSB",
    "CAPMEM_STP_I_RAMP_Q1_MASK",
    "CAPMEM_STP_I_RAMP_Q1_MAX",
    "CAPMEM_STP_I_RAMP_Q1_MIN",
    "CAPMEM_STP_I_RAMP_Q1_RESVAL",
    "CAPMEM_STP_I_RAMP_Q1_WIDTH",
    "CAPMEM_SYN_I_BIAS_DAC_Q0",
    "CAPMEM_SYN_I_BIAS_DAC_Q0_LSB",
    "CAPMEM_SYN_I_BIAS_DAC_Q0_MASK",
    "CAPMEM_SYN_I_BIAS_DAC_Q0_MAX",
    "CAPMEM_SYN_I_BIAS_DAC_Q0_MIN",
    "CAPMEM_SYN_I_BIAS_DAC_Q0_RESVAL",
    "CAPMEM_SYN_I_BIAS_DAC_Q0_WIDTH",
    "CAPMEM_SYN_I_BIAS_DAC_Q1",
    "CAPMEM_SYN_I_BIAS_DAC_Q1_LSB",
    "CAPMEM_SYN_I_BIAS_DAC_Q1_MASK",
    "CAPMEM_SYN_I_BIAS_DAC_Q1_MAX",
    "CAPMEM_SYN_I_BIAS_DAC_Q1_MIN",
    "CAPMEM_SYN_I_BIAS_DAC_Q1_RESVAL",
    "CAPMEM_SYN_I_BIAS_DAC_Q1_WIDTH",
    "CTRL",
    "CTRL_ABORT",
    "CTRL_ABORT_LSB",
    "CTRL_ABORT_WIDTH",
    "CTRL_ERR_CLEAR",
    "CTRL_ERR_CLEAR_LSB",
    "CTRL_ERR_CLEAR_WIDTH",
    "CTRL_RESVAL",
    "CTRL_SOFT_RESET",
    "CTRL_SOFT_RESET_LSB",
    "CTRL_SOFT_RESET_WIDTH",
    "CTRL_START",
    "CTRL_START_LSB",
    "CTRL_START_WIDTH",
    "CYCLES_LAST",
    "CYCLES_LAST_LSB",
    "CYCLES_LAST_MASK",
    "CYCLES_LAST_RESVAL",
    "CYCLES_LAST_WIDTH",
    "ERROR_COUNT",
    "ERROR_COUNT_LSB",
    "ERROR_COUNT_MASK",
    "ERROR_COUNT_RESVAL",
    "ERROR_COUNT_WIDTH",
    "EVENTS_LAST",
    "EVENTS_LAST_LSB",
    "EVENTS_LAST_MASK",
    "EVENTS_LAST_RESVAL",
    "EVENTS_LAST_WIDTH",
    "Err",
    "Field",
    "HX_TOP_ADDR_W",
    "HX_TOP_DATA_W",
    "HX_VPORT_ADDR_W",
    "HX_VPORT_LANES",
    "ID",
    "ID_LSB",
    "ID_MASK",
    "ID_RESVAL",
    "ID_WIDTH",
    "INPUT_RANGE",
    "IRQ_ENABLE",
    "IRQ_ENABLE_DONE",
    "IRQ_ENABLE_DONE_LSB",
    "IRQ_ENABLE_DONE_WIDTH",
    "IRQ_ENABLE_ERROR",
    "IRQ_ENABLE_ERROR_LSB",
    "IRQ_ENABLE_ERROR_WIDTH",
    "IRQ_ENABLE_RESVAL",
    "IRQ_STATUS",
    "IRQ_STATUS_DONE",
    "IRQ_STATUS_DONE_LSB",
    "IRQ_STATUS_DONE_WIDTH",
    "IRQ_STATUS_ERROR",
    "IRQ_STATUS_ERROR_LSB",
    "IRQ_STATUS_ERROR_WIDTH",
    "IRQ_STATUS_RESVAL",
    "MAPPED_REGS",
    "NO_RESULT",
    "NUM_SENDS",
    "NUM_SENDS_LSB",
    "NUM_SENDS_MASK",
    "NUM_SENDS_MAX",
    "NUM_SENDS_MIN",
    "NUM_SENDS_RESVAL",
    "NUM_SENDS_WIDTH",
    "Phase",
    "READ_WHILE_BUSY",
    "REGISTERS",
    "RO_REGS",
    "RW_REGS",
    "Register",
    "START_WHILE_BUSY",
    "STATUS",
    "STATUS_BUSY",
    "STATUS_BUSY_LSB",
    "STATUS_BUSY_WIDTH",
    "STATUS_DONE",
    "STATUS_DONE_LSB",
    "STATUS_DONE_WIDTH",
    "STATUS_ERROR",
    "STATUS_ERROR_LSB",
    "STATUS_ERROR_WIDTH",
    "STATUS_ERR_CODE_LSB",
    "STATUS_ERR_CODE_MASK",
    "STATUS_ERR_CODE_WIDTH",
    "STATUS_PHASE_LSB",
    "STATUS_PHASE_MASK",
    "STATUS_PHASE_WIDTH",
    "STATUS_RESVAL",
    "TIMING_RANGES",
    "TIMING_REGS",
    "TIMING_RESETS",
    "T_ADC_DEAD_TIME",
    "T_ADC_DEAD_TIME_LSB",
    "T_ADC_DEAD_TIME_MASK",
    "T_ADC_DEAD_TIME_MAX",
    "T_ADC_DEAD_TIME_MIN",
    "T_ADC_DEAD_TIME_RESVAL",
    "T_ADC_DEAD_TIME_WIDTH",
    "T_ADC_RESET_WAIT",
    "T_ADC_RESET_WAIT_LSB",
    "T_ADC_RESET_WAIT_MASK",
    "T_ADC_RESET_WAIT_MAX",
    "T_ADC_RESET_WAIT_MIN",
    "T_ADC_RESET_WAIT_RESVAL",
    "T_ADC_RESET_WAIT_WIDTH",
    "T_ADC_STEP",
    "T_ADC_STEP_LSB",
    "T_ADC_STEP_MASK",
    "T_ADC_STEP_MAX",
    "T_ADC_STEP_MIN",
    "T_ADC_STEP_RESVAL",
    "T_ADC_STEP_WIDTH",
    "T_EVENT_WAIT",
    "T_EVENT_WAIT_LSB",
    "T_EVENT_WAIT_MASK",
    "T_EVENT_WAIT_MAX",
    "T_EVENT_WAIT_MIN",
    "T_EVENT_WAIT_RESVAL",
    "T_EVENT_WAIT_WIDTH",
    "T_RESET",
    "T_RESET_LSB",
    "T_RESET_MASK",
    "T_RESET_MAX",
    "T_RESET_MIN",
    "T_RESET_RESVAL",
    "T_RESET_WIDTH",
    "T_SETTLE",
    "T_SETTLE_LSB",
    "T_SETTLE_MASK",
    "T_SETTLE_MAX",
    "T_SETTLE_MIN",
    "T_SETTLE_RESVAL",
    "T_SETTLE_WIDTH",
    "VA_BASELINE",
    "VA_BASELINE_RESVAL",
    "VA_COL_OFFSET",
    "VA_COL_OFFSET_RESVAL",
    "VA_DAC",
    "VA_DAC_MAX",
    "VA_DAC_MIN",
    "VA_DAC_RESVAL",
    "VA_INPUT",
    "VA_INPUT_MAX",
    "VA_INPUT_MIN",
    "VA_INPUT_RESVAL",
    "VA_RAW_RESULT",
    "VA_RAW_RESULT_RESVAL",
    "VA_RESULT",
    "VA_RESULT_RESVAL",
    "VA_SYN",
    "VA_SYN_MAX",
    "VA_SYN_MIN",
    "VECTORS",
    "VERSION",
    "VERSION_MAJOR_LSB",
    "VERSION_MAJOR_MASK",
    "VERSION_MAJOR_WIDTH",
    "VERSION_MINOR_LSB",
    "VERSION_MINOR_MASK",
    "VERSION_MINOR_WIDTH",
    "VERSION_RESVAL",
    "VMM_COUNT",
    "VMM_COUNT_LSB",
    "VMM_COUNT_MASK",
    "VMM_COUNT_RESVAL",
    "VMM_COUNT_WIDTH",
    "Vector",
    "W1C_REGS",
    "WEIGHT_RANGE",
    "WINDOWS",
    "WO_REGS",
    "WRITE_WHILE_BUSY",
    "Window",
]


# ---- address spaces
HX_TOP_ADDR_W = 12
HX_TOP_DATA_W = 32
HX_VPORT_ADDR_W = 16
HX_VPORT_LANES = 128

# ---- AXI4-Lite register byte addresses
ID = 0x000  # RO
VERSION = 0x004  # RO
CTRL = 0x008  # WO
STATUS = 0x00C  # RO
IRQ_STATUS = 0x010  # W1C
IRQ_ENABLE = 0x014  # RW
T_RESET = 0x020  # RW
T_SETTLE = 0x024  # RW
T_EVENT_WAIT = 0x028  # RW
NUM_SENDS = 0x02C  # RW
T_ADC_RESET_WAIT = 0x030  # RW
T_ADC_STEP = 0x034  # RW
T_ADC_DEAD_TIME = 0x038  # RW
CYCLES_LAST = 0x040  # RO
VMM_COUNT = 0x044  # RO
ERROR_COUNT = 0x048  # RO
EVENTS_LAST = 0x04C  # RO
CAPMEM_SYN_I_BIAS_DAC_Q0 = 0x080  # RW
CAPMEM_SYN_I_BIAS_DAC_Q1 = 0x084  # RW
CAPMEM_STP_I_RAMP_Q0 = 0x088  # RW
CAPMEM_STP_I_RAMP_Q1 = 0x08C  # RW
CAPMEM_HAGEN_IBIAS_DAC_Q0 = 0x090  # RW
CAPMEM_HAGEN_IBIAS_DAC_Q1 = 0x094  # RW
CAPMEM_CADC_V_RAMP_OFFSET_Q0 = 0x098  # RW
CAPMEM_CADC_V_RAMP_OFFSET_Q1 = 0x09C  # RW
CAPMEM_CADC_I_RAMP_SLOPE_Q0 = 0x0A0  # RW
CAPMEM_CADC_I_RAMP_SLOPE_Q1 = 0x0A4  # RW

# ---- register reset values
ID_RESVAL = 0x48585641
VERSION_RESVAL = 0x10000
CTRL_RESVAL = 0
STATUS_RESVAL = 0
IRQ_STATUS_RESVAL = 0
IRQ_ENABLE_RESVAL = 0
T_RESET_RESVAL = 0x1F4
T_SETTLE_RESVAL = 125
T_EVENT_WAIT_RESVAL = 5
NUM_SENDS_RESVAL = 1
T_ADC_RESET_WAIT_RESVAL = 100
T_ADC_STEP_RESVAL = 1
T_ADC_DEAD_TIME_RESVAL = 20
CYCLES_LAST_RESVAL = 0
VMM_COUNT_RESVAL = 0
ERROR_COUNT_RESVAL = 0
EVENTS_LAST_RESVAL = 0
CAPMEM_SYN_I_BIAS_DAC_Q0_RESVAL = 0x320
CAPMEM_SYN_I_BIAS_DAC_Q1_RESVAL = 0x320
CAPMEM_STP_I_RAMP_Q0_RESVAL = 0x258
CAPMEM_STP_I_RAMP_Q1_RESVAL = 0x258
CAPMEM_HAGEN_IBIAS_DAC_Q0_RESVAL = 0x334
CAPMEM_HAGEN_IBIAS_DAC_Q1_RESVAL = 0x334
CAPMEM_CADC_V_RAMP_OFFSET_Q0_RESVAL = 0x190
CAPMEM_CADC_V_RAMP_OFFSET_Q1_RESVAL = 0x190
CAPMEM_CADC_I_RAMP_SLOPE_Q0_RESVAL = 0x15E
CAPMEM_CADC_I_RAMP_SLOPE_Q1_RESVAL = 0x15E

# ---- fields: position, width, mask (a 1-bit field's mask is REG_FIELD), range
ID_LSB = 0
ID_WIDTH = 32
ID_MASK = 0xFFFFFFFF
VERSION_MINOR_LSB = 0
VERSION_MINOR_WIDTH = 16
VERSION_MINOR_MASK = 0xFFFF
VERSION_MAJOR_LSB = 16
VERSION_MAJOR_WIDTH = 16
VERSION_MAJOR_MASK = 0xFFFF0000
CTRL_START_LSB = 0
CTRL_START_WIDTH = 1
CTRL_START = 1 << 0
CTRL_ABORT_LSB = 1
CTRL_ABORT_WIDTH = 1
CTRL_ABORT = 1 << 1
CTRL_SOFT_RESET_LSB = 2
CTRL_SOFT_RESET_WIDTH = 1
CTRL_SOFT_RESET = 1 << 2
CTRL_ERR_CLEAR_LSB = 3
CTRL_ERR_CLEAR_WIDTH = 1
CTRL_ERR_CLEAR = 1 << 3
STATUS_BUSY_LSB = 0
STATUS_BUSY_WIDTH = 1
STATUS_BUSY = 1 << 0
STATUS_DONE_LSB = 1
STATUS_DONE_WIDTH = 1
STATUS_DONE = 1 << 1
STATUS_ERROR_LSB = 2
STATUS_ERROR_WIDTH = 1
STATUS_ERROR = 1 << 2
STATUS_PHASE_LSB = 4
STATUS_PHASE_WIDTH = 3
STATUS_PHASE_MASK = 0x70
STATUS_ERR_CODE_LSB = 8
STATUS_ERR_CODE_WIDTH = 8
STATUS_ERR_CODE_MASK = 0xFF00
IRQ_STATUS_DONE_LSB = 0
IRQ_STATUS_DONE_WIDTH = 1
IRQ_STATUS_DONE = 1 << 0
IRQ_STATUS_ERROR_LSB = 1
IRQ_STATUS_ERROR_WIDTH = 1
IRQ_STATUS_ERROR = 1 << 1
IRQ_ENABLE_DONE_LSB = 0
IRQ_ENABLE_DONE_WIDTH = 1
IRQ_ENABLE_DONE = 1 << 0
IRQ_ENABLE_ERROR_LSB = 1
IRQ_ENABLE_ERROR_WIDTH = 1
IRQ_ENABLE_ERROR = 1 << 1
T_RESET_LSB = 0
T_RESET_WIDTH = 16
T_RESET_MASK = 0xFFFF
T_RESET_MIN = 0
T_RESET_MAX = 65535
T_SETTLE_LSB = 0
T_SETTLE_WIDTH = 16
T_SETTLE_MASK = 0xFFFF
T_SETTLE_MIN = 0
T_SETTLE_MAX = 65535
T_EVENT_WAIT_LSB = 0
T_EVENT_WAIT_WIDTH = 8
T_EVENT_WAIT_MASK = 0xFF
T_EVENT_WAIT_MIN = 1
T_EVENT_WAIT_MAX = 255
NUM_SENDS_LSB = 0
NUM_SENDS_WIDTH = 6
NUM_SENDS_MASK = 0x3F
NUM_SENDS_MIN = 1
NUM_SENDS_MAX = 63
T_ADC_RESET_WAIT_LSB = 0
T_ADC_RESET_WAIT_WIDTH = 8
T_ADC_RESET_WAIT_MASK = 0xFF
T_ADC_RESET_WAIT_MIN = 0
T_ADC_RESET_WAIT_MAX = 255
T_ADC_STEP_LSB = 0
T_ADC_STEP_WIDTH = 4
T_ADC_STEP_MASK = 0xF
T_ADC_STEP_MIN = 1
T_ADC_STEP_MAX = 15
T_ADC_DEAD_TIME_LSB = 0
T_ADC_DEAD_TIME_WIDTH = 8
T_ADC_DEAD_TIME_MASK = 0xFF
T_ADC_DEAD_TIME_MIN = 0
T_ADC_DEAD_TIME_MAX = 255
CYCLES_LAST_LSB = 0
CYCLES_LAST_WIDTH = 32
CYCLES_LAST_MASK = 0xFFFFFFFF
VMM_COUNT_LSB = 0
VMM_COUNT_WIDTH = 32
VMM_COUNT_MASK = 0xFFFFFFFF
ERROR_COUNT_LSB = 0
ERROR_COUNT_WIDTH = 32
ERROR_COUNT_MASK = 0xFFFFFFFF
EVENTS_LAST_LSB = 0
EVENTS_LAST_WIDTH = 32
EVENTS_LAST_MASK = 0xFFFFFFFF
CAPMEM_SYN_I_BIAS_DAC_Q0_LSB = 0
CAPMEM_SYN_I_BIAS_DAC_Q0_WIDTH = 10
CAPMEM_SYN_I_BIAS_DAC_Q0_MASK = 0x3FF
CAPMEM_SYN_I_BIAS_DAC_Q0_MIN = 0
CAPMEM_SYN_I_BIAS_DAC_Q0_MAX = 1022
CAPMEM_SYN_I_BIAS_DAC_Q1_LSB = 0
CAPMEM_SYN_I_BIAS_DAC_Q1_WIDTH = 10
CAPMEM_SYN_I_BIAS_DAC_Q1_MASK = 0x3FF
CAPMEM_SYN_I_BIAS_DAC_Q1_MIN = 0
CAPMEM_SYN_I_BIAS_DAC_Q1_MAX = 1022
CAPMEM_STP_I_RAMP_Q0_LSB = 0
CAPMEM_STP_I_RAMP_Q0_WIDTH = 10
CAPMEM_STP_I_RAMP_Q0_MASK = 0x3FF
CAPMEM_STP_I_RAMP_Q0_MIN = 0
CAPMEM_STP_I_RAMP_Q0_MAX = 1022
CAPMEM_STP_I_RAMP_Q1_LSB = 0
CAPMEM_STP_I_RAMP_Q1_WIDTH = 10
CAPMEM_STP_I_RAMP_Q1_MASK = 0x3FF
CAPMEM_STP_I_RAMP_Q1_MIN = 0
CAPMEM_STP_I_RAMP_Q1_MAX = 1022
CAPMEM_HAGEN_IBIAS_DAC_Q0_LSB = 0
CAPMEM_HAGEN_IBIAS_DAC_Q0_WIDTH = 10
CAPMEM_HAGEN_IBIAS_DAC_Q0_MASK = 0x3FF
CAPMEM_HAGEN_IBIAS_DAC_Q0_MIN = 0
CAPMEM_HAGEN_IBIAS_DAC_Q0_MAX = 1022
CAPMEM_HAGEN_IBIAS_DAC_Q1_LSB = 0
CAPMEM_HAGEN_IBIAS_DAC_Q1_WIDTH = 10
CAPMEM_HAGEN_IBIAS_DAC_Q1_MASK = 0x3FF
CAPMEM_HAGEN_IBIAS_DAC_Q1_MIN = 0
CAPMEM_HAGEN_IBIAS_DAC_Q1_MAX = 1022
CAPMEM_CADC_V_RAMP_OFFSET_Q0_LSB = 0
CAPMEM_CADC_V_RAMP_OFFSET_Q0_WIDTH = 10
CAPMEM_CADC_V_RAMP_OFFSET_Q0_MASK = 0x3FF
CAPMEM_CADC_V_RAMP_OFFSET_Q0_MIN = 0
CAPMEM_CADC_V_RAMP_OFFSET_Q0_MAX = 1022
CAPMEM_CADC_V_RAMP_OFFSET_Q1_LSB = 0
CAPMEM_CADC_V_RAMP_OFFSET_Q1_WIDTH = 10
CAPMEM_CADC_V_RAMP_OFFSET_Q1_MASK = 0x3FF
CAPMEM_CADC_V_RAMP_OFFSET_Q1_MIN = 0
CAPMEM_CADC_V_RAMP_OFFSET_Q1_MAX = 1022
CAPMEM_CADC_I_RAMP_SLOPE_Q0_LSB = 0
CAPMEM_CADC_I_RAMP_SLOPE_Q0_WIDTH = 10
CAPMEM_CADC_I_RAMP_SLOPE_Q0_MASK = 0x3FF
CAPMEM_CADC_I_RAMP_SLOPE_Q0_MIN = 0
CAPMEM_CADC_I_RAMP_SLOPE_Q0_MAX = 1022
CAPMEM_CADC_I_RAMP_SLOPE_Q1_LSB = 0
CAPMEM_CADC_I_RAMP_SLOPE_Q1_WIDTH = 10
CAPMEM_CADC_I_RAMP_SLOPE_Q1_MASK = 0x3FF
CAPMEM_CADC_I_RAMP_SLOPE_Q1_MIN = 0
CAPMEM_CADC_I_RAMP_SLOPE_Q1_MAX = 1022

# ---- register windows (CapMem column cells): word j at base + 4*j
CAPMEM_I_BIAS_SYNIN_GM = 0x800  # RW window
CAPMEM_I_BIAS_SYNIN_GM_COUNT = 256
CAPMEM_I_BIAS_SYNIN_GM_WIDTH = 10
CAPMEM_I_BIAS_SYNIN_GM_MASK = 0x3FF
CAPMEM_I_BIAS_SYNIN_GM_RESVAL = 450
CAPMEM_I_BIAS_SYNIN_GM_MIN = 0
CAPMEM_I_BIAS_SYNIN_GM_MAX = 1022
CAPMEM_I_BIAS_LEAK = 0xC00  # RW window
CAPMEM_I_BIAS_LEAK_COUNT = 256
CAPMEM_I_BIAS_LEAK_WIDTH = 10
CAPMEM_I_BIAS_LEAK_MASK = 0x3FF
CAPMEM_I_BIAS_LEAK_RESVAL = 0
CAPMEM_I_BIAS_LEAK_MIN = 0
CAPMEM_I_BIAS_LEAK_MAX = 1022

# ---- register groups (address order)
RO_REGS = (ID, VERSION, STATUS, CYCLES_LAST, VMM_COUNT, ERROR_COUNT, EVENTS_LAST)
WO_REGS = (CTRL,)
W1C_REGS = (IRQ_STATUS,)
#: readable and writable (RW and W1C)
RW_REGS = (
    IRQ_STATUS, IRQ_ENABLE, T_RESET, T_SETTLE, T_EVENT_WAIT, NUM_SENDS, T_ADC_RESET_WAIT,
    T_ADC_STEP, T_ADC_DEAD_TIME, CAPMEM_SYN_I_BIAS_DAC_Q0, CAPMEM_SYN_I_BIAS_DAC_Q1,
    CAPMEM_STP_I_RAMP_Q0, CAPMEM_STP_I_RAMP_Q1, CAPMEM_HAGEN_IBIAS_DAC_Q0,
    CAPMEM_HAGEN_IBIAS_DAC_Q1, CAPMEM_CADC_V_RAMP_OFFSET_Q0, CAPMEM_CADC_V_RAMP_OFFSET_Q1,
    CAPMEM_CADC_I_RAMP_SLOPE_Q0, CAPMEM_CADC_I_RAMP_SLOPE_Q1,
)
MAPPED_REGS = (*RO_REGS, *WO_REGS, *RW_REGS)

#: timing register address per hxsim.Timing field
TIMING_REGS: dict[str, int] = {
    "reset_cycles": T_RESET,
    "settle_cycles": T_SETTLE,
    "event_wait": T_EVENT_WAIT,
    "num_sends": NUM_SENDS,
    "adc_reset_wait": T_ADC_RESET_WAIT,
    "adc_step": T_ADC_STEP,
    "adc_dead_time": T_ADC_DEAD_TIME,
}
#: allowed values (lowest, highest) per hxsim.Timing field
TIMING_RANGES: dict[str, tuple[int, int]] = {
    "reset_cycles": (T_RESET_MIN, T_RESET_MAX),
    "settle_cycles": (T_SETTLE_MIN, T_SETTLE_MAX),
    "event_wait": (T_EVENT_WAIT_MIN, T_EVENT_WAIT_MAX),
    "num_sends": (NUM_SENDS_MIN, NUM_SENDS_MAX),
    "adc_reset_wait": (T_ADC_RESET_WAIT_MIN, T_ADC_RESET_WAIT_MAX),
    "adc_step": (T_ADC_STEP_MIN, T_ADC_STEP_MAX),
    "adc_dead_time": (T_ADC_DEAD_TIME_MIN, T_ADC_DEAD_TIME_MAX),
}
#: reset value per hxsim.Timing field
TIMING_RESETS: dict[str, int] = {
    "reset_cycles": T_RESET_RESVAL,
    "settle_cycles": T_SETTLE_RESVAL,
    "event_wait": T_EVENT_WAIT_RESVAL,
    "num_sends": NUM_SENDS_RESVAL,
    "adc_reset_wait": T_ADC_RESET_WAIT_RESVAL,
    "adc_step": T_ADC_STEP_RESVAL,
    "adc_dead_time": T_ADC_DEAD_TIME_RESVAL,
}

#: CapMem quadrant cells: cell name -> register address per quadrant
CAPMEM_QUADRANT_REGS: dict[str, tuple[int, ...]] = {
    "syn_i_bias_dac": (CAPMEM_SYN_I_BIAS_DAC_Q0, CAPMEM_SYN_I_BIAS_DAC_Q1),
    "stp_i_ramp": (CAPMEM_STP_I_RAMP_Q0, CAPMEM_STP_I_RAMP_Q1),
    "hagen_ibias_dac": (CAPMEM_HAGEN_IBIAS_DAC_Q0, CAPMEM_HAGEN_IBIAS_DAC_Q1),
    "cadc_v_ramp_offset": (CAPMEM_CADC_V_RAMP_OFFSET_Q0, CAPMEM_CADC_V_RAMP_OFFSET_Q1),
    "cadc_i_ramp_slope": (CAPMEM_CADC_I_RAMP_SLOPE_Q0, CAPMEM_CADC_I_RAMP_SLOPE_Q1),
}
#: CapMem column cells: cell name -> window base address (column j at base + 4*j)
CAPMEM_COLUMN_WINDOWS: dict[str, int] = {
    "i_bias_synin_gm": CAPMEM_I_BIAS_SYNIN_GM,
    "i_bias_leak": CAPMEM_I_BIAS_LEAK,
}
#: reset value per CapMem cell
CAPMEM_RESETS: dict[str, int] = {
    "syn_i_bias_dac": CAPMEM_SYN_I_BIAS_DAC_Q0_RESVAL,
    "stp_i_ramp": CAPMEM_STP_I_RAMP_Q0_RESVAL,
    "hagen_ibias_dac": CAPMEM_HAGEN_IBIAS_DAC_Q0_RESVAL,
    "cadc_v_ramp_offset": CAPMEM_CADC_V_RAMP_OFFSET_Q0_RESVAL,
    "cadc_i_ramp_slope": CAPMEM_CADC_I_RAMP_SLOPE_Q0_RESVAL,
    "i_bias_synin_gm": CAPMEM_I_BIAS_SYNIN_GM_RESVAL,
    "i_bias_leak": CAPMEM_I_BIAS_LEAK_RESVAL,
}


class Phase(IntEnum):
    """data/hx_top.rdl enum hx_phase."""

    IDLE = 0  # no VMM running
    RESET = 1  # membrane reset
    BASELINE = 2  # baseline CADC conversion
    EVENTS = 3  # input events
    SETTLE = 4  # settling before the result conversion
    RESULT = 5  # result CADC conversion
    POST = 6  # result = sat(raw - baseline + offset)


class Err(IntEnum):
    """data/hx_top.rdl enum hx_err."""

    NONE = 0  # no error
    START_WHILE_BUSY = 1  # CTRL.START while busy
    WRITE_WHILE_BUSY = 2  # timing or CapMem register write, or vector store, while busy
    READ_WHILE_BUSY = 3  # vector load while busy
    INPUT_RANGE = 4  # input vector store with a lane > 31
    WEIGHT_RANGE = 5  # synapse row or DAC-offset store with a lane > 63
    BAD_VEC_ADDR = 6  # vector access to an unmapped address, or a store to a load-only address
    BAD_REG_VALUE = 7  # AXI write whose value (the register with the strobed bytes replaced) is out
    BAD_REG_ADDR = 8  # AXI access to an unmapped address or write to a read-only register
    NO_RESULT = 9  # load of a result/baseline/raw vector when no valid result is held


# ---- error codes (STATUS.ERR_CODE)
START_WHILE_BUSY = 1
WRITE_WHILE_BUSY = 2
READ_WHILE_BUSY = 3
INPUT_RANGE = 4
WEIGHT_RANGE = 5
BAD_VEC_ADDR = 6
BAD_REG_VALUE = 7
BAD_REG_ADDR = 8
NO_RESULT = 9

# ---- vector-port addresses (one address = one vector)
VA_SYN = 0x000  # store / load + 2*row + half
VA_INPUT = 0x200  # store / load
VA_RESULT = 0x210  # load + half
VA_BASELINE = 0x220  # load + half
VA_RAW_RESULT = 0x230  # load + half
VA_DAC = 0x240  # store / load
VA_COL_OFFSET = 0x250  # store / load + half
# lane values: reset, allowed on a store
VA_SYN_MIN = 0
VA_SYN_MAX = 63
VA_INPUT_RESVAL = 0
VA_INPUT_MIN = 0
VA_INPUT_MAX = 31
VA_RESULT_RESVAL = 0
VA_BASELINE_RESVAL = 0
VA_RAW_RESULT_RESVAL = 0
VA_DAC_RESVAL = 32
VA_DAC_MIN = 0
VA_DAC_MAX = 63
VA_COL_OFFSET_RESVAL = 0


#: every AXI4-Lite register, in address order
REGISTERS: tuple[Register, ...] = (
    Register(
        name="ID",
        addr=ID,
        access="RO",
        reset=ID_RESVAL,
        wmask=0x0,
        busy_refused=False,
        timing=None,
        desc="chip identification, \"HXVA\"",
        fields=(
            Field(name="VALUE", lsb=0, width=32, sw="r", reset=0x48585641),
        ),
    ),
    Register(
        name="VERSION",
        addr=VERSION,
        access="RO",
        reset=VERSION_RESVAL,
        wmask=0x0,
        busy_refused=False,
        timing=None,
        desc="contract version",
        fields=(
            Field(name="MINOR", lsb=0, width=16, sw="r", reset=0, desc="minor version"),
            Field(name="MAJOR", lsb=16, width=16, sw="r", reset=1, desc="major version"),
        ),
    ),
    Register(
        name="CTRL",
        addr=CTRL,
        access="WO",
        reset=CTRL_RESVAL,
        wmask=0xF,
        busy_refused=False,
        timing=None,
        desc="commands, write-1 pulses; SOFT_RESET beats ABORT beats START",
        fields=(
            Field(name="START", lsb=0, width=1, sw="w", reset=0, pulse=True, desc="start a VMM"),
            Field(
                name="ABORT",
                lsb=1,
                width=1,
                sw="w",
                reset=0,
                pulse=True,
                desc="stop a running VMM, no result",
            ),
            Field(
                name="SOFT_RESET",
                lsb=2,
                width=1,
                sw="w",
                reset=0,
                pulse=True,
                desc="abort, and clear DONE, ERROR, ERR_CODE, IRQ_STATUS and the counters",
            ),
            Field(
                name="ERR_CLEAR",
                lsb=3,
                width=1,
                sw="w",
                reset=0,
                pulse=True,
                desc="clear STATUS.ERROR and ERR_CODE",
            ),
        ),
    ),
    Register(
        name="STATUS",
        addr=STATUS,
        access="RO",
        reset=STATUS_RESVAL,
        wmask=0x0,
        busy_refused=False,
        timing=None,
        desc="chip state",
        fields=(
            Field(name="BUSY", lsb=0, width=1, sw="r", reset=0, desc="a VMM is running"),
            Field(name="DONE", lsb=1, width=1, sw="r", reset=0, desc="a valid result is held"),
            Field(
                name="ERROR",
                lsb=2,
                width=1,
                sw="r",
                reset=0,
                desc="an error was flagged (sticky)",
            ),
            Field(name="PHASE", lsb=4, width=3, sw="r", reset=0, desc="control FSM phase"),
            Field(name="ERR_CODE", lsb=8, width=8, sw="r", reset=0, desc="code of the last error"),
        ),
    ),
    Register(
        name="IRQ_STATUS",
        addr=IRQ_STATUS,
        access="W1C",
        reset=IRQ_STATUS_RESVAL,
        wmask=0x3,
        busy_refused=False,
        timing=None,
        desc="interrupt status; irq_o = |(IRQ_STATUS & IRQ_ENABLE)",
        fields=(
            Field(name="DONE", lsb=0, width=1, sw="rw", reset=0, w1c=True, desc="a VMM completed"),
            Field(
                name="ERROR",
                lsb=1,
                width=1,
                sw="rw",
                reset=0,
                w1c=True,
                desc="an error was flagged",
            ),
        ),
    ),
    Register(
        name="IRQ_ENABLE",
        addr=IRQ_ENABLE,
        access="RW",
        reset=IRQ_ENABLE_RESVAL,
        wmask=0x3,
        busy_refused=False,
        timing=None,
        desc="interrupt enable (kept by SOFT_RESET)",
        fields=(
            Field(name="DONE", lsb=0, width=1, sw="rw", reset=0, desc="DONE interrupt enabled"),
            Field(name="ERROR", lsb=1, width=1, sw="rw", reset=0, desc="ERROR interrupt enabled"),
        ),
    ),
    Register(
        name="T_RESET",
        addr=T_RESET,
        access="RW",
        reset=T_RESET_RESVAL,
        wmask=0xFFFF,
        busy_refused=True,
        timing="reset_cycles",
        desc="membrane reset phase",
        fields=(
            Field(
                name="VALUE",
                lsb=0,
                width=16,
                sw="rw",
                reset=0x1F4,
                lo=0,
                hi=0xFFFF,
                range_err="BAD_REG_VALUE",
            ),
        ),
    ),
    Register(
        name="T_SETTLE",
        addr=T_SETTLE,
        access="RW",
        reset=T_SETTLE_RESVAL,
        wmask=0xFFFF,
        busy_refused=True,
        timing="settle_cycles",
        desc="after the last event slot, before the result conversion",
        fields=(
            Field(
                name="VALUE",
                lsb=0,
                width=16,
                sw="rw",
                reset=125,
                lo=0,
                hi=0xFFFF,
                range_err="BAD_REG_VALUE",
            ),
        ),
    ),
    Register(
        name="T_EVENT_WAIT",
        addr=T_EVENT_WAIT,
        access="RW",
        reset=T_EVENT_WAIT_RESVAL,
        wmask=0xFF,
        busy_refused=True,
        timing="event_wait",
        desc="cycles per event slot (event spacing)",
        fields=(
            Field(
                name="VALUE",
                lsb=0,
                width=8,
                sw="rw",
                reset=5,
                lo=1,
                hi=255,
                range_err="BAD_REG_VALUE",
            ),
        ),
    ),
    Register(
        name="NUM_SENDS",
        addr=NUM_SENDS,
        access="RW",
        reset=NUM_SENDS_RESVAL,
        wmask=0x3F,
        busy_refused=True,
        timing="num_sends",
        desc="repetitions of the whole input vector",
        fields=(
            Field(
                name="VALUE",
                lsb=0,
                width=6,
                sw="rw",
                reset=1,
                lo=1,
                hi=63,
                range_err="BAD_REG_VALUE",
            ),
        ),
    ),
    Register(
        name="T_ADC_RESET_WAIT",
        addr=T_ADC_RESET_WAIT,
        access="RW",
        reset=T_ADC_RESET_WAIT_RESVAL,
        wmask=0xFF,
        busy_refused=True,
        timing="adc_reset_wait",
        desc="CADC ramp reset before the ramp starts",
        fields=(
            Field(
                name="VALUE",
                lsb=0,
                width=8,
                sw="rw",
                reset=100,
                lo=0,
                hi=255,
                range_err="BAD_REG_VALUE",
            ),
        ),
    ),
    Register(
        name="T_ADC_STEP",
        addr=T_ADC_STEP,
        access="RW",
        reset=T_ADC_STEP_RESVAL,
        wmask=0xF,
        busy_refused=True,
        timing="adc_step",
        desc="cycles per ramp step",
        fields=(
            Field(
                name="VALUE",
                lsb=0,
                width=4,
                sw="rw",
                reset=1,
                lo=1,
                hi=15,
                range_err="BAD_REG_VALUE",
            ),
        ),
    ),
    Register(
        name="T_ADC_DEAD_TIME",
        addr=T_ADC_DEAD_TIME,
        access="RW",
        reset=T_ADC_DEAD_TIME_RESVAL,
        wmask=0xFF,
        busy_refused=True,
        timing="adc_dead_time",
        desc="after the ramp, before the conversion ends",
        fields=(
            Field(
                name="VALUE",
                lsb=0,
                width=8,
                sw="rw",
                reset=20,
                lo=0,
                hi=255,
                range_err="BAD_REG_VALUE",
            ),
        ),
    ),
    Register(
        name="CYCLES_LAST",
        addr=CYCLES_LAST,
        access="RO",
        reset=CYCLES_LAST_RESVAL,
        wmask=0x0,
        busy_refused=False,
        timing=None,
        desc="cycles of the last completed VMM (T of section 2)",
        fields=(
            Field(name="VALUE", lsb=0, width=32, sw="r", reset=0),
        ),
    ),
    Register(
        name="VMM_COUNT",
        addr=VMM_COUNT,
        access="RO",
        reset=VMM_COUNT_RESVAL,
        wmask=0x0,
        busy_refused=False,
        timing=None,
        desc="VMMs completed (not aborted)",
        fields=(
            Field(name="VALUE", lsb=0, width=32, sw="r", reset=0),
        ),
    ),
    Register(
        name="ERROR_COUNT",
        addr=ERROR_COUNT,
        access="RO",
        reset=ERROR_COUNT_RESVAL,
        wmask=0x0,
        busy_refused=False,
        timing=None,
        desc="errors flagged",
        fields=(
            Field(name="VALUE", lsb=0, width=32, sw="r", reset=0),
        ),
    ),
    Register(
        name="EVENTS_LAST",
        addr=EVENTS_LAST,
        access="RO",
        reset=EVENTS_LAST_RESVAL,
        wmask=0x0,
        busy_refused=False,
        timing=None,
        desc="events emitted by the last completed VMM",
        fields=(
            Field(name="VALUE", lsb=0, width=32, sw="r", reset=0),
        ),
    ),
    Register(
        name="CAPMEM_SYN_I_BIAS_DAC_Q0",
        addr=CAPMEM_SYN_I_BIAS_DAC_Q0,
        access="RW",
        reset=CAPMEM_SYN_I_BIAS_DAC_Q0_RESVAL,
        wmask=0x3FF,
        busy_refused=True,
        timing=None,
        desc="synapse DAC bias (synaptic current per weight step), quadrant 0",
        capmem="syn_i_bias_dac",
        quadrant=0,
        fields=(
            Field(
                name="VALUE",
                lsb=0,
                width=10,
                sw="rw",
                reset=0x320,
                lo=0,
                hi=0x3FE,
                range_err="BAD_REG_VALUE",
            ),
        ),
    ),
    Register(
        name="CAPMEM_SYN_I_BIAS_DAC_Q1",
        addr=CAPMEM_SYN_I_BIAS_DAC_Q1,
        access="RW",
        reset=CAPMEM_SYN_I_BIAS_DAC_Q1_RESVAL,
        wmask=0x3FF,
        busy_refused=True,
        timing=None,
        desc="synapse DAC bias (synaptic current per weight step), quadrant 1",
        capmem="syn_i_bias_dac",
        quadrant=1,
        fields=(
            Field(
                name="VALUE",
                lsb=0,
                width=10,
                sw="rw",
                reset=0x320,
                lo=0,
                hi=0x3FE,
                range_err="BAD_REG_VALUE",
            ),
        ),
    ),
    Register(
        name="CAPMEM_STP_I_RAMP_Q0",
        addr=CAPMEM_STP_I_RAMP_Q0,
        access="RW",
        reset=CAPMEM_STP_I_RAMP_Q0_RESVAL,
        wmask=0x3FF,
        busy_refused=True,
        timing=None,
        desc="STP ramp current (driver pulse width), quadrant 0",
        capmem="stp_i_ramp",
        quadrant=0,
        fields=(
            Field(
                name="VALUE",
                lsb=0,
                width=10,
                sw="rw",
                reset=0x258,
                lo=0,
                hi=0x3FE,
                range_err="BAD_REG_VALUE",
            ),
        ),
    ),
    Register(
        name="CAPMEM_STP_I_RAMP_Q1",
        addr=CAPMEM_STP_I_RAMP_Q1,
        access="RW",
        reset=CAPMEM_STP_I_RAMP_Q1_RESVAL,
        wmask=0x3FF,
        busy_refused=True,
        timing=None,
        desc="STP ramp current (driver pulse width), quadrant 1",
        capmem="stp_i_ramp",
        quadrant=1,
        fields=(
            Field(
                name="VALUE",
                lsb=0,
                width=10,
                sw="rw",
                reset=0x258,
                lo=0,
                hi=0x3FE,
                range_err="BAD_REG_VALUE",
            ),
        ),
    ),
    Register(
        name="CAPMEM_HAGEN_IBIAS_DAC_Q0",
        addr=CAPMEM_HAGEN_IBIAS_DAC_Q0,
        access="RW",
        reset=CAPMEM_HAGEN_IBIAS_DAC_Q0_RESVAL,
        wmask=0x3FF,
        busy_refused=True,
        timing=None,
        desc="hagen-mode DAC bias (driver pulse width), quadrant 0",
        capmem="hagen_ibias_dac",
        quadrant=0,
        fields=(
            Field(
                name="VALUE",
                lsb=0,
                width=10,
                sw="rw",
                reset=0x334,
                lo=0,
                hi=0x3FE,
                range_err="BAD_REG_VALUE",
            ),
        ),
    ),
    Register(
        name="CAPMEM_HAGEN_IBIAS_DAC_Q1",
        addr=CAPMEM_HAGEN_IBIAS_DAC_Q1,
        access="RW",
        reset=CAPMEM_HAGEN_IBIAS_DAC_Q1_RESVAL,
        wmask=0x3FF,
        busy_refused=True,
        timing=None,
        desc="hagen-mode DAC bias (driver pulse width), quadrant 1",
        capmem="hagen_ibias_dac",
        quadrant=1,
        fields=(
            Field(
                name="VALUE",
                lsb=0,
                width=10,
                sw="rw",
                reset=0x334,
                lo=0,
                hi=0x3FE,
                range_err="BAD_REG_VALUE",
            ),
        ),
    ),
    Register(
        name="CAPMEM_CADC_V_RAMP_OFFSET_Q0",
        addr=CAPMEM_CADC_V_RAMP_OFFSET_Q0,
        access="RW",
        reset=CAPMEM_CADC_V_RAMP_OFFSET_Q0_RESVAL,
        wmask=0x3FF,
        busy_refused=True,
        timing=None,
        desc="CADC ramp start voltage, quadrant 0",
        capmem="cadc_v_ramp_offset",
        quadrant=0,
        fields=(
            Field(
                name="VALUE",
                lsb=0,
                width=10,
                sw="rw",
                reset=0x190,
                lo=0,
                hi=0x3FE,
                range_err="BAD_REG_VALUE",
            ),
        ),
    ),
    Register(
        name="CAPMEM_CADC_V_RAMP_OFFSET_Q1",
        addr=CAPMEM_CADC_V_RAMP_OFFSET_Q1,
        access="RW",
        reset=CAPMEM_CADC_V_RAMP_OFFSET_Q1_RESVAL,
        wmask=0x3FF,
        busy_refused=True,
        timing=None,
        desc="CADC ramp start voltage, quadrant 1",
        capmem="cadc_v_ramp_offset",
        quadrant=1,
        fields=(
            Field(
                name="VALUE",
                lsb=0,
                width=10,
                sw="rw",
                reset=0x190,
                lo=0,
                hi=0x3FE,
                range_err="BAD_REG_VALUE",
            ),
        ),
    ),
    Register(
        name="CAPMEM_CADC_I_RAMP_SLOPE_Q0",
        addr=CAPMEM_CADC_I_RAMP_SLOPE_Q0,
        access="RW",
        reset=CAPMEM_CADC_I_RAMP_SLOPE_Q0_RESVAL,
        wmask=0x3FF,
        busy_refused=True,
        timing=None,
        desc="CADC ramp slope current, quadrant 0",
        capmem="cadc_i_ramp_slope",
        quadrant=0,
        fields=(
            Field(
                name="VALUE",
                lsb=0,
                width=10,
                sw="rw",
                reset=0x15E,
                lo=0,
                hi=0x3FE,
                range_err="BAD_REG_VALUE",
            ),
        ),
    ),
    Register(
        name="CAPMEM_CADC_I_RAMP_SLOPE_Q1",
        addr=CAPMEM_CADC_I_RAMP_SLOPE_Q1,
        access="RW",
        reset=CAPMEM_CADC_I_RAMP_SLOPE_Q1_RESVAL,
        wmask=0x3FF,
        busy_refused=True,
        timing=None,
        desc="CADC ramp slope current, quadrant 1",
        capmem="cadc_i_ramp_slope",
        quadrant=1,
        fields=(
            Field(
                name="VALUE",
                lsb=0,
                width=10,
                sw="rw",
                reset=0x15E,
                lo=0,
                hi=0x3FE,
                range_err="BAD_REG_VALUE",
            ),
        ),
    ),
)
#: every register window (register array), in address order
WINDOWS: tuple[Window, ...] = (
    Window(
        name="CAPMEM_I_BIAS_SYNIN_GM",
        addr=CAPMEM_I_BIAS_SYNIN_GM,
        count=CAPMEM_I_BIAS_SYNIN_GM_COUNT,
        stride=4,
        busy_refused=True,
        capmem="i_bias_synin_gm",
        desc="synaptic-input OTA bias (column gain, input saturation), column j at +4j",
        field=Field(
            name="VALUE",
            lsb=0,
            width=10,
            sw="rw",
            reset=0x1C2,
            lo=0,
            hi=0x3FE,
            range_err="BAD_REG_VALUE",
        ),
    ),
    Window(
        name="CAPMEM_I_BIAS_LEAK",
        addr=CAPMEM_I_BIAS_LEAK,
        count=CAPMEM_I_BIAS_LEAK_COUNT,
        stride=4,
        busy_refused=True,
        capmem="i_bias_leak",
        desc="leak bias (leak vs drift and read noise), column j at +4j",
        field=Field(
            name="VALUE",
            lsb=0,
            width=10,
            sw="rw",
            reset=0,
            lo=0,
            hi=0x3FE,
            range_err="BAD_REG_VALUE",
        ),
    ),
)
#: every vector-port entry, in address order
VECTORS: tuple[Vector, ...] = (
    Vector(
        name="SYN",
        addr=VA_SYN,
        rows=256,
        halves=2,
        lanes=128,
        desc=(
            "synapse SRAM physical row r; h = 0: even columns, h = 1: odd columns; 6-bit magnitudes"
        ),
        lane=Field(name="VALUE", lsb=0, width=8, sw="rw", lo=0, hi=63, range_err="WEIGHT_RANGE"),
    ),
    Vector(
        name="INPUT",
        addr=VA_INPUT,
        rows=1,
        halves=1,
        lanes=128,
        desc="input vector x, lane i = x_i",
        lane=Field(
            name="VALUE",
            lsb=0,
            width=8,
            sw="rw",
            reset=0,
            lo=0,
            hi=31,
            range_err="INPUT_RANGE",
        ),
    ),
    Vector(
        name="RESULT",
        addr=VA_RESULT,
        rows=1,
        halves=2,
        lanes=128,
        desc="result y (int8, two's complement)",
        lane=Field(name="VALUE", lsb=0, width=8, sw="r", reset=0, signed=True),
    ),
    Vector(
        name="BASELINE",
        addr=VA_BASELINE,
        rows=1,
        halves=2,
        lanes=128,
        desc="baseline raw CADC codes (uint8)",
        lane=Field(name="VALUE", lsb=0, width=8, sw="r", reset=0),
    ),
    Vector(
        name="RAW_RESULT",
        addr=VA_RAW_RESULT,
        rows=1,
        halves=2,
        lanes=128,
        desc="result raw CADC codes (uint8)",
        lane=Field(name="VALUE", lsb=0, width=8, sw="r", reset=0),
    ),
    Vector(
        name="DAC",
        addr=VA_DAC,
        rows=1,
        halves=1,
        lanes=128,
        desc="per-driver DAC offsets, lane i = driver i",
        lane=Field(
            name="VALUE",
            lsb=0,
            width=8,
            sw="rw",
            reset=32,
            lo=0,
            hi=63,
            range_err="WEIGHT_RANGE",
        ),
    ),
    Vector(
        name="COL_OFFSET",
        addr=VA_COL_OFFSET,
        rows=1,
        halves=2,
        lanes=128,
        desc="per-column digital offsets (int8)",
        lane=Field(name="VALUE", lsb=0, width=8, sw="rw", reset=0, signed=True),
    ),
)
