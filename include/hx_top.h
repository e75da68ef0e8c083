// generated from data/hx_top.rdl by `make regs`; do not edit.
// Copyright hxsim contributors. SPDX-License-Identifier: Apache-2.0
//
// The hx_top contract for firmware and host software: register byte offsets, allowed
// values, vector-port addresses, error codes (STATUS.ERR_CODE) and STATUS.PHASE. The
// register and field layout (_bm, _bp, _bw, _reset) is in hx_top_regs.h and
// hx_vport_regs.h (peakrdl-cheader); the offsets below are checked against their
// structs.

#ifndef HX_TOP_H
#define HX_TOP_H

#include <stddef.h>

#include "hx_top_regs.h"
#include "hx_vport_regs.h"

// AXI4-Lite register byte offsets
#define HX_TOP__ID_offset 0x000u
#define HX_TOP__VERSION_offset 0x004u
#define HX_TOP__CTRL_offset 0x008u
#define HX_TOP__STATUS_offset 0x00Cu
#define HX_TOP__IRQ_STATUS_offset 0x010u
#define HX_TOP__IRQ_ENABLE_offset 0x014u
#define HX_TOP__T_RESET_offset 0x020u
#define HX_TOP__T_SETTLE_offset 0x024u
#define HX_TOP__T_EVENT_WAIT_offset 0x028u
#define HX_TOP__NUM_SENDS_offset 0x02Cu
#define HX_TOP__T_ADC_RESET_WAIT_offset 0x030u
#define HX_TOP__T_ADC_STEP_offset 0x034u
#define HX_TOP__T_ADC_DEAD_TIME_offset 0x038u
#define HX_TOP__CYCLES_LAST_offset 0x040u
#define HX_TOP__VMM_COUNT_offset 0x044u
#define HX_TOP__ERROR_COUNT_offset 0x048u
#define HX_TOP__EVENTS_LAST_offset 0x04Cu
#define HX_TOP__CAPMEM_SYN_I_BIAS_DAC_Q0_offset 0x080u
#define HX_TOP__CAPMEM_SYN_I_BIAS_DAC_Q1_offset 0x084u
#define HX_TOP__CAPMEM_STP_I_RAMP_Q0_offset 0x088u
#define HX_TOP__CAPMEM_STP_I_RAMP_Q1_offset 0x08Cu
#define HX_TOP__CAPMEM_HAGEN_IBIAS_DAC_Q0_offset 0x090u
#define HX_TOP__CAPMEM_HAGEN_IBIAS_DAC_Q1_offset 0x094u
#define HX_TOP__CAPMEM_CADC_V_RAMP_OFFSET_Q0_offset 0x098u
#define HX_TOP__CAPMEM_CADC_V_RAMP_OFFSET_Q1_offset 0x09Cu
#define HX_TOP__CAPMEM_CADC_I_RAMP_SLOPE_Q0_offset 0x0A0u
#define HX_TOP__CAPMEM_CADC_I_RAMP_SLOPE_Q1_offset 0x0A4u

// Register windows (CapMem column cells): word j at offset + 4*j
#define HX_TOP__CAPMEM_I_BIAS_SYNIN_GM_offset 0x800u
#define HX_TOP__CAPMEM_I_BIAS_SYNIN_GM_count 256u
#define HX_TOP__CAPMEM_I_BIAS_LEAK_offset 0xC00u
#define HX_TOP__CAPMEM_I_BIAS_LEAK_count 256u

