// Copyright hxsim contributors. SPDX-License-Identifier: Apache-2.0
//
// Description: architectural constants of the hagen-mode control path: AXI4-Lite register map,
// vector-port address map, error codes, FSM phase encoding and timing-register defaults.
// Normative source: docs/interfaces.md (sections 1, 4 and 5).
//
// NOTE: the file name must sort before every other rtl/*.sv file (bytewise and in a locale
// collation), because Icarus 11 needs a package to be parsed before it is imported and the lint
// and build flows pass `rtl/*.sv` in glob order. Hence `hx_arch_pkg`, not `hx_pkg`.

`timescale 1ns / 1ps
`default_nettype none

package hx_arch_pkg;

  // ---------------------------------------------------------------------------------------------
  // AXI4-Lite register byte addresses (12-bit address space, 32-bit registers)
  // ---------------------------------------------------------------------------------------------
  localparam logic [11:0] RegId             = 12'h000;
  localparam logic [11:0] RegVersion        = 12'h004;
  localparam logic [11:0] RegCtrl           = 12'h008;
  localparam logic [11:0] RegStatus         = 12'h00C;
  localparam logic [11:0] RegIrqStatus      = 12'h010;
  localparam logic [11:0] RegIrqEnable      = 12'h014;
  localparam logic [11:0] RegTReset         = 12'h020;
  localparam logic [11:0] RegTSettle        = 12'h024;
  localparam logic [11:0] RegTEventWait     = 12'h028;
  localparam logic [11:0] RegNumSends       = 12'h02C;
  localparam logic [11:0] RegTAdcResetWait  = 12'h030;
  localparam logic [11:0] RegTAdcStep       = 12'h034;
  localparam logic [11:0] RegTAdcDeadTime   = 12'h038;
  localparam logic [11:0] RegCyclesLast     = 12'h040;
  localparam logic [11:0] RegVmmCount       = 12'h044;
  localparam logic [11:0] RegErrorCount     = 12'h048;
  localparam logic [11:0] RegEventsLast     = 12'h04C;

  // Constant register values
  localparam logic [31:0] IdValue      = 32'h4858_5641;  // "HXVA"
  localparam logic [31:0] VersionValue = 32'h0001_0000;  // major 1, minor 0

  // CTRL bit positions (write-1 pulses)
  localparam int CtrlStartBit    = 0;
  localparam int CtrlAbortBit    = 1;
  localparam int CtrlSoftRstBit  = 2;
  localparam int CtrlErrClearBit = 3;

  // IRQ bit positions (IRQ_STATUS and IRQ_ENABLE)
  localparam int IrqDoneBit  = 0;
  localparam int IrqErrorBit = 1;

  // ---------------------------------------------------------------------------------------------
  // Timing-register reset values (docs/interfaces.md section 1)
  // ---------------------------------------------------------------------------------------------
  localparam logic [15:0] TResetDefault        = 16'd500;
  localparam logic [15:0] TSettleDefault       = 16'd125;
  localparam logic [7:0]  TEventWaitDefault    = 8'd5;
  localparam logic [5:0]  NumSendsDefault      = 6'd1;
  localparam logic [7:0]  TAdcResetWaitDefault = 8'd100;
  localparam logic [3:0]  TAdcStepDefault      = 4'd1;
  localparam logic [7:0]  TAdcDeadTimeDefault  = 8'd20;

  // ---------------------------------------------------------------------------------------------
  // Error codes (STATUS.ERR_CODE)
  // ---------------------------------------------------------------------------------------------
  localparam logic [7:0] ErrNone           = 8'd0;
  localparam logic [7:0] ErrStartWhileBusy = 8'd1;
  localparam logic [7:0] ErrWriteWhileBusy = 8'd2;
  localparam logic [7:0] ErrReadWhileBusy  = 8'd3;
  localparam logic [7:0] ErrInputRange     = 8'd4;
  localparam logic [7:0] ErrWeightRange    = 8'd5;
  localparam logic [7:0] ErrBadVecAddr     = 8'd6;
  localparam logic [7:0] ErrBadRegValue    = 8'd7;
  localparam logic [7:0] ErrBadRegAddr     = 8'd8;
  localparam logic [7:0] ErrNoResult       = 8'd9;

  // ---------------------------------------------------------------------------------------------
  // Control FSM phases (STATUS.PHASE encoding)
  // ---------------------------------------------------------------------------------------------
  localparam logic [2:0] PhaseIdle     = 3'd0;
  localparam logic [2:0] PhaseReset    = 3'd1;
  localparam logic [2:0] PhaseBaseline = 3'd2;
  localparam logic [2:0] PhaseEvents   = 3'd3;
  localparam logic [2:0] PhaseSettle   = 3'd4;
  localparam logic [2:0] PhaseResult   = 3'd5;
  localparam logic [2:0] PhasePost     = 3'd6;

  // ---------------------------------------------------------------------------------------------
  // Vector-port address map (16-bit vector addresses; "h" = address bit 0 selects the half)
  // ---------------------------------------------------------------------------------------------
  localparam logic [15:0] VaddrInput    = 16'h0200;  // input vector x (store / load)
  localparam logic [15:0] VaddrResult   = 16'h0210;  // result y, + h (load only)
  localparam logic [15:0] VaddrBaseline = 16'h0220;  // baseline codes, + h (load only)
  localparam logic [15:0] VaddrRaw      = 16'h0230;  // result raw codes, + h (load only)
  localparam logic [15:0] VaddrDac      = 16'h0240;  // per-driver DAC offsets (store / load)
  localparam logic [15:0] VaddrColOff   = 16'h0250;  // per-column digital offsets, + h

  // Reset value of a per-driver DAC offset
  localparam logic [5:0] DacOffsetDefault = 6'd32;

endpackage

`default_nettype wire
