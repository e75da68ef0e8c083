// SPDX-License-Identifier: Apache-2.0
//
// hx_checkers: protocol and output checkers around hx_top (issue #5), instantiated in tb_top.
// Plain `always @(posedge clk_i)` checks (Icarus 11 and Verilator; no SVA, no Python per clock).
//
//   id  check
//    0  AXI AW: awvalid held until awready, awaddr stable while waiting          (master side)
//    1  AXI W : wvalid held until wready, wdata/wstrb stable while waiting       (master side)
//    2  AXI AR: arvalid held until arready, araddr stable while waiting          (master side)
//    3  AXI B : bvalid held until bready, bresp stable while waiting             (slave side)
//    4  AXI R : rvalid held until rready, rdata/rresp stable while waiting       (slave side)
//    5  AXI   : no B without an accepted AW and W, no R without an accepted AR   (slave side)
//    6  VEC req: vreq_valid held until ready, we/addr/wdata stable while waiting (master side)
//    7  VEC rsp: vrsp_valid held until ready, rdata/err stable while waiting     (slave side)
//    8  VEC   : no response without a request; at most one request outstanding  (slave side)
//    9  outputs X/Z-free after reset (rdata only while valid: unwritten SRAM rows read X)
//   10  section 7.8: ev_driver/ev_code 0 without ev_valid, ramp 0 without ramp_valid,
//       cadc_sel only in RESULT, nrn_reset exactly in RESET, events only in EVENTS,
//       cadc_start/ramp_valid only in BASELINE or RESULT
//
// A violation prints "HXCHK ERROR <id> ..." and sets fired[id], increments n_err; with fatal_en
// (default 1) it also ends the simulation with $fatal, so a cocotb test fails on both simulators.
// Tests that provoke violations on purpose clear fatal_en and read fired/n_err.