// Allowed values of writable fields (inclusive)
#define HX_TOP__T_RESET__VALUE_min 0u
#define HX_TOP__T_RESET__VALUE_max 65535u
#define HX_TOP__T_SETTLE__VALUE_min 0u
#define HX_TOP__T_SETTLE__VALUE_max 65535u
#define HX_TOP__T_EVENT_WAIT__VALUE_min 1u
#define HX_TOP__T_EVENT_WAIT__VALUE_max 255u
#define HX_TOP__NUM_SENDS__VALUE_min 1u
#define HX_TOP__NUM_SENDS__VALUE_max 63u
#define HX_TOP__T_ADC_RESET_WAIT__VALUE_min 0u
#define HX_TOP__T_ADC_RESET_WAIT__VALUE_max 255u
#define HX_TOP__T_ADC_STEP__VALUE_min 1u
#define HX_TOP__T_ADC_STEP__VALUE_max 15u
#define HX_TOP__T_ADC_DEAD_TIME__VALUE_min 0u
#define HX_TOP__T_ADC_DEAD_TIME__VALUE_max 255u
#define HX_TOP__CAPMEM_SYN_I_BIAS_DAC_Q0__VALUE_min 0u
#define HX_TOP__CAPMEM_SYN_I_BIAS_DAC_Q0__VALUE_max 1022u
#define HX_TOP__CAPMEM_SYN_I_BIAS_DAC_Q1__VALUE_min 0u
#define HX_TOP__CAPMEM_SYN_I_BIAS_DAC_Q1__VALUE_max 1022u
#define HX_TOP__CAPMEM_STP_I_RAMP_Q0__VALUE_min 0u
#define HX_TOP__CAPMEM_STP_I_RAMP_Q0__VALUE_max 1022u
#define HX_TOP__CAPMEM_STP_I_RAMP_Q1__VALUE_min 0u
#define HX_TOP__CAPMEM_STP_I_RAMP_Q1__VALUE_max 1022u
#define HX_TOP__CAPMEM_HAGEN_IBIAS_DAC_Q0__VALUE_min 0u
#define HX_TOP__CAPMEM_HAGEN_IBIAS_DAC_Q0__VALUE_max 1022u
#define HX_TOP__CAPMEM_HAGEN_IBIAS_DAC_Q1__VALUE_min 0u
#define HX_TOP__CAPMEM_HAGEN_IBIAS_DAC_Q1__VALUE_max 1022u
#define HX_TOP__CAPMEM_CADC_V_RAMP_OFFSET_Q0__VALUE_min 0u
#define HX_TOP__CAPMEM_CADC_V_RAMP_OFFSET_Q0__VALUE_max 1022u
#define HX_TOP__CAPMEM_CADC_V_RAMP_OFFSET_Q1__VALUE_min 0u
#define HX_TOP__CAPMEM_CADC_V_RAMP_OFFSET_Q1__VALUE_max 1022u
#define HX_TOP__CAPMEM_CADC_I_RAMP_SLOPE_Q0__VALUE_min 0u
#define HX_TOP__CAPMEM_CADC_I_RAMP_SLOPE_Q0__VALUE_max 1022u
#define HX_TOP__CAPMEM_CADC_I_RAMP_SLOPE_Q1__VALUE_min 0u
#define HX_TOP__CAPMEM_CADC_I_RAMP_SLOPE_Q1__VALUE_max 1022u
#define HX_TOP__CAPMEM_I_BIAS_SYNIN_GM__VALUE_min 0u
#define HX_TOP__CAPMEM_I_BIAS_SYNIN_GM__VALUE_max 1022u
#define HX_TOP__CAPMEM_I_BIAS_LEAK__VALUE_min 0u
#define HX_TOP__CAPMEM_I_BIAS_LEAK__VALUE_max 1022u

// Vector-port addresses: one address = one vector of 128 byte lanes
#define HX_VPORT_LANES 128u
#define HX_VPORT__SYN_offset 0x000u
#define HX_VPORT__INPUT_offset 0x200u
#define HX_VPORT__RESULT_offset 0x210u
#define HX_VPORT__BASELINE_offset 0x220u
#define HX_VPORT__RAW_RESULT_offset 0x230u
#define HX_VPORT__DAC_offset 0x240u
#define HX_VPORT__COL_OFFSET_offset 0x250u
#define HX_VPORT__SYN__VALUE_min 0u
#define HX_VPORT__SYN__VALUE_max 63u
#define HX_VPORT__INPUT__VALUE_min 0u
#define HX_VPORT__INPUT__VALUE_max 31u
#define HX_VPORT__DAC__VALUE_min 0u
#define HX_VPORT__DAC__VALUE_max 63u

