// Copyright hxsim contributors. SPDX-License-Identifier: Apache-2.0
//
// Description: synapse SRAM, one word per physical synapse row, column j at [WeightW*j +: WeightW].
// Single port with a per-column write mask (a vector store writes the even or the odd columns of a
// row) and a registered read (data in the cycle after `re_i`, held until the next read).
//
// The testbench reads `mem` by hierarchy (u_sram.mem) - keep its name and shape. Like an SRAM
// macro it has no reset (rst_ni does not touch it). Its power-up contents are 0 (an `initial`
// load, as FPGA block RAM powers up with its initial contents), so a row never written reads 0
// in every simulator, 2-state or 4-state (docs/interfaces.md section 7.9). The chip's SRAM
// powers up undefined: software writes every row it uses before a VMM.

`timescale 1ns / 1ps
`default_nettype none

module hx_synapse_sram #(
  // Number of physical synapse rows (2 per synapse driver)
  parameter int NumRows = 256,
  // Number of columns (neurons)
  parameter int NumCols = 256,
  // Width of one stored weight magnitude
  parameter int WeightW = 6,
  // Row address width
  parameter int AddrW   = 8
) (
  // Clock (the memory has no reset)
  input  wire logic                       clk_i,

  // Access port: write (masked per column) or read
  input  wire logic                       we_i,
  input  wire logic                       re_i,
  input  wire logic [AddrW-1:0]           addr_i,
  input  wire logic [NumCols-1:0]         wmask_i,
  input  wire logic [NumCols*WeightW-1:0] wdata_i,
  output logic      [NumCols*WeightW-1:0] rdata_o
);

  logic [NumCols*WeightW-1:0] mem [NumRows];
  logic [NumCols*WeightW-1:0] rdata_q;

  // Power-up contents (not a reset: rst_ni keeps the memory)
  initial begin : powerup
    for (int r = 0; r < NumRows; r++) begin
      mem[r] = '0;
    end
    rdata_q = '0;
  end

  // Memory array and read register (no reset, as an SRAM macro)
  always_ff @(posedge clk_i) begin
    if (we_i) begin
      for (int j = 0; j < NumCols; j++) begin
        if (wmask_i[j]) begin
          mem[addr_i][j*WeightW +: WeightW] <= wdata_i[j*WeightW +: WeightW];
        end
      end
    end
    if (re_i) begin
      rdata_q <= mem[addr_i];
    end
  end

  assign rdata_o = rdata_q;

endmodule

`default_nettype wire
