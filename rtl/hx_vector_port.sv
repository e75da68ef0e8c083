// Copyright hxsim contributors. SPDX-License-Identifier: Apache-2.0
//
// Description: PPU vector port (docs/interfaces.md section 5).
//
// Request: valid/ready, one outstanding request: `vreq_ready_o` is high only while the response
// slot is free. The request is decoded and checked in the cycle it is accepted; a store is
// performed at that clock edge, a load captures its data there. A synapse-row load reads the
// SRAM (registered read) and answers one cycle later. The response (valid, data, err) is
// registered and held until `vrsp_ready_i`. Stores and refused requests answer data 0.
//
// Checks, first match wins: unmapped address or store to a load-only address (BAD_VEC_ADDR);
// busy (WRITE_WHILE_BUSY for a store, READ_WHILE_BUSY for a load); lane out of range for an input
// store (INPUT_RANGE, lane > 31) or a synapse-row / DAC-offset store (WEIGHT_RANGE, lane > 63);
// result/baseline/raw load without a valid result (NO_RESULT).
//
// Lane l of a half-row vector (h = address bit 0) is column 2l + h.

`timescale 1ns / 1ps
`default_nettype none

module hx_vector_port
  import hx_reg_pkg::*;
#(
  // Number of 8-bit lanes of a vector (= number of synapse drivers)
  parameter int NumLanes = 128,
  // Number of columns (2 lanes' worth: even and odd half)
  parameter int NumCols  = 256,
  // Width of a stored synapse weight magnitude and of a DAC offset
  parameter int WeightW  = 6,
  // Width of an input activation
  parameter int InputW   = 5,
  // Width of a CADC code / result / digital offset (= lane width)
  parameter int CodeW    = 8,
  // Synapse SRAM row address width
  parameter int RowW     = 8
) (
  // Clock and asynchronous active-low reset
  input  wire logic                       clk_i,
  input  wire logic                       rst_ni,

  // Vector request from the PPU
  input  wire logic                       vreq_valid_i,
  output logic                            vreq_ready_o,
  input  wire logic                       vreq_we_i,
  input  wire logic [15:0]                vreq_addr_i,
  input  wire logic [NumLanes*8-1:0]      vreq_wdata_i,

  // Vector response to the PPU
  output logic                            vrsp_valid_o,
  input  wire logic                       vrsp_ready_i,
  output logic      [NumLanes*8-1:0]      vrsp_rdata_o,
  output logic                            vrsp_err_o,

  // Chip state
  input  wire logic                       busy_i,
  input  wire logic                       done_i,      // a valid result is held

  // Synapse SRAM port
  output logic                            sram_we_o,
  output logic                            sram_re_o,
  output logic      [RowW-1:0]            sram_addr_o,
  output logic      [NumCols-1:0]         sram_wmask_o,
  output logic      [NumCols*WeightW-1:0] sram_wdata_o,
  input  wire logic [NumCols*WeightW-1:0] sram_rdata_i,

  // Input vector (event scheduler)
  output logic                            x_we_o,
  output logic      [NumLanes*InputW-1:0] x_wdata_o,
  input  wire logic [NumLanes*InputW-1:0] x_i,

  // Per-driver DAC offsets (driver registers)
  output logic                            dac_we_o,
  output logic      [NumLanes*WeightW-1:0] dac_wdata_o,
  input  wire logic [NumLanes*WeightW-1:0] dac_i,

  // Per-column digital offsets and result buffers (CADC sequencer)
  output logic                            coff_we_o,
  output logic      [NumCols-1:0]         coff_wmask_o,
  output logic      [NumCols*CodeW-1:0]   coff_wdata_o,
  input  wire logic [NumCols*CodeW-1:0]   coff_i,
  input  wire logic [NumCols*CodeW-1:0]   result_i,
  input  wire logic [NumCols*CodeW-1:0]   baseline_i,
  input  wire logic [NumCols*CodeW-1:0]   raw_i,

  // Refused request (one-cycle pulse in the accept cycle) and its error code
  output logic                            err_o,
  output logic      [7:0]                 err_code_o
);

  localparam int VecW = NumLanes * 8;

  logic            rsp_valid_q, rsp_valid_d;
  logic            rsp_err_q, rsp_err_d;
  logic [VecW-1:0] rsp_data_q;
  logic            pend_q, pend_d;      // synapse-row load waiting for the SRAM read data
  logic            pend_h_q, pend_h_d;  // its half

  logic accept;
  assign vreq_ready_o = ~rsp_valid_q & ~pend_q;
  assign accept       = vreq_valid_i & vreq_ready_o;

  // ---------------------------------------------------------------------------------------------
  // Address decode
  // ---------------------------------------------------------------------------------------------
  logic h;
  logic is_sram, is_input, is_result, is_base, is_raw, is_dac, is_coff;
  logic mapped, storable, needs_result;
  assign h            = vreq_addr_i[0];
  assign is_sram      = (vreq_addr_i[15:9] == VA_SYN[15:9]);  // 256 rows x 2 halves
  assign is_input     = (vreq_addr_i == VA_INPUT);
  assign is_result    = (vreq_addr_i[15:1] == VA_RESULT[15:1]);
  assign is_base      = (vreq_addr_i[15:1] == VA_BASELINE[15:1]);
  assign is_raw       = (vreq_addr_i[15:1] == VA_RAW_RESULT[15:1]);
  assign is_dac       = (vreq_addr_i == VA_DAC);
  assign is_coff      = (vreq_addr_i[15:1] == VA_COL_OFFSET[15:1]);
  assign mapped       = is_sram | is_input | is_result | is_base | is_raw | is_dac | is_coff;
  assign storable     = is_sram | is_input | is_dac | is_coff;
  assign needs_result = is_result | is_base | is_raw;

  // Lane range checks of the store data: one wide AND per check (lane l is bits [8l +: 8])
  logic lane_gt31, lane_gt63;
  assign lane_gt31 = |(vreq_wdata_i & {NumLanes{8'hE0}});
  assign lane_gt63 = |(vreq_wdata_i & {NumLanes{8'hC0}});

  // Request check
  logic       req_err;
  logic [7:0] req_err_code;
  always_comb begin
    req_err      = 1'b1;
    req_err_code = ERR_NONE;
    if (!mapped || (vreq_we_i && !storable)) begin
      req_err_code = ERR_BAD_VEC_ADDR;
    end else if (busy_i) begin
      req_err_code = vreq_we_i ? ERR_WRITE_WHILE_BUSY : ERR_READ_WHILE_BUSY;
    end else if (vreq_we_i && is_input && lane_gt31) begin
      req_err_code = ERR_INPUT_RANGE;
    end else if (vreq_we_i && (is_sram || is_dac) && lane_gt63) begin
      req_err_code = ERR_WEIGHT_RANGE;
    end else if (!vreq_we_i && needs_result && !done_i) begin
      req_err_code = ERR_NO_RESULT;
    end else begin
      req_err = 1'b0;
    end
  end

  logic do_store, do_load;
  assign do_store   = accept & ~req_err & vreq_we_i;
  assign do_load    = accept & ~req_err & ~vreq_we_i;
  assign err_o      = accept & req_err;
  assign err_code_o = req_err_code;

  // ---------------------------------------------------------------------------------------------
  // Stores: lane l goes to both columns 2l and 2l+1, the column mask selects the half
  // ---------------------------------------------------------------------------------------------
  logic [NumCols-1:0] half_mask;
  assign half_mask = h ? {NumLanes{2'b10}} : {NumLanes{2'b01}};

  // Lane l goes to columns 2l and 2l+1. Each wide output is built by one function call, so a
  // simulator updates it once per change of the request data (per-lane continuous assignments
  // made Icarus propagate every partial update through the wide nets, ~0.5 s per change), and
  // only in the cycle of a store to its target: otherwise it is 0, so the per-lane work is not
  // repeated every cycle (or, in Verilator, at every evaluation of the input logic).
  function automatic logic [NumCols*WeightW-1:0] spread6(input logic [VecW-1:0] d);
    for (int l = 0; l < NumLanes; l++) begin
      spread6[(2*l)*WeightW +: WeightW]   = d[l*8 +: WeightW];
      spread6[(2*l+1)*WeightW +: WeightW] = d[l*8 +: WeightW];
    end
  endfunction

  function automatic logic [NumCols*CodeW-1:0] spread8(input logic [VecW-1:0] d);
    for (int l = 0; l < NumLanes; l++) begin
      spread8[(2*l)*CodeW +: CodeW]   = d[l*8 +: CodeW];
      spread8[(2*l+1)*CodeW +: CodeW] = d[l*8 +: CodeW];
    end
  endfunction

  function automatic logic [NumLanes*InputW-1:0] pack5(input logic [VecW-1:0] d);
    for (int l = 0; l < NumLanes; l++) begin
      pack5[l*InputW +: InputW] = d[l*8 +: InputW];
    end
  endfunction

  function automatic logic [NumLanes*WeightW-1:0] pack6(input logic [VecW-1:0] d);
    for (int l = 0; l < NumLanes; l++) begin
      pack6[l*WeightW +: WeightW] = d[l*8 +: WeightW];
    end
  endfunction

  assign sram_we_o    = do_store & is_sram;
  assign sram_re_o    = do_load & is_sram;
  assign sram_addr_o  = vreq_addr_i[RowW:1];
  assign sram_wmask_o = half_mask;
  assign coff_we_o    = do_store & is_coff;
  assign coff_wmask_o = half_mask;
  assign x_we_o       = do_store & is_input;
  assign dac_we_o     = do_store & is_dac;

  // One assignment per branch (a default overwritten in the same block re-triggers the block in
  // Icarus 11 whenever the final value differs from the default: docs/rtl.md)
  always_comb begin
    if (sram_we_o) begin
      sram_wdata_o = spread6(vreq_wdata_i);
    end else begin
      sram_wdata_o = '0;
    end
  end

  always_comb begin
    if (coff_we_o) begin
      coff_wdata_o = spread8(vreq_wdata_i);
    end else begin
      coff_wdata_o = '0;
    end
  end

  always_comb begin
    if (x_we_o) begin
      x_wdata_o = pack5(vreq_wdata_i);
    end else begin
      x_wdata_o = '0;
    end
  end

  always_comb begin
    if (dac_we_o) begin
      dac_wdata_o = pack6(vreq_wdata_i);
    end else begin
      dac_wdata_o = '0;
    end
  end

  // ---------------------------------------------------------------------------------------------
  // Loads: the response data is selected only at the clock edges that fill the response slot (the
  // accept edge, and the edge after an SRAM read), inside the response register's process; lane l
  // of half h is column 2l + h of a per-column vector. 0 for stores and refused requests.
  // ---------------------------------------------------------------------------------------------
  logic rsp_load;
  assign rsp_load = pend_q | (accept & ~(do_load & is_sram));

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      rsp_data_q <= '0;
    end else if (rsp_load) begin
      for (int l = 0; l < NumLanes; l++) begin
        if (pend_q) begin
          rsp_data_q[l*8 +: 8] <= 8'(sram_rdata_i[(2*l + pend_h_q)*WeightW +: WeightW]);
        end else if (!do_load) begin
          rsp_data_q[l*8 +: 8] <= 8'h00;
        end else if (is_input) begin
          rsp_data_q[l*8 +: 8] <= 8'(x_i[l*InputW +: InputW]);
        end else if (is_dac) begin
          rsp_data_q[l*8 +: 8] <= 8'(dac_i[l*WeightW +: WeightW]);
        end else if (is_result) begin
          rsp_data_q[l*8 +: 8] <= result_i[(2*l + h)*CodeW +: CodeW];
        end else if (is_base) begin
          rsp_data_q[l*8 +: 8] <= baseline_i[(2*l + h)*CodeW +: CodeW];
        end else if (is_raw) begin
          rsp_data_q[l*8 +: 8] <= raw_i[(2*l + h)*CodeW +: CodeW];
        end else if (is_coff) begin
          rsp_data_q[l*8 +: 8] <= coff_i[(2*l + h)*CodeW +: CodeW];
        end else begin
          rsp_data_q[l*8 +: 8] <= 8'h00;
        end
      end
    end
  end

  // ---------------------------------------------------------------------------------------------
  // Response slot
  // ---------------------------------------------------------------------------------------------
  always_comb begin
    rsp_valid_d = rsp_valid_q;
    rsp_err_d   = rsp_err_q;
    pend_d      = 1'b0;
    pend_h_d    = pend_h_q;
    if (rsp_valid_q && vrsp_ready_i) begin
      rsp_valid_d = 1'b0;
    end
    if (pend_q) begin
      rsp_valid_d = 1'b1;
      rsp_err_d   = 1'b0;
    end else if (accept) begin
      if (do_load && is_sram) begin
        pend_d   = 1'b1;
        pend_h_d = h;
      end else begin
        rsp_valid_d = 1'b1;
        rsp_err_d   = req_err;
      end
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      rsp_valid_q <= 1'b0;
      rsp_err_q   <= 1'b0;
      pend_q      <= 1'b0;
      pend_h_q    <= 1'b0;
    end else begin
      rsp_valid_q <= rsp_valid_d;
      rsp_err_q   <= rsp_err_d;
      pend_q      <= pend_d;
      pend_h_q    <= pend_h_d;
    end
  end

  assign vrsp_valid_o = rsp_valid_q;
  assign vrsp_err_o   = rsp_err_q;
  assign vrsp_rdata_o = rsp_data_q;

endmodule

`default_nettype wire