// hx_phase
typedef enum {
    HX_PHASE_IDLE = 0,  // no VMM running
    HX_PHASE_RESET = 1,  // membrane reset
    HX_PHASE_BASELINE = 2,  // baseline CADC conversion
    HX_PHASE_EVENTS = 3,  // input events
    HX_PHASE_SETTLE = 4,  // settling before the result conversion
    HX_PHASE_RESULT = 5,  // result CADC conversion
    HX_PHASE_POST = 6,  // result = sat(raw - baseline + offset)
} hx_phase_t;

// hx_err
typedef enum {
    HX_ERR_NONE = 0,  // no error
    HX_ERR_START_WHILE_BUSY = 1,  // CTRL.START while busy
    HX_ERR_WRITE_WHILE_BUSY = 2,  // timing or CapMem register write, or vector store, while busy
    HX_ERR_READ_WHILE_BUSY = 3,  // vector load while busy
    HX_ERR_INPUT_RANGE = 4,  // input vector store with a lane > 31
    HX_ERR_WEIGHT_RANGE = 5,  // synapse row or DAC-offset store with a lane > 63
    HX_ERR_BAD_VEC_ADDR = 6,  // vector access to an unmapped address, or a store to a load-only address
    HX_ERR_BAD_REG_VALUE = 7,  // AXI write whose value (the register with the strobed bytes replaced) is out of range or sets bits outside the writable fields
    HX_ERR_BAD_REG_ADDR = 8,  // AXI access to an unmapped address or write to a read-only register
    HX_ERR_NO_RESULT = 9,  // load of a result/baseline/raw vector when no valid result is held
} hx_err_t;

