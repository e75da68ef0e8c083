// generated from data/hx_top.rdl by `make regs`; do not edit.
// Copyright hxsim contributors. SPDX-License-Identifier: Apache-2.0
//
// Description: the register contract of hx_top (docs/interfaces.md sections 1, 4, 5):
// AXI4-Lite addresses, fields, reset values, allowed ranges, error codes, STATUS.PHASE
// encoding and the vector-port map. Names are the RDL names (docs/rtl.md).

`timescale 1ns / 1ps
`default_nettype none

package hx_reg_pkg;

  // ---------------------------------------------------------------------------------------------
  // Address spaces
  // ---------------------------------------------------------------------------------------------
  // AXI4-Lite register file: byte address width, data width
  localparam int HX_TOP_ADDR_W = 12;
  localparam int HX_TOP_DATA_W = 32;
  // Vector port: vector address width, byte lanes per vector
  localparam int HX_VPORT_ADDR_W = 16;
  localparam int HX_VPORT_LANES  = 128;

  // ---------------------------------------------------------------------------------------------
  // AXI4-Lite register byte addresses (12-bit address space, 32-bit registers)
  // ---------------------------------------------------------------------------------------------
  localparam logic [11:0] ID                           = 12'h000;  // RO
  localparam logic [11:0] VERSION                      = 12'h004;  // RO
  localparam logic [11:0] CTRL                         = 12'h008;  // WO
  localparam logic [11:0] STATUS                       = 12'h00C;  // RO
  localparam logic [11:0] IRQ_STATUS                   = 12'h010;  // W1C
  localparam logic [11:0] IRQ_ENABLE                   = 12'h014;  // RW
  localparam logic [11:0] T_RESET                      = 12'h020;  // RW
  localparam logic [11:0] T_SETTLE                     = 12'h024;  // RW
  localparam logic [11:0] T_EVENT_WAIT                 = 12'h028;  // RW
  localparam logic [11:0] NUM_SENDS                    = 12'h02C;  // RW
  localparam logic [11:0] T_ADC_RESET_WAIT             = 12'h030;  // RW
  localparam logic [11:0] T_ADC_STEP                   = 12'h034;  // RW
  localparam logic [11:0] T_ADC_DEAD_TIME              = 12'h038;  // RW
  localparam logic [11:0] CYCLES_LAST                  = 12'h040;  // RO
  localparam logic [11:0] VMM_COUNT                    = 12'h044;  // RO
  localparam logic [11:0] ERROR_COUNT                  = 12'h048;  // RO
  localparam logic [11:0] EVENTS_LAST                  = 12'h04C;  // RO
  localparam logic [11:0] CAPMEM_SYN_I_BIAS_DAC_Q0     = 12'h080;  // RW
  localparam logic [11:0] CAPMEM_SYN_I_BIAS_DAC_Q1     = 12'h084;  // RW
  localparam logic [11:0] CAPMEM_STP_I_RAMP_Q0         = 12'h088;  // RW
  localparam logic [11:0] CAPMEM_STP_I_RAMP_Q1         = 12'h08C;  // RW
  localparam logic [11:0] CAPMEM_HAGEN_IBIAS_DAC_Q0    = 12'h090;  // RW
  localparam logic [11:0] CAPMEM_HAGEN_IBIAS_DAC_Q1    = 12'h094;  // RW
  localparam logic [11:0] CAPMEM_CADC_V_RAMP_OFFSET_Q0 = 12'h098;  // RW
  localparam logic [11:0] CAPMEM_CADC_V_RAMP_OFFSET_Q1 = 12'h09C;  // RW
  localparam logic [11:0] CAPMEM_CADC_I_RAMP_SLOPE_Q0  = 12'h0A0;  // RW
  localparam logic [11:0] CAPMEM_CADC_I_RAMP_SLOPE_Q1  = 12'h0A4;  // RW

  // ---------------------------------------------------------------------------------------------
  // Register reset values (a register that is one VALUE field: typed to the field width)
  // ---------------------------------------------------------------------------------------------
  localparam logic [31:0] ID_RESVAL                           = 32'h4858_5641;
  localparam logic [31:0] VERSION_RESVAL                      = 32'h0001_0000;
  localparam logic [31:0] CTRL_RESVAL                         = 32'h0000_0000;
  localparam logic [31:0] STATUS_RESVAL                       = 32'h0000_0000;
  localparam logic [31:0] IRQ_STATUS_RESVAL                   = 32'h0000_0000;
  localparam logic [31:0] IRQ_ENABLE_RESVAL                   = 32'h0000_0000;
  localparam logic [15:0] T_RESET_RESVAL                      = 16'h01F4;
  localparam logic [15:0] T_SETTLE_RESVAL                     = 16'h007D;
  localparam logic [7:0]  T_EVENT_WAIT_RESVAL                 = 8'h05;
  localparam logic [5:0]  NUM_SENDS_RESVAL                    = 6'h01;
  localparam logic [7:0]  T_ADC_RESET_WAIT_RESVAL             = 8'h64;
  localparam logic [3:0]  T_ADC_STEP_RESVAL                   = 4'h1;
  localparam logic [7:0]  T_ADC_DEAD_TIME_RESVAL              = 8'h14;
  localparam logic [31:0] CYCLES_LAST_RESVAL                  = 32'h0000_0000;
  localparam logic [31:0] VMM_COUNT_RESVAL                    = 32'h0000_0000;
  localparam logic [31:0] ERROR_COUNT_RESVAL                  = 32'h0000_0000;
  localparam logic [31:0] EVENTS_LAST_RESVAL                  = 32'h0000_0000;
  localparam logic [9:0]  CAPMEM_SYN_I_BIAS_DAC_Q0_RESVAL     = 10'h320;
  localparam logic [9:0]  CAPMEM_SYN_I_BIAS_DAC_Q1_RESVAL     = 10'h320;
  localparam logic [9:0]  CAPMEM_STP_I_RAMP_Q0_RESVAL         = 10'h258;
  localparam logic [9:0]  CAPMEM_STP_I_RAMP_Q1_RESVAL         = 10'h258;
  localparam logic [9:0]  CAPMEM_HAGEN_IBIAS_DAC_Q0_RESVAL    = 10'h334;
  localparam logic [9:0]  CAPMEM_HAGEN_IBIAS_DAC_Q1_RESVAL    = 10'h334;
  localparam logic [9:0]  CAPMEM_CADC_V_RAMP_OFFSET_Q0_RESVAL = 10'h190;
  localparam logic [9:0]  CAPMEM_CADC_V_RAMP_OFFSET_Q1_RESVAL = 10'h190;
  localparam logic [9:0]  CAPMEM_CADC_I_RAMP_SLOPE_Q0_RESVAL  = 10'h15E;
  localparam logic [9:0]  CAPMEM_CADC_I_RAMP_SLOPE_Q1_RESVAL  = 10'h15E;

  // ---------------------------------------------------------------------------------------------
  // Writable bits per register (a write with any other bit set is refused)
  // ---------------------------------------------------------------------------------------------
  localparam logic [31:0] CTRL_WMASK                         = 32'h0000_000F;
  localparam logic [31:0] IRQ_STATUS_WMASK                   = 32'h0000_0003;
  localparam logic [31:0] IRQ_ENABLE_WMASK                   = 32'h0000_0003;
  localparam logic [31:0] T_RESET_WMASK                      = 32'h0000_FFFF;
  localparam logic [31:0] T_SETTLE_WMASK                     = 32'h0000_FFFF;
  localparam logic [31:0] T_EVENT_WAIT_WMASK                 = 32'h0000_00FF;
  localparam logic [31:0] NUM_SENDS_WMASK                    = 32'h0000_003F;
  localparam logic [31:0] T_ADC_RESET_WAIT_WMASK             = 32'h0000_00FF;
  localparam logic [31:0] T_ADC_STEP_WMASK                   = 32'h0000_000F;
  localparam logic [31:0] T_ADC_DEAD_TIME_WMASK              = 32'h0000_00FF;
  localparam logic [31:0] CAPMEM_SYN_I_BIAS_DAC_Q0_WMASK     = 32'h0000_03FF;
  localparam logic [31:0] CAPMEM_SYN_I_BIAS_DAC_Q1_WMASK     = 32'h0000_03FF;
  localparam logic [31:0] CAPMEM_STP_I_RAMP_Q0_WMASK         = 32'h0000_03FF;
  localparam logic [31:0] CAPMEM_STP_I_RAMP_Q1_WMASK         = 32'h0000_03FF;
  localparam logic [31:0] CAPMEM_HAGEN_IBIAS_DAC_Q0_WMASK    = 32'h0000_03FF;
  localparam logic [31:0] CAPMEM_HAGEN_IBIAS_DAC_Q1_WMASK    = 32'h0000_03FF;
  localparam logic [31:0] CAPMEM_CADC_V_RAMP_OFFSET_Q0_WMASK = 32'h0000_03FF;
  localparam logic [31:0] CAPMEM_CADC_V_RAMP_OFFSET_Q1_WMASK = 32'h0000_03FF;
  localparam logic [31:0] CAPMEM_CADC_I_RAMP_SLOPE_Q0_WMASK  = 32'h0000_03FF;
  localparam logic [31:0] CAPMEM_CADC_I_RAMP_SLOPE_Q1_WMASK  = 32'h0000_03FF;

  // ---------------------------------------------------------------------------------------------
  // Fields: bit position (_LSB), width (_WIDTH), reset (_RESVAL), allowed (_MIN, _MAX)
  // ---------------------------------------------------------------------------------------------
  // ID
  localparam int ID_LSB   = 0;
  localparam int ID_WIDTH = 32;
  // VERSION
  localparam int          VERSION_MINOR_LSB    = 0;
  localparam int          VERSION_MINOR_WIDTH  = 16;
  localparam logic [15:0] VERSION_MINOR_RESVAL = 16'd0;
  localparam int          VERSION_MAJOR_LSB    = 16;
  localparam int          VERSION_MAJOR_WIDTH  = 16;
  localparam logic [15:0] VERSION_MAJOR_RESVAL = 16'd1;
  // CTRL
  localparam int         CTRL_START_LSB         = 0;
  localparam int         CTRL_START_WIDTH       = 1;
  localparam logic [0:0] CTRL_START_RESVAL      = 1'd0;
  localparam int         CTRL_ABORT_LSB         = 1;
  localparam int         CTRL_ABORT_WIDTH       = 1;
  localparam logic [0:0] CTRL_ABORT_RESVAL      = 1'd0;
  localparam int         CTRL_SOFT_RESET_LSB    = 2;
  localparam int         CTRL_SOFT_RESET_WIDTH  = 1;
  localparam logic [0:0] CTRL_SOFT_RESET_RESVAL = 1'd0;
  localparam int         CTRL_ERR_CLEAR_LSB     = 3;
  localparam int         CTRL_ERR_CLEAR_WIDTH   = 1;
  localparam logic [0:0] CTRL_ERR_CLEAR_RESVAL  = 1'd0;
  // STATUS
  localparam int         STATUS_BUSY_LSB        = 0;
  localparam int         STATUS_BUSY_WIDTH      = 1;
  localparam logic [0:0] STATUS_BUSY_RESVAL     = 1'd0;
  localparam int         STATUS_DONE_LSB        = 1;
  localparam int         STATUS_DONE_WIDTH      = 1;
  localparam logic [0:0] STATUS_DONE_RESVAL     = 1'd0;
  localparam int         STATUS_ERROR_LSB       = 2;
  localparam int         STATUS_ERROR_WIDTH     = 1;
  localparam logic [0:0] STATUS_ERROR_RESVAL    = 1'd0;
  localparam int         STATUS_PHASE_LSB       = 4;
  localparam int         STATUS_PHASE_WIDTH     = 3;
  localparam logic [2:0] STATUS_PHASE_RESVAL    = 3'd0;
  localparam int         STATUS_ERR_CODE_LSB    = 8;
  localparam int         STATUS_ERR_CODE_WIDTH  = 8;
  localparam logic [7:0] STATUS_ERR_CODE_RESVAL = 8'd0;
  // IRQ_STATUS
  localparam int         IRQ_STATUS_DONE_LSB     = 0;
  localparam int         IRQ_STATUS_DONE_WIDTH   = 1;
  localparam logic [0:0] IRQ_STATUS_DONE_RESVAL  = 1'd0;
  localparam int         IRQ_STATUS_ERROR_LSB    = 1;
  localparam int         IRQ_STATUS_ERROR_WIDTH  = 1;
  localparam logic [0:0] IRQ_STATUS_ERROR_RESVAL = 1'd0;
  // IRQ_ENABLE
  localparam int         IRQ_ENABLE_DONE_LSB     = 0;
  localparam int         IRQ_ENABLE_DONE_WIDTH   = 1;
  localparam logic [0:0] IRQ_ENABLE_DONE_RESVAL  = 1'd0;
  localparam int         IRQ_ENABLE_ERROR_LSB    = 1;
  localparam int         IRQ_ENABLE_ERROR_WIDTH  = 1;
  localparam logic [0:0] IRQ_ENABLE_ERROR_RESVAL = 1'd0;
  // T_RESET
  localparam int          T_RESET_LSB   = 0;
  localparam int          T_RESET_WIDTH = 16;
  localparam logic [31:0] T_RESET_MIN   = 32'd0;
  localparam logic [31:0] T_RESET_MAX   = 32'd65535;
  // T_SETTLE
  localparam int          T_SETTLE_LSB   = 0;
  localparam int          T_SETTLE_WIDTH = 16;
  localparam logic [31:0] T_SETTLE_MIN   = 32'd0;
  localparam logic [31:0] T_SETTLE_MAX   = 32'd65535;
  // T_EVENT_WAIT
  localparam int          T_EVENT_WAIT_LSB   = 0;
  localparam int          T_EVENT_WAIT_WIDTH = 8;
  localparam logic [31:0] T_EVENT_WAIT_MIN   = 32'd1;
  localparam logic [31:0] T_EVENT_WAIT_MAX   = 32'd255;
  // NUM_SENDS
  localparam int          NUM_SENDS_LSB   = 0;
  localparam int          NUM_SENDS_WIDTH = 6;
  localparam logic [31:0] NUM_SENDS_MIN   = 32'd1;
  localparam logic [31:0] NUM_SENDS_MAX   = 32'd63;
  // T_ADC_RESET_WAIT
  localparam int          T_ADC_RESET_WAIT_LSB   = 0;
  localparam int          T_ADC_RESET_WAIT_WIDTH = 8;
  localparam logic [31:0] T_ADC_RESET_WAIT_MIN   = 32'd0;
  localparam logic [31:0] T_ADC_RESET_WAIT_MAX   = 32'd255;
  // T_ADC_STEP
  localparam int          T_ADC_STEP_LSB   = 0;
  localparam int          T_ADC_STEP_WIDTH = 4;
  localparam logic [31:0] T_ADC_STEP_MIN   = 32'd1;
  localparam logic [31:0] T_ADC_STEP_MAX   = 32'd15;
  // T_ADC_DEAD_TIME
  localparam int          T_ADC_DEAD_TIME_LSB   = 0;
  localparam int          T_ADC_DEAD_TIME_WIDTH = 8;
  localparam logic [31:0] T_ADC_DEAD_TIME_MIN   = 32'd0;
  localparam logic [31:0] T_ADC_DEAD_TIME_MAX   = 32'd255;
  // CYCLES_LAST
  localparam int CYCLES_LAST_LSB   = 0;
  localparam int CYCLES_LAST_WIDTH = 32;
  // VMM_COUNT
  localparam int VMM_COUNT_LSB   = 0;
  localparam int VMM_COUNT_WIDTH = 32;
  // ERROR_COUNT
  localparam int ERROR_COUNT_LSB   = 0;
  localparam int ERROR_COUNT_WIDTH = 32;
  // EVENTS_LAST
  localparam int EVENTS_LAST_LSB   = 0;
  localparam int EVENTS_LAST_WIDTH = 32;
  // CAPMEM_SYN_I_BIAS_DAC_Q0
  localparam int          CAPMEM_SYN_I_BIAS_DAC_Q0_LSB   = 0;
  localparam int          CAPMEM_SYN_I_BIAS_DAC_Q0_WIDTH = 10;
  localparam logic [31:0] CAPMEM_SYN_I_BIAS_DAC_Q0_MIN   = 32'd0;
  localparam logic [31:0] CAPMEM_SYN_I_BIAS_DAC_Q0_MAX   = 32'd1022;
  // CAPMEM_SYN_I_BIAS_DAC_Q1
  localparam int          CAPMEM_SYN_I_BIAS_DAC_Q1_LSB   = 0;
  localparam int          CAPMEM_SYN_I_BIAS_DAC_Q1_WIDTH = 10;
  localparam logic [31:0] CAPMEM_SYN_I_BIAS_DAC_Q1_MIN   = 32'd0;
  localparam logic [31:0] CAPMEM_SYN_I_BIAS_DAC_Q1_MAX   = 32'd1022;
  // CAPMEM_STP_I_RAMP_Q0
  localparam int          CAPMEM_STP_I_RAMP_Q0_LSB   = 0;
  localparam int          CAPMEM_STP_I_RAMP_Q0_WIDTH = 10;
  localparam logic [31:0] CAPMEM_STP_I_RAMP_Q0_MIN   = 32'd0;
  localparam logic [31:0] CAPMEM_STP_I_RAMP_Q0_MAX   = 32'd1022;
  // CAPMEM_STP_I_RAMP_Q1
  localparam int          CAPMEM_STP_I_RAMP_Q1_LSB   = 0;
  localparam int          CAPMEM_STP_I_RAMP_Q1_WIDTH = 10;
  localparam logic [31:0] CAPMEM_STP_I_RAMP_Q1_MIN   = 32'd0;
  localparam logic [31:0] CAPMEM_STP_I_RAMP_Q1_MAX   = 32'd1022;
  // CAPMEM_HAGEN_IBIAS_DAC_Q0
  localparam int          CAPMEM_HAGEN_IBIAS_DAC_Q0_LSB   = 0;
  localparam int          CAPMEM_HAGEN_IBIAS_DAC_Q0_WIDTH = 10;
  localparam logic [31:0] CAPMEM_HAGEN_IBIAS_DAC_Q0_MIN   = 32'd0;
  localparam logic [31:0] CAPMEM_HAGEN_IBIAS_DAC_Q0_MAX   = 32'd1022;
  // CAPMEM_HAGEN_IBIAS_DAC_Q1
  localparam int          CAPMEM_HAGEN_IBIAS_DAC_Q1_LSB   = 0;
  localparam int          CAPMEM_HAGEN_IBIAS_DAC_Q1_WIDTH = 10;
  localparam logic [31:0] CAPMEM_HAGEN_IBIAS_DAC_Q1_MIN   = 32'd0;
  localparam logic [31:0] CAPMEM_HAGEN_IBIAS_DAC_Q1_MAX   = 32'd1022;
  // CAPMEM_CADC_V_RAMP_OFFSET_Q0
  localparam int          CAPMEM_CADC_V_RAMP_OFFSET_Q0_LSB   = 0;
  localparam int          CAPMEM_CADC_V_RAMP_OFFSET_Q0_WIDTH = 10;
  localparam logic [31:0] CAPMEM_CADC_V_RAMP_OFFSET_Q0_MIN   = 32'd0;
  localparam logic [31:0] CAPMEM_CADC_V_RAMP_OFFSET_Q0_MAX   = 32'd1022;
  // CAPMEM_CADC_V_RAMP_OFFSET_Q1
  localparam int          CAPMEM_CADC_V_RAMP_OFFSET_Q1_LSB   = 0;
  localparam int          CAPMEM_CADC_V_RAMP_OFFSET_Q1_WIDTH = 10;
  localparam logic [31:0] CAPMEM_CADC_V_RAMP_OFFSET_Q1_MIN   = 32'd0;
  localparam logic [31:0] CAPMEM_CADC_V_RAMP_OFFSET_Q1_MAX   = 32'd1022;
  // CAPMEM_CADC_I_RAMP_SLOPE_Q0
  localparam int          CAPMEM_CADC_I_RAMP_SLOPE_Q0_LSB   = 0;
  localparam int          CAPMEM_CADC_I_RAMP_SLOPE_Q0_WIDTH = 10;
  localparam logic [31:0] CAPMEM_CADC_I_RAMP_SLOPE_Q0_MIN   = 32'd0;
  localparam logic [31:0] CAPMEM_CADC_I_RAMP_SLOPE_Q0_MAX   = 32'd1022;
  // CAPMEM_CADC_I_RAMP_SLOPE_Q1
  localparam int          CAPMEM_CADC_I_RAMP_SLOPE_Q1_LSB   = 0;
  localparam int          CAPMEM_CADC_I_RAMP_SLOPE_Q1_WIDTH = 10;
  localparam logic [31:0] CAPMEM_CADC_I_RAMP_SLOPE_Q1_MIN   = 32'd0;
  localparam logic [31:0] CAPMEM_CADC_I_RAMP_SLOPE_Q1_MAX   = 32'd1022;

  // ---------------------------------------------------------------------------------------------
  // Register windows (CapMem column cells): base byte address, words (_COUNT), value field (_WIDTH, _RESVAL, _MIN, _MAX); word j at base + 4*j
  // ---------------------------------------------------------------------------------------------
  localparam logic [11:0] CAPMEM_I_BIAS_SYNIN_GM        = 12'h800;  // RW window
  localparam int          CAPMEM_I_BIAS_SYNIN_GM_COUNT  = 256;
  localparam int          CAPMEM_I_BIAS_SYNIN_GM_WIDTH  = 10;
  localparam logic [9:0]  CAPMEM_I_BIAS_SYNIN_GM_RESVAL = 10'h1C2;
  localparam logic [31:0] CAPMEM_I_BIAS_SYNIN_GM_MIN    = 32'd0;
  localparam logic [31:0] CAPMEM_I_BIAS_SYNIN_GM_MAX    = 32'd1022;
  localparam logic [11:0] CAPMEM_I_BIAS_LEAK            = 12'hC00;  // RW window
  localparam int          CAPMEM_I_BIAS_LEAK_COUNT      = 256;
  localparam int          CAPMEM_I_BIAS_LEAK_WIDTH      = 10;
  localparam logic [9:0]  CAPMEM_I_BIAS_LEAK_RESVAL     = 10'h000;
  localparam logic [31:0] CAPMEM_I_BIAS_LEAK_MIN        = 32'd0;
  localparam logic [31:0] CAPMEM_I_BIAS_LEAK_MAX        = 32'd1022;

  // ---------------------------------------------------------------------------------------------
  // hx_phase: PHASE_<MEMBER>
  // ---------------------------------------------------------------------------------------------
  localparam logic [2:0] PHASE_IDLE     = 3'd0;  // no VMM running
  localparam logic [2:0] PHASE_RESET    = 3'd1;  // membrane reset
  localparam logic [2:0] PHASE_BASELINE = 3'd2;  // baseline CADC conversion
  localparam logic [2:0] PHASE_EVENTS   = 3'd3;  // input events
  localparam logic [2:0] PHASE_SETTLE   = 3'd4;  // settling before the result conversion
  localparam logic [2:0] PHASE_RESULT   = 3'd5;  // result CADC conversion
  localparam logic [2:0] PHASE_POST     = 3'd6;  // result = sat(raw - baseline + offset)

  // ---------------------------------------------------------------------------------------------
  // hx_err: ERR_<MEMBER>
  // ---------------------------------------------------------------------------------------------
  localparam logic [7:0] ERR_NONE             = 8'd0;  // no error
  localparam logic [7:0] ERR_START_WHILE_BUSY = 8'd1;  // CTRL.START while busy
  // timing or CapMem register write, or vector store, while busy
  localparam logic [7:0] ERR_WRITE_WHILE_BUSY = 8'd2;
  localparam logic [7:0] ERR_READ_WHILE_BUSY  = 8'd3;  // vector load while busy
  localparam logic [7:0] ERR_INPUT_RANGE      = 8'd4;  // input vector store with a lane > 31
  // synapse row or DAC-offset store with a lane > 63
  localparam logic [7:0] ERR_WEIGHT_RANGE     = 8'd5;
  // vector access to an unmapped address, or a store to a load-only address
  localparam logic [7:0] ERR_BAD_VEC_ADDR     = 8'd6;
  // AXI write whose value (the register with the strobed bytes replaced) is out of range or sets bits outside the writable fields
  localparam logic [7:0] ERR_BAD_REG_VALUE    = 8'd7;
  // AXI access to an unmapped address or write to a read-only register
  localparam logic [7:0] ERR_BAD_REG_ADDR     = 8'd8;
  // load of a result/baseline/raw vector when no valid result is held
  localparam logic [7:0] ERR_NO_RESULT        = 8'd9;

  // ---------------------------------------------------------------------------------------------
  // Vector-port addresses (16-bit; one address = one vector of 128 byte lanes)
  // ---------------------------------------------------------------------------------------------
  localparam logic [15:0] VA_SYN        = 16'h0000;  // store / load + 2*row + half
  localparam logic [15:0] VA_INPUT      = 16'h0200;  // store / load
  localparam logic [15:0] VA_RESULT     = 16'h0210;  // load + half
  localparam logic [15:0] VA_BASELINE   = 16'h0220;  // load + half
  localparam logic [15:0] VA_RAW_RESULT = 16'h0230;  // load + half
  localparam logic [15:0] VA_DAC        = 16'h0240;  // store / load
  localparam logic [15:0] VA_COL_OFFSET = 16'h0250;  // store / load + half
  // Lane values: reset (_RESVAL), allowed on a store (_MIN, _MAX)
  localparam logic [7:0] VA_SYN_MIN           = 8'd0;
  localparam logic [7:0] VA_SYN_MAX           = 8'd63;
  localparam logic [7:0] VA_INPUT_RESVAL      = 8'd0;
  localparam logic [7:0] VA_INPUT_MIN         = 8'd0;
  localparam logic [7:0] VA_INPUT_MAX         = 8'd31;
  localparam logic [7:0] VA_RESULT_RESVAL     = 8'd0;
  localparam logic [7:0] VA_BASELINE_RESVAL   = 8'd0;
  localparam logic [7:0] VA_RAW_RESULT_RESVAL = 8'd0;
  localparam logic [7:0] VA_DAC_RESVAL        = 8'd32;
  localparam logic [7:0] VA_DAC_MIN           = 8'd0;
  localparam logic [7:0] VA_DAC_MAX           = 8'd63;
  localparam logic [7:0] VA_COL_OFFSET_RESVAL = 8'd0;

endpackage

`default_nettype wire