`default_nettype none

module hx_checkers (
  input wire          clk_i,
  input wire          rst_ni,
  // AXI4-Lite (as seen by hx_top)
  input wire [11:0]   awaddr,
  input wire          awvalid,
  input wire          awready,
  input wire [31:0]   wdata,
  input wire [3:0]    wstrb,
  input wire          wvalid,
  input wire          wready,
  input wire [1:0]    bresp,
  input wire          bvalid,
  input wire          bready,
  input wire [11:0]   araddr,
  input wire          arvalid,
  input wire          arready,
  input wire [31:0]   rdata,
  input wire [1:0]    rresp,
  input wire          rvalid,
  input wire          rready,
  // vector port
  input wire          vreq_valid,
  input wire          vreq_ready,
  input wire          vreq_we,
  input wire [15:0]   vreq_addr,
  input wire [1023:0] vreq_wdata,
  input wire          vrsp_valid,
  input wire          vrsp_ready,
  input wire [1023:0] vrsp_rdata,
  input wire          vrsp_err,
  // other outputs of hx_top
  input wire          irq,
  input wire          ev_valid,
  input wire [6:0]    ev_driver,
  input wire [4:0]    ev_code,
  input wire          nrn_reset,
  input wire          cadc_start,
  input wire          cadc_sel,
  input wire          cadc_ramp_valid,
  input wire [7:0]    cadc_ramp,
  input wire [767:0]  dac_offset,
  // control FSM phase and STATUS.ERR_CODE (by hierarchy from tb_top): 0 IDLE .. 6 POST
  input wire [2:0]    phase,
  input wire [7:0]    err_code
);

  localparam integer NumChecks = 11;

  reg                 fatal_en = 1'b1;
  reg [NumChecks-1:0] fired = {NumChecks{1'b0}};
  integer             n_err = 0;
  reg                 armed = 1'b0;    // a reset has been applied and released

  // previous-cycle copies
  reg         p_awvalid = 1'b0, p_awready = 1'b0, p_wvalid = 1'b0, p_wready = 1'b0;
  reg         p_arvalid = 1'b0, p_arready = 1'b0, p_bvalid = 1'b0, p_bready = 1'b0;
  reg         p_rvalid = 1'b0, p_rready = 1'b0;
  reg [11:0]  p_awaddr, p_araddr;
  reg [31:0]  p_wdata, p_rdata;
  reg [3:0]   p_wstrb;
  reg [1:0]   p_bresp, p_rresp;
  reg         p_vreq_valid = 1'b0, p_vreq_ready = 1'b0, p_vreq_we;
  reg [15:0]  p_vreq_addr;
  reg [1023:0] p_vreq_wdata, p_vrsp_rdata;
  reg         p_vrsp_valid = 1'b0, p_vrsp_ready = 1'b0, p_vrsp_err;
  // handshake counters (outstanding transactions)
  integer     n_aw = 0, n_w = 0, n_b = 0, n_ar = 0, n_r = 0, n_vreq = 0, n_vrsp = 0;

  // Functional-coverage observations, accumulated over the whole simulation (never reset) and
  // read by hxtb.env.coverage.sample_hdl at the end of a test: FSM states, transitions
  // (from*7 + to),
  // error codes seen in ERR_CODE, and handshake situations (bit 0 B held by the master, 1 R
  // held, 2 AW before W, 3 W before AW, 4 AW and W together, 5 vector response held, 6 vector
  // request waiting for ready).
  reg [6:0]  cov_state = 7'd0;
  reg [48:0] cov_trans = 49'd0;
  reg [15:0] cov_err = 16'd0;
  reg [7:0]  cov_hs = 8'd0;
  reg [2:0]  p_phase = 3'd0;

  task automatic fire(input integer id, input [8*64-1:0] msg);
    begin
      fired[id] = 1'b1;
      n_err = n_err + 1;
      $display("HXCHK ERROR %0d at %0t: %0s", id, $time, msg);
      if (fatal_en) begin
        $fatal(1, "hx_checkers: protocol/output check %0d failed: %0s", id, msg);
      end
    end
  endtask

  always @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      armed  <= 1'b1;
      n_aw   <= 0; n_w <= 0; n_b <= 0; n_ar <= 0; n_r <= 0; n_vreq <= 0; n_vrsp <= 0;
      p_awvalid <= 1'b0; p_wvalid <= 1'b0; p_arvalid <= 1'b0; p_bvalid <= 1'b0;
      p_rvalid <= 1'b0; p_vreq_valid <= 1'b0; p_vrsp_valid <= 1'b0;
    end else if (armed) begin
      // ---- AXI4-Lite: valid held / payload stable
      if (p_awvalid && !p_awready && (!awvalid || awaddr !== p_awaddr))
        fire(0, "AW valid dropped or awaddr changed before awready");
      if (p_wvalid && !p_wready && (!wvalid || wdata !== p_wdata || wstrb !== p_wstrb))
        fire(1, "W valid dropped or wdata/wstrb changed before wready");
      if (p_arvalid && !p_arready && (!arvalid || araddr !== p_araddr))
        fire(2, "AR valid dropped or araddr changed before arready");
      if (p_bvalid && !p_bready && (!bvalid || bresp !== p_bresp))
        fire(3, "B valid dropped or bresp changed before bready");
      if (p_rvalid && !p_rready && (!rvalid || rdata !== p_rdata || rresp !== p_rresp))
        fire(4, "R valid dropped or rdata/rresp changed before rready");
      // ---- AXI4-Lite: no response without request
      if (bvalid && (n_aw <= n_b || n_w <= n_b))
        fire(5, "B response without an outstanding AW+W");
      if (rvalid && n_ar <= n_r)
        fire(5, "R response without an outstanding AR");
      // ---- vector port
      if (p_vreq_valid && !p_vreq_ready &&
          (!vreq_valid || vreq_we !== p_vreq_we || vreq_addr !== p_vreq_addr ||
           vreq_wdata !== p_vreq_wdata))
        fire(6, "vreq_valid dropped or payload changed before vreq_ready");
      if (p_vrsp_valid && !p_vrsp_ready &&
          (!vrsp_valid || vrsp_rdata !== p_vrsp_rdata || vrsp_err !== p_vrsp_err))
        fire(7, "vrsp_valid dropped or payload changed before vrsp_ready");
      if (vrsp_valid && n_vreq <= n_vrsp)
        fire(8, "vector response without a request");
      if (vreq_ready && n_vreq != n_vrsp)
        fire(8, "vreq_ready while a request is outstanding");
      // ---- X/Z on outputs
      if (^{awready, wready, bvalid, arready, rvalid, vreq_ready, vrsp_valid, irq, ev_valid,
            ev_driver, ev_code, nrn_reset, cadc_start, cadc_sel, cadc_ramp_valid, cadc_ramp,
            dac_offset} === 1'bx)
        fire(9, "X/Z on a control output of hx_top after reset");
      if ((bvalid && ^bresp === 1'bx) || (rvalid && ^{rdata, rresp} === 1'bx) ||
          (vrsp_valid && ^{vrsp_err} === 1'bx))
        fire(9, "X/Z on a valid AXI or vector response");
      // ---- section 7.8 and phase consistency
      if (!ev_valid && (ev_driver != 7'd0 || ev_code != 5'd0))
        fire(10, "ev_driver/ev_code not 0 while ev_valid is low");
      if (!cadc_ramp_valid && cadc_ramp != 8'd0)
        fire(10, "cadc_ramp not 0 while the ramp is not valid");
      if (cadc_sel != (phase == 3'd5))
        fire(10, "cadc_sel not high exactly in RESULT");
      if (nrn_reset != (phase == 3'd1))
        fire(10, "nrn_reset not high exactly in RESET");
      if (ev_valid && phase != 3'd3)
        fire(10, "event outside EVENTS");
      if ((cadc_start || cadc_ramp_valid) && phase != 3'd2 && phase != 3'd5)
        fire(10, "CADC activity outside BASELINE/RESULT");

      // ---- coverage
      cov_state[phase] <= 1'b1;
      if (phase != p_phase) cov_trans[p_phase * 7 + phase] <= 1'b1;
      p_phase <= phase;
      if (err_code < 8'd16) cov_err[err_code[3:0]] <= 1'b1;
      if (bvalid && !bready) cov_hs[0] <= 1'b1;
      if (rvalid && !rready) cov_hs[1] <= 1'b1;
      if (awvalid && !wvalid) cov_hs[2] <= 1'b1;
      if (wvalid && !awvalid) cov_hs[3] <= 1'b1;
      if (awvalid && wvalid && awready) cov_hs[4] <= 1'b1;
      if (vrsp_valid && !vrsp_ready) cov_hs[5] <= 1'b1;
      if (vreq_valid && !vreq_ready) cov_hs[6] <= 1'b1;

      // ---- bookkeeping
      if (awvalid && awready) n_aw <= n_aw + 1;
      if (wvalid && wready) n_w <= n_w + 1;
      if (bvalid && bready) n_b <= n_b + 1;
      if (arvalid && arready) n_ar <= n_ar + 1;
      if (rvalid && rready) n_r <= n_r + 1;
      if (vreq_valid && vreq_ready) n_vreq <= n_vreq + 1;
      if (vrsp_valid && vrsp_ready) n_vrsp <= n_vrsp + 1;
      p_awvalid <= awvalid; p_awready <= awready; p_awaddr <= awaddr;
      p_wvalid <= wvalid; p_wready <= wready; p_wdata <= wdata; p_wstrb <= wstrb;
      p_arvalid <= arvalid; p_arready <= arready; p_araddr <= araddr;
      p_bvalid <= bvalid; p_bready <= bready; p_bresp <= bresp;
      p_rvalid <= rvalid; p_rready <= rready; p_rdata <= rdata; p_rresp <= rresp;
      p_vreq_valid <= vreq_valid; p_vreq_ready <= vreq_ready; p_vreq_we <= vreq_we;
      p_vreq_addr <= vreq_addr; p_vreq_wdata <= vreq_wdata;
      p_vrsp_valid <= vrsp_valid; p_vrsp_ready <= vrsp_ready; p_vrsp_rdata <= vrsp_rdata;
      p_vrsp_err <= vrsp_err;
    end
  end

endmodule

`default_nettype wire
