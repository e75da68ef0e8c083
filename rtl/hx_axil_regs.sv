// Copyright hxsim contributors. SPDX-License-Identifier: Apache-2.0
//
// Description: AXI4-Lite slave and control/status register file (docs/interfaces.md section 4).
//
// Write channel: AW and W are accepted together, in the first cycle in which both are valid and
// the B slot is free (AWREADY/WREADY depend on AWVALID/WVALID, which AXI allows); this handles AW
// before W, W before AW and both in the same cycle. The write takes effect at that clock edge and
// BVALID rises in the next cycle, held until BREADY. Read channel: ARREADY is high while the R slot
// is free; RDATA/RRESP are captured at the AR handshake and held until RREADY.
//
// Error bookkeeping for the whole chip lives here: errors of the AXI side and of the vector port
// (vec_err_i) set STATUS.ERROR, ERR_CODE and IRQ_STATUS.ERROR_IRQ and increment ERROR_COUNT.
// Several errors in one cycle each count; ERR_CODE takes the vector port's, else the write's,
// else the read's code.

`timescale 1ns / 1ps
`default_nettype none

module hx_axil_regs
  import hx_arch_pkg::*;
(
  // Clock and asynchronous active-low reset
  input  wire logic        clk_i,
  input  wire logic        rst_ni,

  // AXI4-Lite slave: write address, write data, write response
  input  wire logic [11:0] awaddr_i,
  input  wire logic        awvalid_i,
  output logic             awready_o,
  input  wire logic [31:0] wdata_i,
  input  wire logic [3:0]  wstrb_i,
  input  wire logic        wvalid_i,
  output logic             wready_o,
  output logic [1:0]       bresp_o,
  output logic             bvalid_o,
  input  wire logic        bready_i,

  // AXI4-Lite slave: read address, read data
  input  wire logic [11:0] araddr_i,
  input  wire logic        arvalid_i,
  output logic             arready_o,
  output logic [31:0]      rdata_o,
  output logic [1:0]       rresp_o,
  output logic             rvalid_o,
  input  wire logic        rready_i,

  // Timing registers (to the control FSM, CADC sequencer and event scheduler)
  output logic [15:0]      t_reset_o,
  output logic [15:0]      t_settle_o,
  output logic [7:0]       t_event_wait_o,
  output logic [5:0]       num_sends_o,
  output logic [7:0]       t_adc_reset_wait_o,
  output logic [3:0]       t_adc_step_o,
  output logic [7:0]       t_adc_dead_time_o,

  // CTRL pulses (one cycle, in the cycle of the AXI write handshake)
  output logic             start_o,
  output logic             abort_o,
  output logic             soft_reset_o,

  // Status and counters from the control FSM
  input  wire logic        busy_i,
  input  wire logic        done_i,
  input  wire logic [2:0]  phase_i,
  input  wire logic        vmm_done_i,     // a VMM completes at the end of this cycle
  input  wire logic [31:0] cycles_last_i,
  input  wire logic [31:0] vmm_count_i,
  input  wire logic [31:0] events_last_i,

  // Refused vector-port request (one-cycle pulse with its error code)
  input  wire logic        vec_err_i,
  input  wire logic [7:0]  vec_err_code_i,

  // Interrupt, level: |(IRQ_STATUS & IRQ_ENABLE)
  output logic             irq_o
);

  localparam logic [1:0] RespOkay   = 2'b00;
  localparam logic [1:0] RespSlverr = 2'b10;
  localparam logic [1:0] IrqDoneMask  = 2'b01 << IrqDoneBit;
  localparam logic [1:0] IrqErrorMask = 2'b01 << IrqErrorBit;

  // Registers
  logic [15:0] t_reset_q, t_reset_d;
  logic [15:0] t_settle_q, t_settle_d;
  logic [7:0]  t_event_wait_q, t_event_wait_d;
  logic [5:0]  num_sends_q, num_sends_d;
  logic [7:0]  t_adc_reset_wait_q, t_adc_reset_wait_d;
  logic [3:0]  t_adc_step_q, t_adc_step_d;
  logic [7:0]  t_adc_dead_time_q, t_adc_dead_time_d;
  logic [1:0]  irq_status_q, irq_status_d;
  logic [1:0]  irq_enable_q, irq_enable_d;
  logic        err_q, err_d;
  logic [7:0]  err_code_q, err_code_d;
  logic [31:0] err_count_q, err_count_d;
  logic        bvalid_q, bvalid_d;
  logic [1:0]  bresp_q, bresp_d;
  logic        rvalid_q, rvalid_d;
  logic [1:0]  rresp_q, rresp_d;
  logic [31:0] rdata_q, rdata_d;

  // Handshakes
  logic wr_fire, rd_fire;
  assign wr_fire   = awvalid_i & wvalid_i & ~bvalid_q;
  assign rd_fire   = arvalid_i & ~rvalid_q;
  assign awready_o = wr_fire;
  assign wready_o  = wr_fire;
  assign arready_o = ~rvalid_q;

  // ---------------------------------------------------------------------------------------------
  // Write decode: value checks, CTRL pulses, write errors
  // ---------------------------------------------------------------------------------------------
  logic       wr_err;        // the write is refused (SLVERR) or START while busy (OKAY)
  logic [7:0] wr_err_code;
  logic       wr_slverr;
  logic       err_clear;

  // Write-data fields (kept out of the always_comb blocks: Icarus 11 does not support constant
  // selects there)
  logic wr_full_strb, wdata_fits4, wdata_fits2, timing_ok;
  logic ctrl_start, ctrl_abort, ctrl_soft_reset, ctrl_err_clear;
  assign wr_full_strb    = (wstrb_i == 4'hF);
  assign wdata_fits4     = (wdata_i[31:4] == 28'h0);
  assign wdata_fits2     = (wdata_i[31:2] == 30'h0);
  assign timing_ok       = timing_value_ok(awaddr_i, wdata_i);
  assign ctrl_start      = wdata_i[CtrlStartBit];
  assign ctrl_abort      = wdata_i[CtrlAbortBit];
  assign ctrl_soft_reset = wdata_i[CtrlSoftRstBit];
  assign ctrl_err_clear  = wdata_i[CtrlErrClearBit];

  always_comb begin
    wr_err       = 1'b0;
    wr_err_code  = ErrNone;
    wr_slverr    = 1'b0;
    start_o      = 1'b0;
    abort_o      = 1'b0;
    soft_reset_o = 1'b0;
    err_clear    = 1'b0;
    if (wr_fire) begin
      case (awaddr_i)
        RegCtrl: begin
          if (!wr_full_strb || !wdata_fits4) begin
            wr_err      = 1'b1;
            wr_err_code = ErrBadRegValue;
            wr_slverr   = 1'b1;
          end else begin
            err_clear = ctrl_err_clear;
            if (ctrl_soft_reset) begin
              soft_reset_o = 1'b1;
            end else if (ctrl_abort) begin
              abort_o = 1'b1;
            end else if (ctrl_start) begin
              if (busy_i) begin
                wr_err      = 1'b1;
                wr_err_code = ErrStartWhileBusy;
              end else begin
                start_o = 1'b1;
              end
            end
          end
        end
        RegIrqStatus, RegIrqEnable: begin
          if (!wr_full_strb || !wdata_fits2) begin
            wr_err      = 1'b1;
            wr_err_code = ErrBadRegValue;
            wr_slverr   = 1'b1;
          end
        end
        RegTReset, RegTSettle, RegTEventWait, RegNumSends, RegTAdcResetWait, RegTAdcStep,
        RegTAdcDeadTime: begin
          if (busy_i) begin
            wr_err      = 1'b1;
            wr_err_code = ErrWriteWhileBusy;
            wr_slverr   = 1'b1;
          end else if (!wr_full_strb || !timing_ok) begin
            wr_err      = 1'b1;
            wr_err_code = ErrBadRegValue;
            wr_slverr   = 1'b1;
          end
        end
        default: begin
          // Unmapped, unaligned or read-only register
          wr_err      = 1'b1;
          wr_err_code = ErrBadRegAddr;
          wr_slverr   = 1'b1;
        end
      endcase
    end
  end

  // Range check of a timing-register write (bits above the field must be 0, value in range)
  function automatic logic timing_value_ok(logic [11:0] addr, logic [31:0] data);
    logic ok;
    ok = 1'b0;
    case (addr)
      RegTReset, RegTSettle:           ok = (data[31:16] == 16'h0);
      RegTEventWait:                   ok = (data[31:8] == 24'h0) && (data[7:0] != 8'h0);
      RegNumSends:                     ok = (data[31:6] == 26'h0) && (data[5:0] != 6'h0);
      RegTAdcResetWait, RegTAdcDeadTime: ok = (data[31:8] == 24'h0);
      RegTAdcStep:                     ok = (data[31:4] == 28'h0) && (data[3:0] != 4'h0);
      default:                         ok = 1'b0;
    endcase
    return ok;
  endfunction

  // ---------------------------------------------------------------------------------------------
  // Next state
  // ---------------------------------------------------------------------------------------------
  // Read decode: only addresses of readable registers are mapped (CTRL reads 0)
  logic rd_bad;
  assign rd_bad = !reg_readable(araddr_i);

  function automatic logic reg_readable(logic [11:0] addr);
    logic ok;
    case (addr)
      RegId, RegVersion, RegCtrl, RegStatus, RegIrqStatus, RegIrqEnable, RegTReset, RegTSettle,
      RegTEventWait, RegNumSends, RegTAdcResetWait, RegTAdcStep, RegTAdcDeadTime, RegCyclesLast,
      RegVmmCount, RegErrorCount, RegEventsLast: ok = 1'b1;
      default:                                  ok = 1'b0;
    endcase
    return ok;
  endfunction

  logic       wr_ok;
  logic [1:0] err_inc;

  // IRQ_STATUS and ERROR_COUNT after this cycle's write / soft reset, before this cycle's sets
  logic [1:0]  irq_status_base, irq_set;
  logic [31:0] err_count_base;
  assign irq_status_base = soft_reset_o ? 2'b00 :
                           (wr_ok && (awaddr_i == RegIrqStatus)) ? (irq_status_q & ~2'(wdata_i)) :
                           irq_status_q;
  assign irq_set         = (vmm_done_i ? IrqDoneMask : 2'b00) |
                           ((err_inc != 2'd0) ? IrqErrorMask : 2'b00);
  assign err_count_base  = soft_reset_o ? 32'h0 : err_count_q;

  assign wr_ok   = wr_fire & ~wr_err;
  assign err_inc = {1'b0, wr_err} + {1'b0, rd_fire & rd_bad} + {1'b0, vec_err_i};

  always_comb begin
    t_reset_d          = t_reset_q;
    t_settle_d         = t_settle_q;
    t_event_wait_d     = t_event_wait_q;
    num_sends_d        = num_sends_q;
    t_adc_reset_wait_d = t_adc_reset_wait_q;
    t_adc_step_d       = t_adc_step_q;
    t_adc_dead_time_d  = t_adc_dead_time_q;
    irq_status_d       = irq_status_q;
    irq_enable_d       = irq_enable_q;
    err_d              = err_q;
    err_code_d         = err_code_q;
    err_count_d        = err_count_q;
    bvalid_d           = bvalid_q;
    bresp_d            = bresp_q;
    rvalid_d           = rvalid_q;
    rresp_d            = rresp_q;
    rdata_d            = rdata_q;

    // Register writes
    if (wr_ok) begin
      case (awaddr_i)
        RegTReset:        t_reset_d          = 16'(wdata_i);
        RegTSettle:       t_settle_d         = 16'(wdata_i);
        RegTEventWait:    t_event_wait_d     = 8'(wdata_i);
        RegNumSends:      num_sends_d        = 6'(wdata_i);
        RegTAdcResetWait: t_adc_reset_wait_d = 8'(wdata_i);
        RegTAdcStep:      t_adc_step_d       = 4'(wdata_i);
        RegTAdcDeadTime:  t_adc_dead_time_d  = 8'(wdata_i);
        RegIrqStatus:     irq_status_d       = irq_status_q & ~2'(wdata_i);
        RegIrqEnable:     irq_enable_d       = 2'(wdata_i);
        default:          ;
      endcase
    end

    // Clears (before the sets of this cycle, so an event of this cycle is never lost)
    if (soft_reset_o) begin
      irq_status_d = 2'b00;
      err_d        = 1'b0;
      err_code_d   = ErrNone;
      err_count_d  = 32'h0;
    end
    if (err_clear) begin
      err_d      = 1'b0;
      err_code_d = ErrNone;
    end

    // Sets (no variable of this block is read back: Icarus 11 would re-trigger the block)
    if (vmm_done_i || (err_inc != 2'd0)) begin
      irq_status_d = irq_status_base | irq_set;
    end
    if (err_inc != 2'd0) begin
      err_d       = 1'b1;
      err_count_d = err_count_base + {30'h0, err_inc};
      if (vec_err_i) begin
        err_code_d = vec_err_code_i;
      end else if (wr_err) begin
        err_code_d = wr_err_code;
      end else begin
        err_code_d = ErrBadRegAddr;
      end
    end

    // Write response channel
    if (bvalid_q && bready_i) begin
      bvalid_d = 1'b0;
    end
    if (wr_fire) begin
      bvalid_d = 1'b1;
      bresp_d  = wr_slverr ? RespSlverr : RespOkay;
    end

    // Read data channel
    if (rvalid_q && rready_i) begin
      rvalid_d = 1'b0;
    end
    if (rd_fire) begin
      rvalid_d = 1'b1;
      rresp_d  = rd_bad ? RespSlverr : RespOkay;
      case (araddr_i)
        RegId:            rdata_d = IdValue;
        RegVersion:       rdata_d = VersionValue;
        RegStatus:        rdata_d = {16'h0, err_code_q, 1'b0, phase_i, 1'b0, err_q, done_i, busy_i};
        RegIrqStatus:     rdata_d = {30'h0, irq_status_q};
        RegIrqEnable:     rdata_d = {30'h0, irq_enable_q};
        RegTReset:        rdata_d = {16'h0, t_reset_q};
        RegTSettle:       rdata_d = {16'h0, t_settle_q};
        RegTEventWait:    rdata_d = {24'h0, t_event_wait_q};
        RegNumSends:      rdata_d = {26'h0, num_sends_q};
        RegTAdcResetWait: rdata_d = {24'h0, t_adc_reset_wait_q};
        RegTAdcStep:      rdata_d = {28'h0, t_adc_step_q};
        RegTAdcDeadTime:  rdata_d = {24'h0, t_adc_dead_time_q};
        RegCyclesLast:    rdata_d = cycles_last_i;
        RegVmmCount:      rdata_d = vmm_count_i;
        RegErrorCount:    rdata_d = err_count_q;
        RegEventsLast:    rdata_d = events_last_i;
        default:          rdata_d = 32'h0;  // CTRL (write-only) and unmapped addresses
      endcase
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      t_reset_q          <= TResetDefault;
      t_settle_q         <= TSettleDefault;
      t_event_wait_q     <= TEventWaitDefault;
      num_sends_q        <= NumSendsDefault;
      t_adc_reset_wait_q <= TAdcResetWaitDefault;
      t_adc_step_q       <= TAdcStepDefault;
      t_adc_dead_time_q  <= TAdcDeadTimeDefault;
      irq_status_q       <= 2'b00;
      irq_enable_q       <= 2'b00;
      err_q              <= 1'b0;
      err_code_q         <= ErrNone;
      err_count_q        <= 32'h0;
      bvalid_q           <= 1'b0;
      bresp_q            <= RespOkay;
      rvalid_q           <= 1'b0;
      rresp_q            <= RespOkay;
      rdata_q            <= 32'h0;
    end else begin
      t_reset_q          <= t_reset_d;
      t_settle_q         <= t_settle_d;
      t_event_wait_q     <= t_event_wait_d;
      num_sends_q        <= num_sends_d;
      t_adc_reset_wait_q <= t_adc_reset_wait_d;
      t_adc_step_q       <= t_adc_step_d;
      t_adc_dead_time_q  <= t_adc_dead_time_d;
      irq_status_q       <= irq_status_d;
      irq_enable_q       <= irq_enable_d;
      err_q              <= err_d;
      err_code_q         <= err_code_d;
      err_count_q        <= err_count_d;
      bvalid_q           <= bvalid_d;
      bresp_q            <= bresp_d;
      rvalid_q           <= rvalid_d;
      rresp_q            <= rresp_d;
      rdata_q            <= rdata_d;
    end
  end

  // Outputs
  assign bvalid_o           = bvalid_q;
  assign bresp_o            = bresp_q;
  assign rvalid_o           = rvalid_q;
  assign rresp_o            = rresp_q;
  assign rdata_o            = rdata_q;
  assign t_reset_o          = t_reset_q;
  assign t_settle_o         = t_settle_q;
  assign t_event_wait_o     = t_event_wait_q;
  assign num_sends_o        = num_sends_q;
  assign t_adc_reset_wait_o = t_adc_reset_wait_q;
  assign t_adc_step_o       = t_adc_step_q;
  assign t_adc_dead_time_o  = t_adc_dead_time_q;
  assign irq_o              = |(irq_status_q & irq_enable_q);
endmodule

`default_nettype wire
