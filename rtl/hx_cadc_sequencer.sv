// Copyright hxsim contributors. SPDX-License-Identifier: Apache-2.0
//
// Description: column ADC (CADC) sequencer and result post-processing.
//
// One conversion, from its first cycle c0 (`start_i`):
//   RWAIT  adc_reset_wait cycles, ramp invalid
//   RAMP   256 steps s = 0..255 of adc_step cycles each, ramp_o = s, ramp_valid_o high; at the
//          edge ending the last cycle of a step every column not yet latched whose comparator is 1
//          latches s; at the end of step 255 all columns still unlatched latch 255
//   DEAD   adc_dead_time cycles, ramp invalid
// In the conversion's last cycle (`last_o`) the latched codes go to the baseline (sel 0) or raw
// result (sel 1) buffer. In the POST cycle (`post_i`) the result buffer takes
// y_j = sat_int8(raw_j - baseline_j + offset_j). The per-column digital offsets live here too.
//
// The first cycle uses a freshly loaded state (RWAIT, or RAMP step 0 if adc_reset_wait = 0), so
// the conversion needs no set-up cycle. The per-column latch mask is non-zero only at step ends,
// and the 256-column loops (latching, buffer copy, POST, offset store) run only at the clock edges
// that need them.

`timescale 1ns / 1ps
`default_nettype none

