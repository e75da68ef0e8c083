// SPDX-License-Identifier: Apache-2.0
//
// tb_top: testbench-side HDL around the RTL top `hx_top` (docs/interfaces.md section 3).
//
// It contains what belongs to the analog world and to the observation of the chip, never to the RTL:
//   * the analog array shell: 256 column comparators driven from 256 crossing codes
//     (`cadc_cmp[j] = cadc_ramp_valid && !hold_low_j && (cadc_ramp >= cross_j)`; `cmp_hold_low_i` is a
//     test hook for columns that never trip, 0 otherwise). The crossing codes come either from
//     the Python bridge (input port `cross_codes_i`, written in one go at each conversion start) or,
//     with IDEAL_ARRAY = 1, from a pure-HDL ideal array (speed baseline, no Python at all);
//   * an event recorder: every event of the RTL's event bus is stored as {cycle, driver, code}
//     (cycle relative to the VMM start) in pages of 128 events, so Python reads whole pages once;
//   * phase time stamps of the running VMM (neuron reset length, CADC starts, ramp windows, done);
//   * a change tracker for the synapse SRAM (rows possibly written since the last baseline
//     conversion), so the bridge re-reads only SRAM rows that may have changed;
//   * a change tracker for the CapMem cells (written or reset since the last baseline
//     conversion), so the bridge re-reads the CapMem outputs only when they may have changed.
// Python never runs per clock: it wakes on edges of `cadc_start_o` and `irq_o` only.
//
// VMM start (cycle 0) is detected from the RTL's outputs alone: the first cycle of `nrn_reset_o`
// or, when reset_cycles = 0, a baseline `cadc_start_o` that is not preceded by a neuron reset.

