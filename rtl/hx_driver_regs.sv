// Copyright hxsim contributors. SPDX-License-Identifier: Apache-2.0
//
// Description: per-driver calibration registers of the synapse drivers: one 6-bit DAC offset per
// driver (reset value 32), written and read through the vector port (address 0x240) and read by
// the analog model from `dac_offset_o` (driver i at [6*i +: 6]).

`timescale 1ns / 1ps
`default_nettype none

module hx_driver_regs
  import hx_reg_pkg::*;
#(
  // Number of synapse drivers
  parameter int NumDrivers = 128,
  // Width of one DAC offset
  parameter int DacW       = 6
) (
  // Clock and asynchronous active-low reset
  input  wire logic                       clk_i,
  input  wire logic                       rst_ni,

  // Store port (vector port, range-checked there)
  input  wire logic                       we_i,
  input  wire logic [NumDrivers*DacW-1:0] wdata_i,

  // Current offsets (vector-port loads and the analog model)
  output logic      [NumDrivers*DacW-1:0] dac_offset_o
);

  logic [NumDrivers*DacW-1:0] dac_q, dac_d;

  always_comb begin
    dac_d = dac_q;
    if (we_i) begin
      dac_d = wdata_i;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      dac_q <= {NumDrivers{DacW'(VA_DAC_RESVAL)}};
    end else begin
      dac_q <= dac_d;
    end
  end

  assign dac_offset_o = dac_q;

endmodule

`default_nettype wire