module hx_cadc_sequencer #(
  // Number of columns (neurons, CADC channels)
  parameter int NumCols = 256,
  // Width of one CADC code, result and digital offset
  parameter int CodeW   = 8
) (
  // Clock and asynchronous active-low reset
  input  wire logic                     clk_i,
  input  wire logic                     rst_ni,

  // Control from the FSM
  input  wire logic                     active_i,         // BASELINE or RESULT phase
  input  wire logic                     start_i,          // first cycle of the conversion
  input  wire logic                     sel_i,            // 0 baseline, 1 result conversion
  input  wire logic                     post_i,           // POST cycle: compute the result
  output logic                          last_o,           // last cycle of the conversion

  // Timing registers
  input  wire logic [7:0]               adc_reset_wait_i,
  input  wire logic [3:0]               adc_step_i,       // 1..15
  input  wire logic [7:0]               adc_dead_time_i,

  // Ramp to and comparators from the analog array
  output logic                          ramp_valid_o,
  output logic      [7:0]               ramp_o,
  input  wire logic [NumCols-1:0]       cmp_i,

  // Per-column digital offsets: store port (masked per column) and readback
  input  wire logic                     coff_we_i,
  input  wire logic [NumCols-1:0]       coff_wmask_i,
  input  wire logic [NumCols*CodeW-1:0] coff_wdata_i,
  output logic      [NumCols*CodeW-1:0] coff_o,

  // Buffers (column j at [CodeW*j +: CodeW])
  output logic      [NumCols*CodeW-1:0] baseline_o,       // baseline codes (uint8)
  output logic      [NumCols*CodeW-1:0] raw_o,            // result codes (uint8)
  output logic      [NumCols*CodeW-1:0] result_o          // y (int8)
);

  localparam logic [1:0] SubIdle  = 2'd0;
  localparam logic [1:0] SubRWait = 2'd1;
  localparam logic [1:0] SubRamp  = 2'd2;
  localparam logic [1:0] SubDead  = 2'd3;

  // Saturation bounds of a result (int8 for CodeW = 8)
  localparam logic signed [CodeW+1:0] SatMax = (CodeW+2)'((1 << (CodeW - 1)) - 1);
  localparam logic signed [CodeW+1:0] SatMin = -(CodeW+2)'(1 << (CodeW - 1));

  logic [1:0]               sub_q, sub_d;
  logic [7:0]               cnt_q, cnt_d;         // cycle within RWAIT / DEAD
  logic [7:0]               ramp_q, ramp_d;       // ramp step s
  logic [3:0]               step_q, step_d;       // cycle within the step
  logic [NumCols-1:0]       latched_q, latched_d;
  logic [NumCols*CodeW-1:0] code_q;               // per-column latches
  logic [NumCols*CodeW-1:0] base_q;
  logic [NumCols*CodeW-1:0] raw_q;
  logic [NumCols*CodeW-1:0] res_q;
  logic [NumCols*CodeW-1:0] coff_q;

  // Effective state of this cycle
  logic [1:0] sub;
  logic [7:0] cnt, ramp;
  logic [3:0] step;
  always_comb begin
    sub  = sub_q;
    cnt  = cnt_q;
    ramp = ramp_q;
    step = step_q;
    if (!active_i) begin
      sub = SubIdle;
    end else if (start_i) begin
      sub  = (adc_reset_wait_i != 8'h0) ? SubRWait : SubRamp;
      cnt  = 8'h0;
      ramp = 8'h0;
      step = 4'h0;
    end
  end

  logic step_end, ramp_end;
  assign step_end = (sub == SubRamp) & ((step + 4'd1) == adc_step_i);
  assign ramp_end = step_end & (ramp == 8'hFF);

  // Latched flags of this cycle: cleared at the start of every conversion
  logic [NumCols-1:0] latched;
  assign latched = start_i ? '0 : latched_q;

  // Sub-phase sequencing
  always_comb begin
    sub_d  = sub;
    cnt_d  = cnt;
    ramp_d = ramp;
    step_d = step;
    last_o = 1'b0;
    case (sub)
      SubRWait: begin
        if ((cnt + 8'd1) == adc_reset_wait_i) begin
          sub_d  = SubRamp;
          ramp_d = 8'h0;
          step_d = 4'h0;
        end else begin
          cnt_d = cnt + 8'd1;
        end
      end
      SubRamp: begin
        if (ramp_end) begin
          cnt_d = 8'h0;
          if (adc_dead_time_i != 8'h0) begin
            sub_d = SubDead;
          end else begin
            sub_d  = SubIdle;
            last_o = 1'b1;
          end
        end else if (step_end) begin
          ramp_d = ramp + 8'd1;
          step_d = 4'h0;
        end else begin
          step_d = step + 4'd1;
        end
      end
      SubDead: begin
        if ((cnt + 8'd1) == adc_dead_time_i) begin
          sub_d  = SubIdle;
          last_o = 1'b1;
        end else begin
          cnt_d = cnt + 8'd1;
        end
      end
      default: begin
        sub_d = SubIdle;
      end
    endcase
  end

  // Per-column latches: columns latching at the end of this cycle (only at the end of a step)
  logic [NumCols-1:0] latch_now;
  assign latch_now = step_end ? (~latched & (cmp_i | {NumCols{ramp_end}})) : '0;
  assign latched_d = latched | latch_now;

  // y = sat_int8(raw - baseline + offset); |raw - baseline + offset| < 512 fits 10 bit signed
  function automatic logic [CodeW-1:0] post_value(logic [CodeW-1:0] raw, logic [CodeW-1:0] base,
                                                  logic [CodeW-1:0] off);
    logic signed [CodeW+1:0] diff;
    logic [CodeW-1:0]        y;
    diff = $signed({2'b00, raw}) - $signed({2'b00, base}) + (CodeW+2)'($signed(off));
    if (diff > SatMax) begin
      y = CodeW'(SatMax);
    end else if (diff < SatMin) begin
      y = CodeW'(SatMin);
    end else begin
      y = CodeW'(diff);
    end
    return y;
  endfunction

  // Sequencing state and latch flags
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      sub_q     <= SubIdle;
      cnt_q     <= 8'h0;
      ramp_q    <= 8'h0;
      step_q    <= 4'h0;
      latched_q <= '0;
    end else begin
      sub_q     <= sub_d;
      cnt_q     <= cnt_d;
      ramp_q    <= ramp_d;
      step_q    <= step_d;
      latched_q <= latched_d;
    end
  end

  // Per-column datapath: the 256-column loops sit in the registers' processes, under the condition
  // that loads the register (a step end, the last cycle, POST, an offset store), so they run only
  // at those clock edges, not every cycle (nor, in Verilator, at every evaluation of the logic).
  // No continuous logic reads these wide registers (the vector port selects its load data at the
  // clock edge too), so a change of one column does not propagate through wide nets in Icarus.

  // Per-column latches: the columns in latch_now take the ramp value (only at a step end)
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      code_q <= '0;
    end else if (step_end) begin
      /*verilator unroll_full*/
      for (int j = 0; j < NumCols; j++) begin
        if (latch_now[j]) begin
          code_q[j*CodeW +: CodeW] <= ramp;
        end
      end
    end
  end

  // Buffers: the latched codes, with this cycle's latches, go to the baseline or raw-result buffer
  // in the last cycle; POST computes the result; the digital offsets take a masked store
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      base_q <= '0;
      raw_q  <= '0;
      res_q  <= '0;
      coff_q <= '0;
    end else begin
      if (last_o) begin
        if (sel_i) begin
          for (int j = 0; j < NumCols; j++) begin
            raw_q[j*CodeW +: CodeW] <= latch_now[j] ? ramp : code_q[j*CodeW +: CodeW];
          end
        end else begin
          for (int j = 0; j < NumCols; j++) begin
            base_q[j*CodeW +: CodeW] <= latch_now[j] ? ramp : code_q[j*CodeW +: CodeW];
          end
        end
      end
      if (post_i) begin
        for (int j = 0; j < NumCols; j++) begin
          res_q[j*CodeW +: CodeW] <= post_value(raw_q[j*CodeW +: CodeW], base_q[j*CodeW +: CodeW],
                                                coff_q[j*CodeW +: CodeW]);
        end
      end
      if (coff_we_i) begin
        for (int j = 0; j < NumCols; j++) begin
          if (coff_wmask_i[j]) begin
            coff_q[j*CodeW +: CodeW] <= coff_wdata_i[j*CodeW +: CodeW];
          end
        end
      end
    end
  end

  assign ramp_valid_o = (sub == SubRamp);
  assign ramp_o       = (sub == SubRamp) ? ramp : 8'h0;
  assign coff_o       = coff_q;
  assign baseline_o   = base_q;
  assign raw_o        = raw_q;
  assign result_o     = res_q;

endmodule

`default_nettype wire