`default_nettype none

module tb_top #(
  // 1: crossing codes from the HDL ideal array (gain 1/500, baseline code 128); 0: from Python.
  parameter IDEAL_ARRAY = 0
) (
  input  wire            clk_i,
  input  wire            rst_ni,
  // AXI4-Lite slave of hx_top, passed through
  input  wire [11:0]     s_axil_awaddr,
  input  wire [2:0]      s_axil_awprot,
  input  wire            s_axil_awvalid,
  output wire            s_axil_awready,
  input  wire [31:0]     s_axil_wdata,
  input  wire [3:0]      s_axil_wstrb,
  input  wire            s_axil_wvalid,
  output wire            s_axil_wready,
  output wire [1:0]      s_axil_bresp,
  output wire            s_axil_bvalid,
  input  wire            s_axil_bready,
  input  wire [11:0]     s_axil_araddr,
  input  wire [2:0]      s_axil_arprot,
  input  wire            s_axil_arvalid,
  output wire            s_axil_arready,
  output wire [31:0]     s_axil_rdata,
  output wire [1:0]      s_axil_rresp,
  output wire            s_axil_rvalid,
  input  wire            s_axil_rready,
  // vector port of hx_top, passed through
  input  wire            vreq_valid_i,
  output wire            vreq_ready_o,
  input  wire            vreq_we_i,
  input  wire [15:0]     vreq_addr_i,
  input  wire [1023:0]   vreq_wdata_i,
  output wire            vrsp_valid_o,
  input  wire            vrsp_ready_i,
  output wire [1023:0]   vrsp_rdata_o,
  output wire            vrsp_err_o,
  output wire            irq_o,
  // analog side, observed
  output wire            ev_valid_o,
  output wire [6:0]      ev_driver_o,
  output wire [4:0]      ev_code_o,
  output wire            nrn_reset_o,
  output wire            cadc_start_o,
  output wire            cadc_sel_o,
  output wire            cadc_ramp_valid_o,
  output wire [7:0]      cadc_ramp_o,
  output wire [767:0]    dac_offset_o,
  // CapMem cells of hx_top (quadrant registers, column cells), observed by the bridge
  output wire [99:0]     capmem_quad_o,
  output wire [2559:0]   capmem_synin_gm_o,
  output wire [2559:0]   capmem_leak_o,
  // crossing codes of the 256 columns from the Python bridge, column j at [8*j +: 8]
  input  wire [2047:0]   cross_codes_i,
  // test hook: columns whose comparator is held low for the whole ramp (a membrane above the
  // ramp's top, which never trips; the CADC must then latch 255). 0 in normal operation.
  input  wire [255:0]    cmp_hold_low_i,
  // wait guard of the testbench (no Python timer per wait): toggling `wd_kick_i` restarts a cycle
  // counter; `wd_expired` is set once it reaches `wd_limit_i` (0: never). See `wait_busy`.
  input  wire            wd_kick_i,
  input  wire [31:0]     wd_limit_i,
  // the guard's two wake signals (see `wait_busy`); under Verilator the simulator's main loop
  // (tb_main.cpp) watches them and cadc_start_o itself ("wake ports", docs/cosim.md)
  output wire            wait_busy_o,
  output wire            wait_irq_o
);

  localparam integer EvPerPage = 128;
  localparam integer NumPages = 64;          // 8192 >= 128 drivers * 63 sends
  localparam integer EvBits = 48;            // {cycle[31:0], 1'b0, driver[6:0], 3'b0, code[4:0]}

  reg  [255:0] cadc_cmp;

  // Inputs of hx_top. Under Icarus they are held at 0 until Python first drives them:
  // with X on vreq_wdata_i, hx_vector_port's accumulator-style always_comb (lane_gt31/lane_gt63)
  // re-triggers itself forever at time 0 in Icarus 11 (reported as an RTL issue; similar hangs were
  // seen with X on AXI inputs). Verilator has no X.
`ifdef __ICARUS__
  // X/Z (not yet driven) reads as 0
  reg          vreq_valid_g;
  reg          vreq_we_g;
  reg [15:0]   vreq_addr_g;
  reg [1023:0] vreq_wdata_g;
  reg          vrsp_ready_g;
  always @* vreq_valid_g = (^vreq_valid_i === 1'bx) ? 1'b0 : vreq_valid_i;
  always @* vreq_we_g    = (^vreq_we_i === 1'bx) ? 1'b0 : vreq_we_i;
  always @* vreq_addr_g  = (^vreq_addr_i === 1'bx) ? 16'd0 : vreq_addr_i;
  always @* vreq_wdata_g = (^vreq_wdata_i === 1'bx) ? 1024'd0 : vreq_wdata_i;
  always @* vrsp_ready_g = (^vrsp_ready_i === 1'bx) ? 1'b0 : vrsp_ready_i;
  reg [11:0] s_axil_awaddr_g;
  always @* s_axil_awaddr_g = (^s_axil_awaddr === 1'bx) ? 12'd0 : s_axil_awaddr;
  reg [2:0] s_axil_awprot_g;
  always @* s_axil_awprot_g = (^s_axil_awprot === 1'bx) ? 3'd0 : s_axil_awprot;
  reg [0:0] s_axil_awvalid_g;
  always @* s_axil_awvalid_g = (^s_axil_awvalid === 1'bx) ? 1'd0 : s_axil_awvalid;
  reg [31:0] s_axil_wdata_g;
  always @* s_axil_wdata_g = (^s_axil_wdata === 1'bx) ? 32'd0 : s_axil_wdata;
  reg [3:0] s_axil_wstrb_g;
  always @* s_axil_wstrb_g = (^s_axil_wstrb === 1'bx) ? 4'd0 : s_axil_wstrb;
  reg [0:0] s_axil_wvalid_g;
  always @* s_axil_wvalid_g = (^s_axil_wvalid === 1'bx) ? 1'd0 : s_axil_wvalid;
  reg [0:0] s_axil_bready_g;
  always @* s_axil_bready_g = (^s_axil_bready === 1'bx) ? 1'd0 : s_axil_bready;
  reg [11:0] s_axil_araddr_g;
  always @* s_axil_araddr_g = (^s_axil_araddr === 1'bx) ? 12'd0 : s_axil_araddr;
  reg [2:0] s_axil_arprot_g;
  always @* s_axil_arprot_g = (^s_axil_arprot === 1'bx) ? 3'd0 : s_axil_arprot;
  reg [0:0] s_axil_arvalid_g;
  always @* s_axil_arvalid_g = (^s_axil_arvalid === 1'bx) ? 1'd0 : s_axil_arvalid;
  reg [0:0] s_axil_rready_g;
  always @* s_axil_rready_g = (^s_axil_rready === 1'bx) ? 1'd0 : s_axil_rready;
`else
  wire [11:0] s_axil_awaddr_g = s_axil_awaddr;
  wire [2:0] s_axil_awprot_g = s_axil_awprot;
  wire [0:0] s_axil_awvalid_g = s_axil_awvalid;
  wire [31:0] s_axil_wdata_g = s_axil_wdata;
  wire [3:0] s_axil_wstrb_g = s_axil_wstrb;
  wire [0:0] s_axil_wvalid_g = s_axil_wvalid;
  wire [0:0] s_axil_bready_g = s_axil_bready;
  wire [11:0] s_axil_araddr_g = s_axil_araddr;
  wire [2:0] s_axil_arprot_g = s_axil_arprot;
  wire [0:0] s_axil_arvalid_g = s_axil_arvalid;
  wire [0:0] s_axil_rready_g = s_axil_rready;
  wire          vreq_valid_g = vreq_valid_i;
  wire          vreq_we_g    = vreq_we_i;
  wire [15:0]   vreq_addr_g  = vreq_addr_i;
  wire [1023:0] vreq_wdata_g = vreq_wdata_i;
  wire          vrsp_ready_g = vrsp_ready_i;
`endif

  hx_top u_dut (
    .clk_i            (clk_i),
    .rst_ni           (rst_ni),
    .s_axil_awaddr    (s_axil_awaddr_g),
    .s_axil_awprot    (s_axil_awprot_g),
    .s_axil_awvalid   (s_axil_awvalid_g),
    .s_axil_awready   (s_axil_awready),
    .s_axil_wdata     (s_axil_wdata_g),
    .s_axil_wstrb     (s_axil_wstrb_g),
    .s_axil_wvalid    (s_axil_wvalid_g),
    .s_axil_wready    (s_axil_wready),
    .s_axil_bresp     (s_axil_bresp),
    .s_axil_bvalid    (s_axil_bvalid),
    .s_axil_bready    (s_axil_bready_g),
    .s_axil_araddr    (s_axil_araddr_g),
    .s_axil_arprot    (s_axil_arprot_g),
    .s_axil_arvalid   (s_axil_arvalid_g),
    .s_axil_arready   (s_axil_arready),
    .s_axil_rdata     (s_axil_rdata),
    .s_axil_rresp     (s_axil_rresp),
    .s_axil_rvalid    (s_axil_rvalid),
    .s_axil_rready    (s_axil_rready_g),
    .vreq_valid_i     (vreq_valid_g),
    .vreq_ready_o     (vreq_ready_o),
    .vreq_we_i        (vreq_we_g),
    .vreq_addr_i      (vreq_addr_g),
    .vreq_wdata_i     (vreq_wdata_g),
    .vrsp_valid_o     (vrsp_valid_o),
    .vrsp_ready_i     (vrsp_ready_g),
    .vrsp_rdata_o     (vrsp_rdata_o),
    .vrsp_err_o       (vrsp_err_o),
    .irq_o            (irq_o),
    .ev_valid_o       (ev_valid_o),
    .ev_driver_o      (ev_driver_o),
    .ev_code_o        (ev_code_o),
    .nrn_reset_o      (nrn_reset_o),
    .cadc_start_o     (cadc_start_o),
    .cadc_sel_o       (cadc_sel_o),
    .cadc_ramp_valid_o(cadc_ramp_valid_o),
    .cadc_ramp_o      (cadc_ramp_o),
    .cadc_cmp_i       (cadc_cmp),
    .dac_offset_o     (dac_offset_o),
    .capmem_quad_o    (capmem_quad_o),
    .capmem_synin_gm_o(capmem_synin_gm_o),
    .capmem_leak_o    (capmem_leak_o)
  );

  // ---------------------------------------------------------------- protocol / output checkers
  // (issue #5, tb/hdl/hx_checkers.sv; $fatal on a violation unless u_chk.fatal_en is cleared)
  hx_checkers u_chk (
    .clk_i (clk_i), .rst_ni (rst_ni),
    .awaddr (s_axil_awaddr_g), .awvalid (s_axil_awvalid_g), .awready (s_axil_awready),
    .wdata (s_axil_wdata_g), .wstrb (s_axil_wstrb_g), .wvalid (s_axil_wvalid_g),
    .wready (s_axil_wready), .bresp (s_axil_bresp), .bvalid (s_axil_bvalid),
    .bready (s_axil_bready_g), .araddr (s_axil_araddr_g), .arvalid (s_axil_arvalid_g),
    .arready (s_axil_arready), .rdata (s_axil_rdata), .rresp (s_axil_rresp),
    .rvalid (s_axil_rvalid), .rready (s_axil_rready_g),
    .vreq_valid (vreq_valid_g), .vreq_ready (vreq_ready_o), .vreq_we (vreq_we_g),
    .vreq_addr (vreq_addr_g), .vreq_wdata (vreq_wdata_g), .vrsp_valid (vrsp_valid_o),
    .vrsp_ready (vrsp_ready_g), .vrsp_rdata (vrsp_rdata_o), .vrsp_err (vrsp_err_o),
    .irq (irq_o), .ev_valid (ev_valid_o), .ev_driver (ev_driver_o), .ev_code (ev_code_o),
    .nrn_reset (nrn_reset_o), .cadc_start (cadc_start_o), .cadc_sel (cadc_sel_o),
    .cadc_ramp_valid (cadc_ramp_valid_o), .cadc_ramp (cadc_ramp_o), .dac_offset (dac_offset_o),
    .phase (u_dut.phase), .err_code (u_dut.u_regs.err_code_q)
  );

  // ---------------------------------------------------------------- cycle counter, VMM start
  reg  [31:0] cycle_q;          // free-running, cycles since reset release
  reg         nrn_q;            // nrn_reset_o one cycle ago
  reg  [31:0] start_q;          // cycle_q of the current VMM's cycle 0
  reg  [31:0] vmm_starts_q;     // VMM starts seen (completed, aborted or not)
  wire        vmm_start = (nrn_reset_o && !nrn_q) || (cadc_start_o && !cadc_sel_o && !nrn_q);
  wire [31:0] rel_cycle = cycle_q - (vmm_start ? cycle_q : start_q);

  always @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      cycle_q      <= 32'd0;
      nrn_q        <= 1'b0;
      start_q      <= 32'd0;
      vmm_starts_q <= 32'd0;
    end else begin
      cycle_q <= cycle_q + 32'd1;
      nrn_q   <= nrn_reset_o;
      if (vmm_start) begin
        start_q      <= cycle_q;
        vmm_starts_q <= vmm_starts_q + 32'd1;
      end
    end
  end

  // ---------------------------------------------------------------- event recorder
  reg [EvPerPage*EvBits-1:0] ev_page [0:NumPages-1];
  reg [31:0]                 ev_count_q;     // events of the current VMM (saturates at 8192)
  reg                        ev_overflow_q;

  always @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      ev_count_q    <= 32'd0;
      ev_overflow_q <= 1'b0;
    end else if (vmm_start) begin
      ev_count_q    <= 32'd0;
      ev_overflow_q <= 1'b0;
    end else if (ev_valid_o) begin
      if (ev_count_q < EvPerPage * NumPages) begin
        ev_page[ev_count_q[12:7]][EvBits*ev_count_q[6:0] +: EvBits] <=
            {rel_cycle, 1'b0, ev_driver_o, 3'b000, ev_code_o};
        ev_count_q <= ev_count_q + 32'd1;
      end else begin
        ev_overflow_q <= 1'b1;
      end
    end
  end

  // ---------------------------------------------------------------- phase time stamps
  // All relative to the VMM start; index 0 = baseline conversion, 1 = result conversion.
  // 32'hFFFF_FFFF = "did not happen in this VMM".
  reg [31:0] nrn_len_q;         // cycles with nrn_reset_o high in this VMM
  reg [31:0] cadc_start_at_q [0:1];
  reg [31:0] cadc_starts_q;     // cadc_start_o pulses in this VMM
  reg [31:0] ramp_first_q [0:1];
  reg [31:0] ramp_len_q [0:1];  // cycles with cadc_ramp_valid_o high
  reg [31:0] ramp_err_q;        // ramp cycles whose value went backwards within one conversion
  reg [7:0]  ramp_prev_q;
  reg        sel_q;
  reg        irq_q;
  reg [31:0] irq_rise_at_q;     // last rising edge of irq_o, relative to the VMM start
  wire       cur_sel = cadc_start_o ? cadc_sel_o : sel_q;
  integer    k;

  always @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      nrn_len_q     <= 32'd0;
      cadc_starts_q <= 32'd0;
      ramp_err_q    <= 32'd0;
      ramp_prev_q   <= 8'd0;
      sel_q         <= 1'b0;
      irq_q         <= 1'b0;
      irq_rise_at_q <= 32'hFFFF_FFFF;
      for (k = 0; k < 2; k = k + 1) begin
        cadc_start_at_q[k] <= 32'hFFFF_FFFF;
        ramp_first_q[k]    <= 32'hFFFF_FFFF;
        ramp_len_q[k]      <= 32'd0;
      end
    end else begin
      irq_q <= irq_o;
      if (irq_o && !irq_q) irq_rise_at_q <= rel_cycle;
      if (cadc_start_o) sel_q <= cadc_sel_o;
      if (vmm_start) begin
        // first cycle of a VMM: restart every stamp, counting this cycle
        nrn_len_q     <= {31'd0, nrn_reset_o};
        cadc_starts_q <= {31'd0, cadc_start_o};
        ramp_err_q    <= 32'd0;
        for (k = 0; k < 2; k = k + 1) begin
          cadc_start_at_q[k] <= (cadc_start_o && cadc_sel_o == k[0]) ? 32'd0 : 32'hFFFF_FFFF;
          ramp_first_q[k]    <= (cadc_ramp_valid_o && cur_sel == k[0]) ? 32'd0 : 32'hFFFF_FFFF;
          ramp_len_q[k]      <= (cadc_ramp_valid_o && cur_sel == k[0]) ? 32'd1 : 32'd0;
        end
      end else begin
        if (nrn_reset_o) nrn_len_q <= nrn_len_q + 32'd1;
        if (cadc_start_o) begin
          cadc_starts_q <= cadc_starts_q + 32'd1;
          cadc_start_at_q[cadc_sel_o] <= rel_cycle;
        end
        if (cadc_ramp_valid_o) begin
          if (ramp_len_q[cur_sel] == 32'd0) ramp_first_q[cur_sel] <= rel_cycle;
          ramp_len_q[cur_sel] <= ramp_len_q[cur_sel] + 32'd1;
          if (ramp_len_q[cur_sel] != 32'd0 && cadc_ramp_o < ramp_prev_q)
            ramp_err_q <= ramp_err_q + 32'd1;
        end
      end
      if (cadc_ramp_valid_o) ramp_prev_q <= cadc_ramp_o;
    end
  end

  // ---------------------------------------------------------------- SRAM change tracker
  // Rows the synapse SRAM's own write port wrote since the last baseline conversion started
  // (the memory changes only through that port, so this is exact whatever path - legal or buggy -
  // drove it; the scoreboard's shadow model checks what was written). Cleared at the end of each
  // baseline `cadc_start_o` cycle; the bridge reads it, and re-reads the marked rows, during that
  // cycle. `sram_other_q` marks "re-read every row": set by reset only (the rows' X state).
  reg [255:0] sram_touched_q;
  reg         sram_touched_any_q;  // some bit of sram_touched_q is set
  reg         sram_other_q;
  reg [31:0]  stores_q;

  always @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      sram_touched_q     <= {256{1'b1}};
      sram_touched_any_q <= 1'b1;
      sram_other_q       <= 1'b1;
      stores_q       <= 32'd0;
    end else begin
      if (cadc_start_o && !cadc_sel_o) begin
        sram_touched_q     <= 256'd0;
        sram_touched_any_q <= 1'b0;
        sram_other_q       <= 1'b0;
      end
      if (vreq_valid_i && vreq_ready_o && vreq_we_i) stores_q <= stores_q + 32'd1;
      if (u_dut.u_sram.we_i) begin
        sram_touched_q[u_dut.u_sram.addr_i] <= 1'b1;
        sram_touched_any_q                  <= 1'b1;
      end
    end
  end

  // ---------------------------------------------------------------- CapMem and DAC change trackers
  // Each flag is set by reset and by every use of its block's own write port (the values change
  // only there, as the SRAM rows only through the SRAM's port): `capmem_dirty_q` by hx_capmem's,
  // `dac_dirty_q` by the DAC offset registers' (`u_drv.we_i`). Cleared at the end of each
  // baseline `cadc_start_o` cycle, during which the bridge reads them and, where set, the CapMem
  // outputs or `dac_offset_o` (a write in that same cycle keeps the flag set).
  reg  capmem_dirty_q;
  reg  dac_dirty_q;
  wire baseline_start = cadc_start_o && !cadc_sel_o;

  always @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      capmem_dirty_q <= 1'b1;
      dac_dirty_q    <= 1'b1;
    end else begin
      capmem_dirty_q <= u_dut.u_capmem.we_i || (capmem_dirty_q && !baseline_start);
      dac_dirty_q    <= u_dut.u_drv.we_i || (dac_dirty_q && !baseline_start);
    end
  end

  // ---------------------------------------------------------------- bridge status word
  // Everything the bridge needs to decide what to read at a conversion start, in one read:
  // [31:0] rel_cycle, [32] cadc_sel_o, [33] sram_other_q, [34] some SRAM row touched,
  // [35] capmem_dirty_q, [36] dac_dirty_q, [37] ev_overflow_q, [51:38] events recorded
  // (ev_count_q saturates at EvPerPage * NumPages = 8192), [63:52] 0.
  wire [63:0] bridge_stat = {12'd0, ev_count_q[13:0], ev_overflow_q, dac_dirty_q, capmem_dirty_q,
                             sram_touched_any_q, sram_other_q, cadc_sel_o, rel_cycle};

  // ---------------------------------------------------------------- wait guard
  // Python waits for the end of a VMM with one edge trigger instead of a trigger raced against a
  // timer (cocotb's with_timeout: two tasks per wait): it toggles `wd_kick_i` (writing
  // `wd_limit_i` when the limit changes) and awaits
  //   * the falling edge of `wait_busy` = (hx_top busy or the kick not yet seen) and not expired:
  //     it falls when busy falls, at the first edge after the kick if busy is already low, or
  //     `wd_limit_i` cycles after the kick on a hang (then busy is still high: a timeout);
  //   * the rising edge of `wait_irq`: irq_o rose after the kick (in the cycle it rises, held
  //     until the next kick) or expired (a timeout: irq_o did not rise).
  // The guard's state is one register, updated at once: in event-driven simulators (Icarus) its
  // bits never show a mixed old/new state, so wait_busy and wait_irq do not glitch at an edge.
  reg  [3:0]  wd_q;             // {irq_o one cycle ago, kick seen, expired, irq_o rose since
                                // the kick was seen}
  reg  [31:0] wd_cnt_q;         // cycles since the kick was seen (saturates)
  wire        wd_fresh = wd_kick_i != wd_q[2];
  wire        wd_expired = !wd_fresh && wd_q[1];
  wire        irq_rise = irq_o && !wd_q[3];
  wire        wait_busy = (u_dut.busy || wd_fresh) && !wd_expired;
  wire        wait_irq = !wd_fresh && (irq_rise || wd_q[0] || wd_q[1]);
  assign wait_busy_o = wait_busy;
  assign wait_irq_o  = wait_irq;

  always @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      wd_q     <= {1'b0, wd_kick_i, 2'b00};
      wd_cnt_q <= 32'd0;
    end else begin
      wd_q <= {irq_o, wd_kick_i,
               !wd_fresh && (wd_q[1] || (wd_limit_i != 32'd0 && wd_cnt_q >= wd_limit_i - 32'd1)),
               !wd_fresh && (wd_q[0] || irq_rise)};
      if (wd_fresh) wd_cnt_q <= 32'd1;
      else if (wd_cnt_q != 32'hFFFF_FFFF) wd_cnt_q <= wd_cnt_q + 32'd1;
    end
  end

  // ---------------------------------------------------------------- analog array shell
  wire [2047:0] cross_codes;

  generate
    if (IDEAL_ARRAY != 0) begin : g_ideal
      // Pure-HDL ideal array: acc_j = sum over events of x * (w_exc - w_inh), x = 32 - code; the
      // crossing code is clamp(floor(128 + acc_j / 500), 0, 255) (128 at the baseline). The codes
      // are recomputed in the cycle of each event, so they are final one cycle after the last one.
      reg signed [31:0] acc [0:255];
      reg [2047:0]      codes_q;
      integer           j;
      reg [1535:0]      row_inh;
      reg [1535:0]      row_exc;
      reg signed [31:0] q;
      reg signed [31:0] xin;

      always @(posedge clk_i) begin
        if (vmm_start) begin
          for (j = 0; j < 256; j = j + 1) acc[j] = 32'sd0;
          codes_q <= {256{8'd128}};
        end else if (ev_valid_o) begin
          row_inh = u_dut.u_sram.mem[{ev_driver_o, 1'b0}];
          row_exc = u_dut.u_sram.mem[{ev_driver_o, 1'b1}];
          xin = 32'sd32 - $signed({27'd0, ev_code_o});
          for (j = 0; j < 256; j = j + 1) begin
            acc[j] = acc[j] + xin * ($signed({26'd0, row_exc[6*j +: 6]})
                                     - $signed({26'd0, row_inh[6*j +: 6]}));
            q = acc[j] / 500;
            if (acc[j] < 0 && (acc[j] % 500) != 0) q = q - 1;
            q = q + 128;
            if (q < 0) q = 0;
            if (q > 255) q = 255;
            codes_q[8*j +: 8] <= q[7:0];
          end
        end
      end
      assign cross_codes = codes_q;
    end else begin : g_bridge
      assign cross_codes = cross_codes_i;
    end
  endgenerate

  // The 256 comparators are evaluated only while the ramp is valid (all 0 otherwise): outside the
  // ramp they cost nothing, also in Verilator, which evaluates input-dependent logic at every
  // evaluation of the model (the loop is unrolled there: constant selects, no per-column shifts).
  // One function call, one assignment per branch: Icarus updates cadc_cmp once per change.
  function [255:0] compare_all(input [7:0] ramp, input [2047:0] codes, input [255:0] hold);
    integer j;
    begin
      /*verilator unroll_full*/
      for (j = 0; j < 256; j = j + 1) begin
        compare_all[j] = !hold[j] && (ramp >= codes[8*j +: 8]);
      end
    end
  endfunction

  always @* begin
    if (cadc_ramp_valid_o) begin
      cadc_cmp = compare_all(cadc_ramp_o, cross_codes, cmp_hold_low_i);
    end else begin
      cadc_cmp = 256'd0;
    end
  end

endmodule

`default_nettype wire
