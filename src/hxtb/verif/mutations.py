"""The mutation table of ``make mutate`` (``hxtb.verif.mutate``): realistic single RTL bugs.

Each mutation is one exact textual edit of one file in rtl/. The pattern must occur exactly once
in the file (checked before anything is built), so a refactor of the RTL makes the tool fail
loudly instead of silently testing an unmutated design.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Mutation:
    name: str
    file: str
    old: str
    new: str
    what: str


EVS = "hx_event_scheduler.sv"
CADC = "hx_cadc_sequencer.sv"
FSM = "hx_ctrl_fsm.sv"
REGS = "hx_axil_regs.sv"
VP = "hx_vector_port.sv"
SRAM = "hx_synapse_sram.sv"
DRV = "hx_driver_regs.sv"
TOP = "hx_top.sv"
CM = "hx_capmem.sv"

MUTATIONS: list[Mutation] = [
    # ---- event scheduler
    Mutation("ev_spacing_plus1", EVS,
             "assign slot_end = ((slot + 8'd1) == event_wait_i);",
             "assign slot_end = (slot == event_wait_i);",
             "event spacing off by one (event_wait + 1 cycles per slot)"),
    Mutation("ev_code_uninverted", EVS,
             "ev_code_o   = emit ? ({InputW{1'b0}} - x_sel) : '0;",
             "ev_code_o   = emit ? x_sel : '0;",
             "event code x instead of 32 - x"),
    Mutation("ev_no_zero_skip", EVS,
             "assign nz[i] = |x_q[i*InputW +: InputW];",
             "assign nz[i] = 1'b1;",
             "zero inputs are sent as events (no zero skipping)"),
    Mutation("ev_num_sends_plus1", EVS,
             "assign final_ev = emit & rep_done & ((send + 6'd1) == num_sends_i);",
             "assign final_ev = emit & rep_done & (send == num_sends_i);",
             "one repetition too many (num_sends off by one)"),
    Mutation("ev_lane_swap", EVS,
             "assign x_sel    = x_q[sel*InputW +: InputW];",
             "assign x_sel    = x_q[(sel ^ 7'd1)*InputW +: InputW];",
             "wrong input lane mapping (neighbouring lanes swapped)"),
    Mutation("ev_phase_end_early", EVS,
             "assign last_o      = active_i & slot_end & (all_sent | final_ev);",
             "assign last_o      = active_i & (all_sent | final_ev);",
             "EVENTS phase ends with the last event, not event_wait - 1 cycles later"),
    Mutation("ev_priority_reversed", EVS,
             "for (int i = NumDrivers - 1; i >= 0; i--) begin",
             "for (int i = 0; i < NumDrivers; i++) begin",
             "priority encoder picks the highest remaining row"),
    # ---- CADC sequencer
    Mutation("adc_ramp_255_steps", CADC,
             "assign ramp_end = step_end & (ramp == 8'hFF);",
             "assign ramp_end = step_end & (ramp == 8'hFE);",
             "ADC count off by one (ramp ends after step 254)"),
    Mutation("adc_step_plus1", CADC,
             "assign step_end = (sub == SubRamp) & ((step + 4'd1) == adc_step_i);",
             "assign step_end = (sub == SubRamp) & (step == adc_step_i);",
             "ramp step one cycle too long"),
    Mutation("adc_reset_wait_plus1", CADC,
             "if ((cnt + 8'd1) == adc_reset_wait_i) begin",
             "if (cnt == adc_reset_wait_i) begin",
             "ramp reset wait one cycle too long"),
    Mutation("adc_dead_time_skipped", CADC,
             "if (adc_dead_time_i != 8'h0) begin",
             "if (1'b0) begin",
             "dead time after the ramp skipped"),
    Mutation("post_no_sat_pos", CADC,
             "y = CodeW'(SatMax);",
             "y = CodeW'(diff);",
             "missing positive saturation (wraps)"),
    Mutation("post_no_sat_neg", CADC,
             "y = CodeW'(SatMin);",
             "y = CodeW'(diff);",
             "missing negative saturation (wraps)"),
    Mutation("post_offset_sign", CADC,
             "- $signed({2'b00, base}) + (CodeW+2)'($signed(off));",
             "- $signed({2'b00, base}) - (CodeW+2)'($signed(off));",
             "digital offset subtracted instead of added"),
    Mutation("post_offset_zero_ext", CADC,
             "+ (CodeW+2)'($signed(off));",
             "+ $signed({2'b00, off});",
             "digital offset zero-extended (negative offsets become large positive)"),
    Mutation("post_base_raw_swapped", CADC,
             "      if (last_o) begin\n        if (sel_i) begin",
             "      if (last_o) begin\n        if (!sel_i) begin",
             "baseline and result buffers swapped (result sign inverted)"),
    Mutation("adc_latch_not_held", CADC,
             "assign latch_now = step_end ? (~latched & (cmp_i | {NumCols{ramp_end}})) : '0;",
             "assign latch_now = step_end ? (cmp_i | {NumCols{ramp_end}}) : '0;",
             "a latched column keeps re-latching (code = last step with comparator high)"),
    Mutation("adc_latch_not_cleared", CADC,
             "assign latched = start_i ? '0 : latched_q;",
             "assign latched = latched_q;",
             "latch flags not cleared at the start of a conversion"),
    Mutation("adc_no_force_255", CADC,
             "(cmp_i | {NumCols{ramp_end}})",
             "cmp_i",
             "columns that never trip are not forced to 255"),
    Mutation("adc_ramp_ungated", CADC,
             "assign ramp_o       = (sub == SubRamp) ? ramp : 8'h0;",
             "assign ramp_o       = ramp;",
             "ramp value not 0 outside the ramp (section 7.8)"),
    # ---- control FSM
    Mutation("fsm_settle_skipped", FSM,
             "          state_d = settle_nz ? PHASE_SETTLE : PHASE_RESULT;\n",
             "          state_d = PHASE_RESULT;\n",
             "FSM skips SETTLE after EVENTS"),
    Mutation("fsm_reset_plus1", FSM,
             "if ((cnt_q + 16'd1) == t_reset_i) begin",
             "if (cnt_q == t_reset_i) begin",
             "RESET phase one cycle too long"),
    Mutation("fsm_cycles_last_minus1", FSM,
             "cycles_last_d = cycle_q + 32'd1;",
             "cycles_last_d = cycle_q;",
             "CYCLES_LAST one too small"),
    Mutation("fsm_abort_ignored", FSM,
             "assign stop      = busy & (abort_i | soft_reset_i);",
             "assign stop      = busy & soft_reset_i;",
             "ABORT ignored while busy"),
    Mutation("fsm_done_kept_on_start", FSM,
             "          ev_cnt_d = 32'h0;\n          done_d   = 1'b0;\n",
             "          ev_cnt_d = 32'h0;\n",
             "a new START does not clear DONE (stale result readable as valid)"),
    Mutation("fsm_vmm_count_stuck", FSM,
             "vmm_count_d   = vmm_count_q + 32'd1;",
             "vmm_count_d   = vmm_count_q;",
             "VMM_COUNT not incremented"),
    # ---- AXI4-Lite register file
    Mutation("axi_irq_enable_ignored", REGS,
             "assign irq_o              = |(irq_status_q & irq_enable_q);",
             "assign irq_o              = |irq_status_q;",
             "interrupt ignores IRQ_ENABLE"),
    Mutation("axi_event_wait_zero_ok", REGS,
             "ok = in_range(data, T_EVENT_WAIT_MIN, T_EVENT_WAIT_MAX);",
             "ok = in_range(data, 32'd0, T_EVENT_WAIT_MAX);",
             "event_wait = 0 accepted"),
    Mutation("axi_timing_write_busy_ok", REGS,
             "          if (busy_i) begin\n            wr_err      = 1'b1;\n"
             "            wr_err_code = ERR_WRITE_WHILE_BUSY;",
             "          if (1'b0) begin\n            wr_err      = 1'b1;\n"
             "            wr_err_code = ERR_WRITE_WHILE_BUSY;",
             "timing-register writes accepted while busy"),
    Mutation("axi_bready_ignored", REGS,
             "if (bvalid_q && bready_i) begin",
             "if (bvalid_q) begin",
             "write response dropped without BREADY (back-pressure ignored)"),
    Mutation("axi_rready_ignored", REGS,
             "if (rvalid_q && rready_i) begin",
             "if (rvalid_q) begin",
             "read data dropped without RREADY (back-pressure ignored)"),
    Mutation("axi_status_bits_swapped", REGS,
             "(32'(busy_i)     << STATUS_BUSY_LSB)\n"
             "                     | (32'(done_i)     << STATUS_DONE_LSB)",
             "(32'(busy_i)     << STATUS_DONE_LSB)\n"
             "                     | (32'(done_i)     << STATUS_BUSY_LSB)",
             "STATUS.BUSY and STATUS.DONE swapped"),
    Mutation("axi_soft_reset_keeps_errcount", REGS,
             "      err_code_d   = ERR_NONE;\n      err_count_d  = 32'h0;\n",
             "      err_code_d   = ERR_NONE;\n",
             "SOFT_RESET does not clear ERROR_COUNT"),
    Mutation("axi_err_count_once", REGS,
             "err_count_d = err_count_base + {30'h0, err_inc};",
             "err_count_d = err_count_base + 32'd1;",
             "simultaneous errors counted once"),
    # ---- CapMem (rtl/hx_capmem.sv and its decode in hx_axil_regs) and sub-word access
    # (a write enable stuck at a constant 0 trips a Verilator 5.048 internal error, V3Gate:
    # "Consumer doesn't match lhs of assign"; these two cover the write enable instead)
    Mutation("cm_we_windows_dropped", REGS,
             "assign cm_we_o            = wr_ok & wr_cm;",
             "assign cm_we_o            = wr_ok & wr_cm & ~wr_addr[11];",
             "writes to the column windows answered OKAY but not stored"),
    Mutation("cm_we_unchecked", REGS,
             "assign cm_we_o            = wr_ok & wr_cm;",
             "assign cm_we_o            = wr_fire & wr_cm;",
             "refused CapMem writes (busy, out of range) stored anyway"),
    Mutation("cm_busy_write_ok", REGS,
             "          end else if (busy_i) begin\n            wr_err      = 1'b1;\n"
             "            wr_err_code = ERR_WRITE_WHILE_BUSY;",
             "          end else if (1'b0) begin\n            wr_err      = 1'b1;\n"
             "            wr_err_code = ERR_WRITE_WHILE_BUSY;",
             "CapMem writes accepted while busy"),
    Mutation("cm_range_unchecked", REGS,
             "end else if (!capmem_ok) begin",
             "end else if (1'b0) begin",
             "CapMem values above 1022 accepted (range check dropped)"),
    Mutation("cm_max_1023", REGS,
             "ok = in_range(data, CAPMEM_I_BIAS_LEAK_MIN, CAPMEM_I_BIAS_LEAK_MAX);",
             "ok = in_range(data, CAPMEM_I_BIAS_LEAK_MIN, CAPMEM_I_BIAS_LEAK_MAX + 32'd1);",
             "leak window accepts 1023 (range off by one)"),
    Mutation("cm_col_index", CM,
             "gm_q[CellW*wcell.col +: CellW] <= wdata_i;",
             "gm_q[CellW*(wcell.col ^ ColW'(1)) +: CellW] <= wdata_i;",
             "column-cell write goes to the neighbouring column (wrong cell index)"),
    Mutation("cm_quad_index", CM,
             "quad_q[CellW*wcell.quad +: CellW] <= wdata_i;",
             "quad_q[CellW*(wcell.quad ^ QW'(1)) +: CellW] <= wdata_i;",
             "quadrant-cell write goes to the other quadrant"),
    Mutation("cm_out_mux", CM,
             "assign synin_gm_o = gm_q;",
             "assign synin_gm_o = leak_q;",
             "OTA-bias output to the array carries the leak cells (output mux wrong)"),
    Mutation("cm_read_mux", CM,
             "rcell.leak ? leak_q[CellW*rcell.col +: CellW] :",
             "rcell.leak ? gm_q[CellW*rcell.col +: CellW] :",
             "AXI read of a leak cell returns the OTA-bias cell"),
    Mutation("cm_reset_zero", CM,
             "quad_q <= QuadResval;",
             "quad_q <= '0;",
             "quadrant cells reset to 0 instead of their contract values"),
    Mutation("axi_strobe_ignored", REGS,
             "assign wr_bmask = {{8{wstrb_i[3]}}, {8{wstrb_i[2]}}, {8{wstrb_i[1]}}, "
             "{8{wstrb_i[0]}}};",
             "assign wr_bmask = 32'hFFFF_FFFF;",
             "WSTRB ignored (every byte written)"),
    Mutation("axi_merge_base_zero", REGS,
             "default:          wr_base = wr_cm ? 32'(cm_mdata_i) : 32'h0;",
             "default:          wr_base = 32'h0;",
             "partial CapMem write clears the unstrobed bytes"),
    Mutation("axi_read_offset_decoded", REGS,
             "assign rd_addr = {araddr_i[11:2], 2'b00};",
             "assign rd_addr = araddr_i;",
             "reads at a byte offset inside a register refused (low address bits decoded)"),
    # ---- vector port
    Mutation("vp_rsp_ready_ignored", VP,
             "if (rsp_valid_q && vrsp_ready_i) begin",
             "if (rsp_valid_q) begin",
             "vector response dropped without vrsp_ready (back-pressure ignored)"),
    Mutation("vp_ready_ignores_slot", VP,
             "assign vreq_ready_o = ~rsp_valid_q & ~pend_q;",
             "assign vreq_ready_o = ~pend_q;",
             "request accepted while the response slot is full"),
    Mutation("vp_input_range_63", VP,
             "assign lane_gt31 = |(vreq_wdata_i & {NumLanes{8'hE0}});",
             "assign lane_gt31 = |(vreq_wdata_i & {NumLanes{8'hC0}});",
             "input range check at 63 instead of 31"),
    Mutation("vp_dac_range_unchecked", VP,
             "(is_sram || is_dac) && lane_gt63",
             "is_sram && lane_gt63",
             "DAC offsets not range-checked"),
    Mutation("vp_half_mask_swapped", VP,
             "assign half_mask = h ? {NumLanes{2'b10}} : {NumLanes{2'b01}};",
             "assign half_mask = h ? {NumLanes{2'b01}} : {NumLanes{2'b10}};",
             "even/odd column halves swapped on stores"),
    Mutation("vp_result_lane_map", VP,
             "rsp_data_q[l*8 +: 8] <= result_i[(2*l + h)*CodeW +: CodeW];",
             "rsp_data_q[l*8 +: 8] <= result_i[(l + NumLanes*h)*CodeW +: CodeW];",
             "result lanes mapped to columns l + 128h instead of 2l + h"),
    Mutation("vp_no_result_unchecked", VP,
             "end else if (!vreq_we_i && needs_result && !done_i) begin",
             "end else if (1'b0) begin",
             "NO_RESULT never flagged"),
    Mutation("vp_load_busy_ok", VP,
             "end else if (busy_i) begin",
             "end else if (busy_i && vreq_we_i) begin",
             "vector loads allowed while busy"),
    Mutation("vp_coff_mask_all", VP,
             "assign coff_wmask_o = half_mask;",
             "assign coff_wmask_o = '1;",
             "column-offset store writes both halves"),
    # ---- synapse SRAM, driver registers
    Mutation("sram_stuck_bit", SRAM,
             "mem[addr_i][j*WeightW +: WeightW] <= wdata_i[j*WeightW +: WeightW];",
             "mem[addr_i][j*WeightW +: WeightW] <= wdata_i[j*WeightW +: WeightW]"
             " | ((j == 77) ? WeightW'(32) : WeightW'(0));",
             "SRAM bit 5 of column 77 stuck at 1"),
    Mutation("dac_reset_zero", DRV,
             "dac_q <= {NumDrivers{DacW'(VA_DAC_RESVAL)}};",
             "dac_q <= '0;",
             "DAC offsets reset to 0 instead of 32"),
    Mutation("ev_driver_ungated", EVS,
             "assign ev_driver_o = emit ? sel : '0;",
             # (was `= sel`: since the priority encoder runs only in an event slot's first cycle,
             # sel is 0 whenever no event is emitted there, which made that mutant equivalent)
             "assign ev_driver_o = emit ? sel : DrvIdxW'(1);",
             "event driver not 0 while no event is sent (section 7.8)"),
    Mutation("top_sel_in_post", TOP,
             "assign cadc_sel_o   = (phase == PHASE_RESULT);",
             "assign cadc_sel_o   = (phase == PHASE_RESULT) | (phase == PHASE_POST);",
             "cadc_sel_o high in POST too (section 7.8)"),
]


def apply(text: str, m: Mutation) -> str:
    """The mutated file text; raises if the pattern does not occur exactly once."""
    n = text.count(m.old)
    if n != 1:
        raise ValueError(f"mutation {m.name}: pattern occurs {n} times in {m.file} "
                         f"(expected exactly 1; has the RTL changed?)")
    return text.replace(m.old, m.new)
