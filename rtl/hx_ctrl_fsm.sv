// Copyright hxsim contributors. SPDX-License-Identifier: Apache-2.0
//
// Description: VMM sequencer FSM (docs/interfaces.md section 2):
//   IDLE -> RESET -> BASELINE -> EVENTS -> SETTLE -> RESULT -> POST -> IDLE
// Phases of length 0 (RESET with reset_cycles = 0, EVENTS with no non-zero input, SETTLE with
// settle_cycles = 0) are skipped, so cycle 0 is always the first non-IDLE cycle and every phase
// starts in the cycle given by the contract. BASELINE and RESULT end on the CADC sequencer's
// `cadc_last_i`, EVENTS on the event scheduler's `ev_last_i`; RESET and SETTLE are timed here.
// Also holds DONE and the counters CYCLES_LAST, VMM_COUNT and EVENTS_LAST.

`timescale 1ns / 1ps
`default_nettype none

module hx_ctrl_fsm
  import hx_reg_pkg::*;
(
  // Clock and asynchronous active-low reset
  input  wire logic        clk_i,
  input  wire logic        rst_ni,

  // CTRL pulses from the register file
  input  wire logic        start_i,
  input  wire logic        abort_i,
  input  wire logic        soft_reset_i,

  // Timing registers timed by the FSM itself (stable while busy: writes are refused)
  input  wire logic [15:0] t_reset_i,
  input  wire logic [15:0] t_settle_i,

  // Phase-end and status inputs from the datapath blocks
  input  wire logic        input_nz_i,     // the input vector has at least one non-zero lane
  input  wire logic        cadc_last_i,    // last cycle of the running CADC conversion
  input  wire logic        ev_last_i,      // last cycle of the EVENTS phase
  input  wire logic        ev_valid_i,     // an event is emitted in this cycle

  // Phase outputs
  output logic             busy_o,
  output logic [2:0]       phase_o,
  output logic             phase_first_o,  // first cycle of the current phase
  output logic             nrn_reset_o,    // RESET phase
  output logic             vmm_done_o,     // POST cycle of a VMM that completes (not stopped)

  // Result status and counters
  output logic             done_o,         // a valid result is held
  output logic [31:0]      cycles_last_o,
  output logic [31:0]      vmm_count_o,
  output logic [31:0]      events_last_o
);

  logic [2:0]  state_q, state_d;
  logic        first_q, first_d;
  logic [15:0] cnt_q, cnt_d;        // cycles spent in RESET / SETTLE
  logic [31:0] cycle_q, cycle_d;    // cycles since cycle 0 of the running VMM
  logic [31:0] ev_cnt_q, ev_cnt_d;  // events emitted by the running VMM
  logic        done_q, done_d;
  logic [31:0] cycles_last_q, cycles_last_d;
  logic [31:0] vmm_count_q, vmm_count_d;
  logic [31:0] events_last_q, events_last_d;

  logic busy;
  logic stop;      // abort or soft reset while busy
  logic settle_nz;

  assign busy      = (state_q != PHASE_IDLE);
  assign stop      = busy & (abort_i | soft_reset_i);
  assign settle_nz = (t_settle_i != 16'h0);

  always_comb begin
    state_d       = state_q;
    first_d       = 1'b0;
    cnt_d         = cnt_q;
    cycle_d       = cycle_q;
    ev_cnt_d      = ev_cnt_q;
    done_d        = done_q;
    cycles_last_d = cycles_last_q;
    vmm_count_d   = vmm_count_q;
    events_last_d = events_last_q;
    vmm_done_o    = 1'b0;

    if (busy) begin
      cycle_d  = cycle_q + 32'd1;
      ev_cnt_d = ev_cnt_q + {31'h0, ev_valid_i};
    end

    case (state_q)
      PHASE_IDLE: begin
        if (start_i) begin
          state_d  = (t_reset_i != 16'h0) ? PHASE_RESET : PHASE_BASELINE;
          first_d  = 1'b1;
          cnt_d    = 16'h0;
          cycle_d  = 32'h0;
          ev_cnt_d = 32'h0;
          done_d   = 1'b0;
        end
      end
      PHASE_RESET: begin
        if ((cnt_q + 16'd1) == t_reset_i) begin
          state_d = PHASE_BASELINE;
          first_d = 1'b1;
          cnt_d   = 16'h0;
        end else begin
          cnt_d = cnt_q + 16'd1;
        end
      end
      PHASE_BASELINE: begin
        if (cadc_last_i) begin
          state_d = input_nz_i ? PHASE_EVENTS : (settle_nz ? PHASE_SETTLE : PHASE_RESULT);
          first_d = 1'b1;
          cnt_d   = 16'h0;
        end
      end
      PHASE_EVENTS: begin
        if (ev_last_i) begin
          state_d = settle_nz ? PHASE_SETTLE : PHASE_RESULT;
          first_d = 1'b1;
          cnt_d   = 16'h0;
        end
      end
      PHASE_SETTLE: begin
        if ((cnt_q + 16'd1) == t_settle_i) begin
          state_d = PHASE_RESULT;
          first_d = 1'b1;
          cnt_d   = 16'h0;
        end else begin
          cnt_d = cnt_q + 16'd1;
        end
      end
      PHASE_RESULT: begin
        if (cadc_last_i) begin
          state_d = PHASE_POST;
          first_d = 1'b1;
          cnt_d   = 16'h0;
        end
      end
      PHASE_POST: begin
        state_d = PHASE_IDLE;
        if (!stop) begin
          vmm_done_o    = 1'b1;
          done_d        = 1'b1;
          cycles_last_d = cycle_q + 32'd1;
          vmm_count_d   = vmm_count_q + 32'd1;
          events_last_d = ev_cnt_q;
        end
      end
      default: begin
        state_d = PHASE_IDLE;
      end
    endcase

    // ABORT / SOFT_RESET: back to IDLE in the next cycle, no result
    if (stop) begin
      state_d = PHASE_IDLE;
      first_d = 1'b0;
      done_d  = 1'b0;
    end
    if (soft_reset_i) begin
      done_d        = 1'b0;
      cycles_last_d = 32'h0;
      vmm_count_d   = 32'h0;
      events_last_d = 32'h0;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q       <= PHASE_IDLE;
      first_q       <= 1'b0;
      cnt_q         <= 16'h0;
      cycle_q       <= 32'h0;
      ev_cnt_q      <= 32'h0;
      done_q        <= 1'b0;
      cycles_last_q <= 32'h0;
      vmm_count_q   <= 32'h0;
      events_last_q <= 32'h0;
    end else begin
      state_q       <= state_d;
      first_q       <= first_d;
      cnt_q         <= cnt_d;
      cycle_q       <= cycle_d;
      ev_cnt_q      <= ev_cnt_d;
      done_q        <= done_d;
      cycles_last_q <= cycles_last_d;
      vmm_count_q   <= vmm_count_d;
      events_last_q <= events_last_d;
    end
  end

  assign busy_o        = busy;
  assign phase_o       = state_q;
  assign phase_first_o = first_q;
  assign nrn_reset_o   = (state_q == PHASE_RESET);
  assign done_o        = done_q;
  assign cycles_last_o = cycles_last_q;
  assign vmm_count_o   = vmm_count_q;
  assign events_last_o = events_last_q;

endmodule

`default_nettype wire
