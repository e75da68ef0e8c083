// Copyright hxsim contributors. SPDX-License-Identifier: Apache-2.0
//
// Description: CapMem configuration block: the analog bias parameters of one hemisphere
// (hxsim.capmem; docs/interfaces.md section 4, docs/rtl.md "CapMem"). 10-bit cells:
//   * quadrant cells: the registers CAPMEM_<CELL>_Q<q> (10 of them, consecutive words from
//     CAPMEM_SYN_I_BIAS_DAC_Q0), entry k = (address - CAPMEM_SYN_I_BIAS_DAC_Q0) / 4;
//   * column cells: the windows CAPMEM_I_BIAS_SYNIN_GM and CAPMEM_I_BIAS_LEAK, word j = column j.
// Addresses, reset values and counts come from hx_reg_pkg (generated from data/hx_top.rdl).
//
// The write port takes a write hx_axil_regs has already checked (address mapped, idle, value in
// range): this block only stores it. The cells are held as packed vectors and presented as they
// are on the outputs to the analog array (no logic between flops and outputs), so nothing wide
// is evaluated per clock: a write updates one 10-bit slice, the read ports are one part-select
// each. The testbench's analog bridge reads the three outputs by hierarchy when this block's
// write port was used (tb_top's CapMem tracker) and never from the stimulus.

`timescale 1ns / 1ps
`default_nettype none

module hx_capmem
  import hx_reg_pkg::*;