static_assert(offsetof(hx_top_t, ID) == HX_TOP__ID_offset, "ID");
static_assert(offsetof(hx_top_t, VERSION) == HX_TOP__VERSION_offset, "VERSION");
static_assert(offsetof(hx_top_t, CTRL) == HX_TOP__CTRL_offset, "CTRL");
static_assert(offsetof(hx_top_t, STATUS) == HX_TOP__STATUS_offset, "STATUS");
static_assert(offsetof(hx_top_t, IRQ_STATUS) == HX_TOP__IRQ_STATUS_offset, "IRQ_STATUS");
static_assert(offsetof(hx_top_t, IRQ_ENABLE) == HX_TOP__IRQ_ENABLE_offset, "IRQ_ENABLE");
static_assert(offsetof(hx_top_t, T_RESET) == HX_TOP__T_RESET_offset, "T_RESET");
static_assert(offsetof(hx_top_t, T_SETTLE) == HX_TOP__T_SETTLE_offset, "T_SETTLE");
static_assert(offsetof(hx_top_t, T_EVENT_WAIT) == HX_TOP__T_EVENT_WAIT_offset, "T_EVENT_WAIT");
static_assert(offsetof(hx_top_t, NUM_SENDS) == HX_TOP__NUM_SENDS_offset, "NUM_SENDS");
static_assert(offsetof(hx_top_t, T_ADC_RESET_WAIT) == HX_TOP__T_ADC_RESET_WAIT_offset, "T_ADC_RESET_WAIT");
static_assert(offsetof(hx_top_t, T_ADC_STEP) == HX_TOP__T_ADC_STEP_offset, "T_ADC_STEP");
static_assert(offsetof(hx_top_t, T_ADC_DEAD_TIME) == HX_TOP__T_ADC_DEAD_TIME_offset, "T_ADC_DEAD_TIME");
static_assert(offsetof(hx_top_t, CYCLES_LAST) == HX_TOP__CYCLES_LAST_offset, "CYCLES_LAST");
static_assert(offsetof(hx_top_t, VMM_COUNT) == HX_TOP__VMM_COUNT_offset, "VMM_COUNT");
static_assert(offsetof(hx_top_t, ERROR_COUNT) == HX_TOP__ERROR_COUNT_offset, "ERROR_COUNT");
static_assert(offsetof(hx_top_t, EVENTS_LAST) == HX_TOP__EVENTS_LAST_offset, "EVENTS_LAST");
static_assert(offsetof(hx_top_t, CAPMEM_SYN_I_BIAS_DAC_Q0) == HX_TOP__CAPMEM_SYN_I_BIAS_DAC_Q0_offset, "CAPMEM_SYN_I_BIAS_DAC_Q0");
static_assert(offsetof(hx_top_t, CAPMEM_SYN_I_BIAS_DAC_Q1) == HX_TOP__CAPMEM_SYN_I_BIAS_DAC_Q1_offset, "CAPMEM_SYN_I_BIAS_DAC_Q1");
static_assert(offsetof(hx_top_t, CAPMEM_STP_I_RAMP_Q0) == HX_TOP__CAPMEM_STP_I_RAMP_Q0_offset, "CAPMEM_STP_I_RAMP_Q0");
static_assert(offsetof(hx_top_t, CAPMEM_STP_I_RAMP_Q1) == HX_TOP__CAPMEM_STP_I_RAMP_Q1_offset, "CAPMEM_STP_I_RAMP_Q1");
static_assert(offsetof(hx_top_t, CAPMEM_HAGEN_IBIAS_DAC_Q0) == HX_TOP__CAPMEM_HAGEN_IBIAS_DAC_Q0_offset, "CAPMEM_HAGEN_IBIAS_DAC_Q0");
static_assert(offsetof(hx_top_t, CAPMEM_HAGEN_IBIAS_DAC_Q1) == HX_TOP__CAPMEM_HAGEN_IBIAS_DAC_Q1_offset, "CAPMEM_HAGEN_IBIAS_DAC_Q1");
static_assert(offsetof(hx_top_t, CAPMEM_CADC_V_RAMP_OFFSET_Q0) == HX_TOP__CAPMEM_CADC_V_RAMP_OFFSET_Q0_offset, "CAPMEM_CADC_V_RAMP_OFFSET_Q0");
static_assert(offsetof(hx_top_t, CAPMEM_CADC_V_RAMP_OFFSET_Q1) == HX_TOP__CAPMEM_CADC_V_RAMP_OFFSET_Q1_offset, "CAPMEM_CADC_V_RAMP_OFFSET_Q1");
static_assert(offsetof(hx_top_t, CAPMEM_CADC_I_RAMP_SLOPE_Q0) == HX_TOP__CAPMEM_CADC_I_RAMP_SLOPE_Q0_offset, "CAPMEM_CADC_I_RAMP_SLOPE_Q0");
static_assert(offsetof(hx_top_t, CAPMEM_CADC_I_RAMP_SLOPE_Q1) == HX_TOP__CAPMEM_CADC_I_RAMP_SLOPE_Q1_offset, "CAPMEM_CADC_I_RAMP_SLOPE_Q1");
static_assert(offsetof(hx_top_t, CAPMEM_I_BIAS_SYNIN_GM) == HX_TOP__CAPMEM_I_BIAS_SYNIN_GM_offset, "CAPMEM_I_BIAS_SYNIN_GM");
static_assert(offsetof(hx_top_t, CAPMEM_I_BIAS_LEAK) == HX_TOP__CAPMEM_I_BIAS_LEAK_offset, "CAPMEM_I_BIAS_LEAK");
static_assert(offsetof(hx_vport_t, SYN) == HX_VPORT__SYN_offset, "SYN");
static_assert(offsetof(hx_vport_t, INPUT) == HX_VPORT__INPUT_offset, "INPUT");
static_assert(offsetof(hx_vport_t, RESULT) == HX_VPORT__RESULT_offset, "RESULT");
static_assert(offsetof(hx_vport_t, BASELINE) == HX_VPORT__BASELINE_offset, "BASELINE");
static_assert(offsetof(hx_vport_t, RAW_RESULT) == HX_VPORT__RAW_RESULT_offset, "RAW_RESULT");
static_assert(offsetof(hx_vport_t, DAC) == HX_VPORT__DAC_offset, "DAC");
static_assert(offsetof(hx_vport_t, COL_OFFSET) == HX_VPORT__COL_OFFSET_offset, "COL_OFFSET");

#endif /* HX_TOP_H */
