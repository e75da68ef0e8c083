// Copyright hxsim contributors. SPDX-License-Identifier: Apache-2.0
//
// Description: digital control path of one BrainScaleS-2 hemisphere in hagen (VMM) mode.
// Flat ports exactly as docs/interfaces.md section 3; block diagram in docs/rtl.md.

`timescale 1ns / 1ps
`default_nettype none

module hx_top
  import hx_reg_pkg::*;
#(
  // Synapse drivers = logical rows = input lanes (the event bus address is 7 bit: 128 max)
  parameter int NumDrivers = 128,
  // Columns = neurons = CADC channels (two lanes' worth: even and odd half of a vector)
  parameter int NumCols    = 256,
  // Lanes of a PPU vector (8 bit each); must equal NumDrivers and NumCols / 2
  parameter int NumLanes   = 128,
  // CapMem quadrant-cell registers (5 cells x 2 quadrants) and cell width (hx_reg_pkg)
  parameter int NumCapmemQuad = 10,
  parameter int CapmemW       = CAPMEM_I_BIAS_LEAK_WIDTH
) (
  // Clock (125 MHz) and asynchronous active-low reset
  input  wire logic                      clk_i,
  input  wire logic                      rst_ni,

  // AXI4-Lite slave: register file (prot ignored)
  input  wire logic [11:0]               s_axil_awaddr,
  input  wire logic [2:0]                s_axil_awprot,
  input  wire logic                      s_axil_awvalid,
  output logic                           s_axil_awready,
  input  wire logic [31:0]               s_axil_wdata,
  input  wire logic [3:0]                s_axil_wstrb,
  input  wire logic                      s_axil_wvalid,
  output logic                           s_axil_wready,
  output logic      [1:0]                s_axil_bresp,
  output logic                           s_axil_bvalid,
  input  wire logic                      s_axil_bready,
  input  wire logic [11:0]               s_axil_araddr,
  input  wire logic [2:0]                s_axil_arprot,
  input  wire logic                      s_axil_arvalid,
  output logic                           s_axil_arready,
  output logic      [31:0]               s_axil_rdata,
  output logic      [1:0]                s_axil_rresp,
  output logic                           s_axil_rvalid,
  input  wire logic                      s_axil_rready,

  // Vector port request (PPU)
  input  wire logic                      vreq_valid_i,
  output logic                           vreq_ready_o,
  input  wire logic                      vreq_we_i,
  input  wire logic [15:0]               vreq_addr_i,
  input  wire logic [NumLanes*8-1:0]     vreq_wdata_i,

  // Vector port response
  output logic                           vrsp_valid_o,
  input  wire logic                      vrsp_ready_i,
  output logic      [NumLanes*8-1:0]     vrsp_rdata_o,
  output logic                           vrsp_err_o,

  // Interrupt (level)
  output logic                           irq_o,

  // Event bus to the synapse drivers
  output logic                           ev_valid_o,
  output logic      [6:0]                ev_driver_o,
  output logic      [4:0]                ev_code_o,

  // Neuron membrane reset
  output logic                           nrn_reset_o,

  // CADC control to and comparators from the analog array
  output logic                           cadc_start_o,
  output logic                           cadc_sel_o,
  output logic                           cadc_ramp_valid_o,
  output logic      [7:0]                cadc_ramp_o,
  input  wire logic [NumCols-1:0]        cadc_cmp_i,

  // Analog configuration: per-driver DAC offsets, driver i at [6*i +: 6]
  output logic      [NumDrivers*6-1:0]   dac_offset_o,

  // Analog configuration: CapMem cells (rtl/hx_capmem.sv), 10 bits each. Quadrant register k
  // (address order from CAPMEM_SYN_I_BIAS_DAC_Q0: cell-major, quadrant-minor) at [10*k +: 10];
  // column cells of column j at [10*j +: 10]
  output logic      [NumCapmemQuad*CapmemW-1:0] capmem_quad_o,
  output logic      [NumCols*CapmemW-1:0]       capmem_synin_gm_o,
  output logic      [NumCols*CapmemW-1:0]       capmem_leak_o
);

  localparam int WeightW = 6;                   // synapse weight magnitude / DAC offset width
  localparam int InputW  = 5;                   // input activation width
  localparam int CodeW   = 8;                   // CADC code / result / digital offset width
  localparam int RowW    = $clog2(2 * NumDrivers);  // physical row address width

  // Configuration check (elaboration only, not part of the hardware)
  initial begin : cfg_check
    if ((NumLanes != NumDrivers) || (2 * NumLanes != NumCols) || (NumDrivers > 128)) begin
      $fatal(1, "hx_top: need NumLanes == NumDrivers == NumCols/2 <= 128");
    end
  end

  // Unused inputs (AXI protection attributes are ignored)
  logic unused_prot;
  assign unused_prot = ^{s_axil_awprot, s_axil_arprot};

  // ---------------------------------------------------------------------------------------------
  // Interconnect
  // ---------------------------------------------------------------------------------------------
  logic [15:0] t_reset, t_settle;
  logic [7:0]  t_event_wait, t_adc_reset_wait, t_adc_dead_time;
  logic [5:0]  num_sends;
  logic [3:0]  t_adc_step;
  logic        start, abort, soft_reset;
  logic        busy, done, phase_first, vmm_done;
  logic [2:0]  phase;
  logic [31:0] cycles_last, vmm_count, events_last;
  logic        vec_err;
  logic [7:0]  vec_err_code;
  logic        cadc_active, cadc_last, ev_active, ev_last, input_nz;

  logic                       sram_we, sram_re;
  logic [RowW-1:0]            sram_addr;
  logic [NumCols-1:0]         sram_wmask;
  logic [NumCols*WeightW-1:0] sram_wdata, sram_rdata;
  logic                       x_we, dac_we, coff_we;
  logic [NumLanes*InputW-1:0] x_wdata, x_vec;
  logic [NumDrivers*WeightW-1:0] dac_wdata;
  logic [NumCols-1:0]         coff_wmask;
  logic [NumCols*CodeW-1:0]   coff_wdata, coff, result, baseline, raw;
  logic                       cm_we;
  logic [11:0]                cm_waddr, cm_raddr, cm_maddr;
  logic [CapmemW-1:0]         cm_wdata, cm_rdata, cm_mdata;

  assign cadc_active  = (phase == PHASE_BASELINE) | (phase == PHASE_RESULT);
  assign ev_active    = (phase == PHASE_EVENTS);
  assign cadc_start_o = cadc_active & phase_first;
  assign cadc_sel_o   = (phase == PHASE_RESULT);

  // ---------------------------------------------------------------------------------------------
  // Blocks
  // ---------------------------------------------------------------------------------------------
  hx_axil_regs u_regs (
    .clk_i              (clk_i),
    .rst_ni             (rst_ni),
    .awaddr_i           (s_axil_awaddr),
    .awvalid_i          (s_axil_awvalid),
    .awready_o          (s_axil_awready),
    .wdata_i            (s_axil_wdata),
    .wstrb_i            (s_axil_wstrb),
    .wvalid_i           (s_axil_wvalid),
    .wready_o           (s_axil_wready),
    .bresp_o            (s_axil_bresp),
    .bvalid_o           (s_axil_bvalid),
    .bready_i           (s_axil_bready),
    .araddr_i           (s_axil_araddr),
    .arvalid_i          (s_axil_arvalid),
    .arready_o          (s_axil_arready),
    .rdata_o            (s_axil_rdata),
    .rresp_o            (s_axil_rresp),
    .rvalid_o           (s_axil_rvalid),
    .rready_i           (s_axil_rready),
    .t_reset_o          (t_reset),
    .t_settle_o         (t_settle),
    .t_event_wait_o     (t_event_wait),
    .num_sends_o        (num_sends),
    .t_adc_reset_wait_o (t_adc_reset_wait),
    .t_adc_step_o       (t_adc_step),
    .t_adc_dead_time_o  (t_adc_dead_time),
    .start_o            (start),
    .abort_o            (abort),
    .soft_reset_o       (soft_reset),
    .busy_i             (busy),
    .done_i             (done),
    .phase_i            (phase),
    .vmm_done_i         (vmm_done),
    .cycles_last_i      (cycles_last),
    .vmm_count_i        (vmm_count),
    .events_last_i      (events_last),
    .cm_we_o            (cm_we),
    .cm_waddr_o         (cm_waddr),
    .cm_wdata_o         (cm_wdata),
    .cm_raddr_o         (cm_raddr),
    .cm_rdata_i         (cm_rdata),
    .cm_maddr_o         (cm_maddr),
    .cm_mdata_i         (cm_mdata),
    .vec_err_i          (vec_err),
    .vec_err_code_i     (vec_err_code),
    .irq_o              (irq_o)
  );

  hx_capmem #(
    .NumCols     (NumCols),
    .NumQuadRegs (NumCapmemQuad),
    .CellW       (CapmemW)
  ) u_capmem (
    .clk_i      (clk_i),
    .rst_ni     (rst_ni),
    .we_i       (cm_we),
    .waddr_i    (cm_waddr),
    .wdata_i    (cm_wdata),
    .raddr_i    (cm_raddr),
    .rdata_o    (cm_rdata),
    .maddr_i    (cm_maddr),
    .mdata_o    (cm_mdata),
    .quad_o     (capmem_quad_o),
    .synin_gm_o (capmem_synin_gm_o),
    .leak_o     (capmem_leak_o)
  );

  hx_ctrl_fsm u_fsm (
    .clk_i         (clk_i),
    .rst_ni        (rst_ni),
    .start_i       (start),
    .abort_i       (abort),
    .soft_reset_i  (soft_reset),
    .t_reset_i     (t_reset),
    .t_settle_i    (t_settle),
    .input_nz_i    (input_nz),
    .cadc_last_i   (cadc_last),
    .ev_last_i     (ev_last),
    .ev_valid_i    (ev_valid_o),
    .busy_o        (busy),
    .phase_o       (phase),
    .phase_first_o (phase_first),
    .nrn_reset_o   (nrn_reset_o),
    .vmm_done_o    (vmm_done),
    .done_o        (done),
    .cycles_last_o (cycles_last),
    .vmm_count_o   (vmm_count),
    .events_last_o (events_last)
  );

  hx_vector_port #(
    .NumLanes (NumLanes),
    .NumCols  (NumCols),
    .WeightW  (WeightW),
    .InputW   (InputW),
    .CodeW    (CodeW),
    .RowW     (RowW)
  ) u_vport (
    .clk_i        (clk_i),
    .rst_ni       (rst_ni),
    .vreq_valid_i (vreq_valid_i),
    .vreq_ready_o (vreq_ready_o),
    .vreq_we_i    (vreq_we_i),
    .vreq_addr_i  (vreq_addr_i),
    .vreq_wdata_i (vreq_wdata_i),
    .vrsp_valid_o (vrsp_valid_o),
    .vrsp_ready_i (vrsp_ready_i),
    .vrsp_rdata_o (vrsp_rdata_o),
    .vrsp_err_o   (vrsp_err_o),
    .busy_i       (busy),
    .done_i       (done),
    .sram_we_o    (sram_we),
    .sram_re_o    (sram_re),
    .sram_addr_o  (sram_addr),
    .sram_wmask_o (sram_wmask),
    .sram_wdata_o (sram_wdata),
    .sram_rdata_i (sram_rdata),
    .x_we_o       (x_we),
    .x_wdata_o    (x_wdata),
    .x_i          (x_vec),
    .dac_we_o     (dac_we),
    .dac_wdata_o  (dac_wdata),
    .dac_i        (dac_offset_o),
    .coff_we_o    (coff_we),
    .coff_wmask_o (coff_wmask),
    .coff_wdata_o (coff_wdata),
    .coff_i       (coff),
    .result_i     (result),
    .baseline_i   (baseline),
    .raw_i        (raw),
    .err_o        (vec_err),
    .err_code_o   (vec_err_code)
  );

  hx_synapse_sram #(
    .NumRows (2 * NumDrivers),
    .NumCols (NumCols),
    .WeightW (WeightW),
    .AddrW   (RowW)
  ) u_sram (
    .clk_i   (clk_i),
    .we_i    (sram_we),
    .re_i    (sram_re),
    .addr_i  (sram_addr),
    .wmask_i (sram_wmask),
    .wdata_i (sram_wdata),
    .rdata_o (sram_rdata)
  );

  hx_event_scheduler #(
    .NumDrivers (NumDrivers),
    .InputW     (InputW),
    .DrvIdxW    (7)
  ) u_evsched (
    .clk_i        (clk_i),
    .rst_ni       (rst_ni),
    .active_i     (ev_active),
    .first_i      (phase_first),
    .event_wait_i (t_event_wait),
    .num_sends_i  (num_sends),
    .x_we_i       (x_we),
    .x_wdata_i    (x_wdata),
    .x_o          (x_vec),
    .x_nz_o       (input_nz),
    .ev_valid_o   (ev_valid_o),
    .ev_driver_o  (ev_driver_o),
    .ev_code_o    (ev_code_o),
    .last_o       (ev_last)
  );

  hx_driver_regs #(
    .NumDrivers (NumDrivers),
    .DacW       (WeightW)
  ) u_drv (
    .clk_i        (clk_i),
    .rst_ni       (rst_ni),
    .we_i         (dac_we),
    .wdata_i      (dac_wdata),
    .dac_offset_o (dac_offset_o)
  );

  hx_cadc_sequencer #(
    .NumCols (NumCols),
    .CodeW   (CodeW)
  ) u_cadc (
    .clk_i            (clk_i),
    .rst_ni           (rst_ni),
    .active_i         (cadc_active),
    .start_i          (cadc_start_o),
    .sel_i            (cadc_sel_o),
    .post_i           (vmm_done),
    .last_o           (cadc_last),
    .adc_reset_wait_i (t_adc_reset_wait),
    .adc_step_i       (t_adc_step),
    .adc_dead_time_i  (t_adc_dead_time),
    .ramp_valid_o     (cadc_ramp_valid_o),
    .ramp_o           (cadc_ramp_o),
    .cmp_i            (cadc_cmp_i),
    .coff_we_i        (coff_we),
    .coff_wmask_i     (coff_wmask),
    .coff_wdata_i     (coff_wdata),
    .coff_o           (coff),
    .baseline_o       (baseline),
    .raw_o            (raw),
    .result_o         (result)
  );

endmodule

`default_nettype wire
