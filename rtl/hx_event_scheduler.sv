// Copyright hxsim contributors. SPDX-License-Identifier: Apache-2.0
//
// Description: input-vector register and event scheduler of the synapse drivers.
//
// In the EVENTS phase the scheduler emits one event per non-zero input lane, rows ascending,
// `num_sends` times over, one event every `event_wait` cycles, starting in the phase's first
// cycle: event k in cycle EVENTS + k*event_wait. Zero inputs are skipped without spending cycles:
// a remaining-row mask holds the rows still to send in the current repetition and the next row
// is its lowest set bit (priority encoder). The phase ends `event_wait - 1` cycles after the last
// event (`last_o`). An event carries the driver index and the 5-bit code 32 - x (x = 1..31).
//
// The first cycle of the phase uses a freshly loaded state (mask = non-zero lanes, repetition 0,
// slot 0) instead of the registers, so the first event needs no set-up cycle.

`timescale 1ns / 1ps
`default_nettype none

module hx_event_scheduler #(
  // Number of synapse drivers (logical rows, input lanes); the event bus carries $clog2 of it
  parameter int NumDrivers = 128,
  // Width of one input activation (unsigned, 0..31)
  parameter int InputW     = 5,
  // Width of the driver index on the event bus
  parameter int DrvIdxW    = 7
) (
  // Clock and asynchronous active-low reset
  input  wire logic                         clk_i,
  input  wire logic                         rst_ni,

  // Phase control from the control FSM
  input  wire logic                         active_i,      // EVENTS phase
  input  wire logic                         first_i,       // first cycle of the phase
  input  wire logic [7:0]                   event_wait_i,  // 1..255
  input  wire logic [5:0]                   num_sends_i,   // 1..63

  // Input-vector store port (vector port, range-checked there) and readback
  input  wire logic                         x_we_i,
  input  wire logic [NumDrivers*InputW-1:0] x_wdata_i,
  output logic      [NumDrivers*InputW-1:0] x_o,
  output logic                              x_nz_o,        // at least one non-zero lane

  // Event bus to the synapse drivers
  output logic                              ev_valid_o,
  output logic      [DrvIdxW-1:0]           ev_driver_o,
  output logic      [InputW-1:0]            ev_code_o,

  // Last cycle of the EVENTS phase
  output logic                              last_o
);

  logic [NumDrivers*InputW-1:0] x_q, x_d;
  logic [NumDrivers-1:0]        rem_q, rem_d;        // rows still to send in this repetition
  logic [5:0]                   send_q, send_d;      // repetition index
  logic [7:0]                   slot_q, slot_d;      // cycle within the event slot
  logic                         all_sent_q, all_sent_d;

  // Non-zero lanes (re-evaluated only when the input vector changes)
  logic [NumDrivers-1:0] nz;
  for (genvar i = 0; i < NumDrivers; i++) begin : gen_nz
    assign nz[i] = |x_q[i*InputW +: InputW];
  end

  // Effective state of this cycle (fresh state in the first cycle of the phase)
  logic [NumDrivers-1:0] rem;
  logic [5:0]            send;
  logic [7:0]            slot;
  logic                  all_sent;
  assign rem      = first_i ? nz : rem_q;
  assign send     = first_i ? 6'h0 : send_q;
  assign slot     = first_i ? 8'h0 : slot_q;
  assign all_sent = first_i ? 1'b0 : all_sent_q;

  // Lowest remaining row (priority encoder). Only needed in the first cycle of an event slot (an
  // event is emitted only there), so it is evaluated only then (0 otherwise): the 128-row search
  // does not run every cycle.
  logic [DrvIdxW-1:0] sel;
  always_comb begin
    sel = '0;
    if (active_i && (slot == 8'h0)) begin
      /*verilator unroll_full*/
      for (int i = NumDrivers - 1; i >= 0; i--) begin
        if (rem[i]) begin
          sel = DrvIdxW'(i);
        end
      end
    end
  end

  logic [NumDrivers-1:0] rem_next;   // rem without its lowest set bit
  logic                  emit, rep_done, final_ev, slot_end;
  logic [InputW-1:0]     x_sel;

  assign rem_next = rem & (rem - {{(NumDrivers-1){1'b0}}, 1'b1});
  assign emit     = active_i & (slot == 8'h0) & ~all_sent & (rem != '0);
  assign rep_done = (rem_next == '0);
  assign final_ev = emit & rep_done & ((send + 6'd1) == num_sends_i);
  assign slot_end = ((slot + 8'd1) == event_wait_i);
  assign x_sel    = x_q[sel*InputW +: InputW];

  always_comb begin
    x_d        = x_q;
    rem_d      = rem_q;
    send_d     = send_q;
    slot_d     = slot_q;
    all_sent_d = all_sent_q;
    if (x_we_i) begin
      x_d = x_wdata_i;
    end
    if (active_i) begin
      rem_d      = rem;
      send_d     = send;
      all_sent_d = all_sent;
      slot_d     = slot_end ? 8'h0 : (slot + 8'd1);
      if (emit) begin
        if (!rep_done) begin
          rem_d = rem_next;
        end else if (final_ev) begin
          rem_d      = '0;
          all_sent_d = 1'b1;
        end else begin
          rem_d  = nz;
          send_d = send + 6'd1;
        end
      end
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      x_q        <= '0;
      rem_q      <= '0;
      send_q     <= 6'h0;
      slot_q     <= 8'h0;
      all_sent_q <= 1'b0;
    end else begin
      x_q        <= x_d;
      rem_q      <= rem_d;
      send_q     <= send_d;
      slot_q     <= slot_d;
      all_sent_q <= all_sent_d;
    end
  end

  assign x_o         = x_q;
  assign x_nz_o      = (nz != '0);
  assign ev_valid_o  = emit;
  assign ev_driver_o = emit ? sel : '0;
  assign ev_code_o   = emit ? ({InputW{1'b0}} - x_sel) : '0;   // 32 - x, modulo 32
  assign last_o      = active_i & slot_end & (all_sent | final_ev);

endmodule

`default_nettype wire