#(
  // Columns (neurons); one column cell of each window per column
  parameter int NumCols     = 256,
  // Quadrant-cell registers (cells x quadrants), consecutive words from CAPMEM_SYN_I_BIAS_DAC_Q0
  parameter int NumQuadRegs = 10,
  // Width of one CapMem cell
  parameter int CellW       = 10
) (
  // Clock and asynchronous active-low reset (reset loads every cell's contract reset value)
  input  wire logic                       clk_i,
  input  wire logic                       rst_ni,

  // Write port: one checked AXI write (word-aligned byte address of a CapMem register or word)
  input  wire logic                       we_i,
  input  wire logic [11:0]                waddr_i,
  input  wire logic [CellW-1:0]           wdata_i,

  // Read ports (combinational): AXI read data, and the written cell's value (byte-strobe merge)
  input  wire logic [11:0]                raddr_i,
  output logic      [CellW-1:0]           rdata_o,
  input  wire logic [11:0]                maddr_i,
  output logic      [CellW-1:0]           mdata_o,

  // To the analog array: quadrant cell k at [CellW*k +: CellW]; column cell j at [CellW*j +: CellW]
  output logic      [NumQuadRegs*CellW-1:0] quad_o,
  output logic      [NumCols*CellW-1:0]     synin_gm_o,
  output logic      [NumCols*CellW-1:0]     leak_o
);

  localparam int ColW = $clog2(NumCols);
  localparam int QW   = $clog2(NumQuadRegs);

  // Reset values of the quadrant registers, entry k at [CellW*k +: CellW] (address order)
  localparam logic [NumQuadRegs*CellW-1:0] QuadResval = {
    CAPMEM_CADC_I_RAMP_SLOPE_Q1_RESVAL, CAPMEM_CADC_I_RAMP_SLOPE_Q0_RESVAL,
    CAPMEM_CADC_V_RAMP_OFFSET_Q1_RESVAL, CAPMEM_CADC_V_RAMP_OFFSET_Q0_RESVAL,
    CAPMEM_HAGEN_IBIAS_DAC_Q1_RESVAL, CAPMEM_HAGEN_IBIAS_DAC_Q0_RESVAL,
    CAPMEM_STP_I_RAMP_Q1_RESVAL, CAPMEM_STP_I_RAMP_Q0_RESVAL,
    CAPMEM_SYN_I_BIAS_DAC_Q1_RESVAL, CAPMEM_SYN_I_BIAS_DAC_Q0_RESVAL
  };

  // Configuration check (elaboration only): the contract's layout this block assumes
  initial begin : cfg_check
    if ((NumQuadRegs != 10) || (CellW != CAPMEM_I_BIAS_LEAK_WIDTH) ||
        (NumCols != CAPMEM_I_BIAS_SYNIN_GM_COUNT) || (NumCols != CAPMEM_I_BIAS_LEAK_COUNT) ||
        (CAPMEM_CADC_I_RAMP_SLOPE_Q1 != CAPMEM_SYN_I_BIAS_DAC_Q0 + 12'(4 * (NumQuadRegs - 1)))) begin
      $fatal(1, "hx_capmem: the CapMem layout of hx_reg_pkg does not match this block");
    end
  end

  // ---------------------------------------------------------------------------------------------
  // Address decode: which cell a word address names
  // ---------------------------------------------------------------------------------------------
  typedef struct packed {
    logic            gm;    // in the CAPMEM_I_BIAS_SYNIN_GM window
    logic            leak;  // in the CAPMEM_I_BIAS_LEAK window
    logic [ColW-1:0] col;   // column of a window word
    logic [QW-1:0]   quad;  // quadrant-register entry (else)
  } cell_t;

  function automatic cell_t decode(logic [11:0] addr);
    cell_t c;
    logic [12:0] a;
    logic [12:0] off_gm, off_leak, off_q;
    a        = {1'b0, addr};
    off_gm   = a - {1'b0, CAPMEM_I_BIAS_SYNIN_GM};
    off_leak = a - {1'b0, CAPMEM_I_BIAS_LEAK};
    off_q    = a - {1'b0, CAPMEM_SYN_I_BIAS_DAC_Q0};
    c.gm     = (a >= {1'b0, CAPMEM_I_BIAS_SYNIN_GM}) && (off_gm < 13'(4 * NumCols));
    c.leak   = (a >= {1'b0, CAPMEM_I_BIAS_LEAK}) && (off_leak < 13'(4 * NumCols));
    c.col    = c.leak ? off_leak[ColW+1:2] : off_gm[ColW+1:2];
    c.quad   = QW'(off_q >> 2);
    return c;
  endfunction

  cell_t wcell, rcell, mcell;
  assign wcell = decode(waddr_i);
  assign rcell = decode(raddr_i);
  assign mcell = decode(maddr_i);

  // ---------------------------------------------------------------------------------------------
  // Cells. Written in place (one slice per write) rather than through a _d copy of the whole
  // vector, which would be a 5220-bit assignment evaluated every cycle.
  // ---------------------------------------------------------------------------------------------
  logic [NumQuadRegs*CellW-1:0] quad_q;
  logic [NumCols*CellW-1:0]     gm_q, leak_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      quad_q <= QuadResval;
      gm_q   <= {NumCols{CAPMEM_I_BIAS_SYNIN_GM_RESVAL}};
      leak_q <= {NumCols{CAPMEM_I_BIAS_LEAK_RESVAL}};
    end else if (we_i) begin
      if (wcell.gm) begin
        gm_q[CellW*wcell.col +: CellW] <= wdata_i;
      end else if (wcell.leak) begin
        leak_q[CellW*wcell.col +: CellW] <= wdata_i;
      end else begin
        quad_q[CellW*wcell.quad +: CellW] <= wdata_i;
      end
    end
  end

  // ---------------------------------------------------------------------------------------------
  // Read ports and outputs
  // ---------------------------------------------------------------------------------------------
  // A quadrant entry beyond the registers (an address hx_axil_regs does not map) reads 0
  logic rquad_ok, mquad_ok;
  assign rquad_ok = (32'(rcell.quad) < NumQuadRegs);
  assign mquad_ok = (32'(mcell.quad) < NumQuadRegs);

  assign rdata_o = rcell.gm   ? gm_q[CellW*rcell.col +: CellW] :
                   rcell.leak ? leak_q[CellW*rcell.col +: CellW] :
                   rquad_ok   ? quad_q[CellW*rcell.quad +: CellW] : '0;
  assign mdata_o = mcell.gm   ? gm_q[CellW*mcell.col +: CellW] :
                   mcell.leak ? leak_q[CellW*mcell.col +: CellW] :
                   mquad_ok   ? quad_q[CellW*mcell.quad +: CellW] : '0;
  assign quad_o     = quad_q;
  assign synin_gm_o = gm_q;
  assign leak_o     = leak_q;

endmodule

`default_nettype wire
