// Copyright hxsim contributors. SPDX-License-Identifier: Apache-2.0
//
// Description: AXI4-Lite slave and control/status register file (docs/interfaces.md section 4).
// Addresses, field positions and widths, reset values, writable bits, value ranges and error
// codes come from hx_reg_pkg (generated from data/hx_top.rdl); the decode and the chip-specific
// semantics (refusals, error bookkeeping, IRQ ordering) are written here (docs/rtl.md says why).
//
// Sub-word access (docs/interfaces.md section 4, "Sub-word access"): the two low address bits
// are ignored (an address names the 32-bit word holding it), WSTRB selects the bytes a write
// replaces, and the checks apply to the register's resulting value (unstrobed bytes keep their
// value; of a write-only or write-1-to-clear register they write 0). Reads return the whole word.
//
// CapMem (rtl/hx_capmem.sv holds the cells): the quadrant registers and the two column windows are
// decoded and checked here like the timing registers; an accepted write goes to hx_capmem's write
// port, reads and the strobe merge use its read ports.
//
// Write channel: AW and W are accepted together, in the first cycle in which both are valid and
// the B slot is free (AWREADY/WREADY depend on AWVALID/WVALID, which AXI allows); this handles AW
// before W, W before AW and both in the same cycle. The write takes effect at that clock edge and
// BVALID rises in the next cycle, held until BREADY. Read channel: ARREADY is high while the R slot
// is free; RDATA/RRESP are captured at the AR handshake and held until RREADY.
//
// Error bookkeeping for the whole chip lives here: errors of the AXI side and of the vector port
// (vec_err_i) set STATUS.ERROR, ERR_CODE and IRQ_STATUS.ERROR_IRQ and increment ERROR_COUNT.
// Several errors in one cycle each count; ERR_CODE takes the vector port's, else the write's,
// else the read's code.

`timescale 1ns / 1ps
`default_nettype none

module hx_axil_regs
  import hx_reg_pkg::*;
(
  // Clock and asynchronous active-low reset
  input  wire logic        clk_i,
  input  wire logic        rst_ni,

  // AXI4-Lite slave: write address, write data, write response
  input  wire logic [11:0] awaddr_i,
  input  wire logic        awvalid_i,
  output logic             awready_o,
  input  wire logic [31:0] wdata_i,
  input  wire logic [3:0]  wstrb_i,
  input  wire logic        wvalid_i,
  output logic             wready_o,
  output logic [1:0]       bresp_o,
  output logic             bvalid_o,
  input  wire logic        bready_i,

  // AXI4-Lite slave: read address, read data
  input  wire logic [11:0] araddr_i,
  input  wire logic        arvalid_i,
  output logic             arready_o,
  output logic [31:0]      rdata_o,
  output logic [1:0]       rresp_o,
  output logic             rvalid_o,
  input  wire logic        rready_i,

  // Timing registers (to the control FSM, CADC sequencer and event scheduler)
  output logic [T_RESET_WIDTH-1:0]          t_reset_o,
  output logic [T_SETTLE_WIDTH-1:0]         t_settle_o,
  output logic [T_EVENT_WAIT_WIDTH-1:0]     t_event_wait_o,
  output logic [NUM_SENDS_WIDTH-1:0]        num_sends_o,
  output logic [T_ADC_RESET_WAIT_WIDTH-1:0] t_adc_reset_wait_o,
  output logic [T_ADC_STEP_WIDTH-1:0]       t_adc_step_o,
  output logic [T_ADC_DEAD_TIME_WIDTH-1:0]  t_adc_dead_time_o,

  // CTRL pulses (one cycle, in the cycle of the AXI write handshake)
  output logic             start_o,
  output logic             abort_o,
  output logic             soft_reset_o,

  // Status and counters from the control FSM
  input  wire logic        busy_i,
  input  wire logic        done_i,
  input  wire logic [STATUS_PHASE_WIDTH-1:0] phase_i,
  input  wire logic        vmm_done_i,     // a VMM completes at the end of this cycle
  input  wire logic [31:0] cycles_last_i,
  input  wire logic [31:0] vmm_count_i,
  input  wire logic [31:0] events_last_i,

  // CapMem block: write port (checked writes only) and read ports
  output logic             cm_we_o,
  output logic [11:0]      cm_waddr_o,
  output logic [CAPMEM_I_BIAS_LEAK_WIDTH-1:0] cm_wdata_o,
  output logic [11:0]      cm_raddr_o,
  input  wire logic [CAPMEM_I_BIAS_LEAK_WIDTH-1:0] cm_rdata_i,
  output logic [11:0]      cm_maddr_o,
  input  wire logic [CAPMEM_I_BIAS_LEAK_WIDTH-1:0] cm_mdata_i,

  // Refused vector-port request (one-cycle pulse with its error code)
  input  wire logic        vec_err_i,
  input  wire logic [STATUS_ERR_CODE_WIDTH-1:0] vec_err_code_i,

  // Interrupt, level: |(IRQ_STATUS & IRQ_ENABLE)
  output logic             irq_o
);

  localparam logic [1:0] RespOkay   = 2'b00;
  localparam logic [1:0] RespSlverr = 2'b10;
  localparam logic [1:0] IrqDoneMask  = 2'b01 << IRQ_STATUS_DONE_LSB;
  localparam logic [1:0] IrqErrorMask = 2'b01 << IRQ_STATUS_ERROR_LSB;
  localparam int         ErrW         = STATUS_ERR_CODE_WIDTH;

  // Registers
  logic [T_RESET_WIDTH-1:0]          t_reset_q, t_reset_d;
  logic [T_SETTLE_WIDTH-1:0]         t_settle_q, t_settle_d;
  logic [T_EVENT_WAIT_WIDTH-1:0]     t_event_wait_q, t_event_wait_d;
  logic [NUM_SENDS_WIDTH-1:0]        num_sends_q, num_sends_d;
  logic [T_ADC_RESET_WAIT_WIDTH-1:0] t_adc_reset_wait_q, t_adc_reset_wait_d;
  logic [T_ADC_STEP_WIDTH-1:0]       t_adc_step_q, t_adc_step_d;
  logic [T_ADC_DEAD_TIME_WIDTH-1:0]  t_adc_dead_time_q, t_adc_dead_time_d;
  logic [1:0]  irq_status_q, irq_status_d;
  logic [1:0]  irq_enable_q, irq_enable_d;
  logic        err_q, err_d;
  logic [ErrW-1:0] err_code_q, err_code_d;
  logic [31:0] err_count_q, err_count_d;
  logic        bvalid_q, bvalid_d;
  logic [1:0]  bresp_q, bresp_d;
  logic        rvalid_q, rvalid_d;
  logic [1:0]  rresp_q, rresp_d;
  logic [31:0] rdata_q, rdata_d;

  // Handshakes
  logic wr_fire, rd_fire;
  assign wr_fire   = awvalid_i & wvalid_i & ~bvalid_q;
  assign rd_fire   = arvalid_i & ~rvalid_q;
  assign awready_o = wr_fire;
  assign wready_o  = wr_fire;
  assign arready_o = ~rvalid_q;

  // ---------------------------------------------------------------------------------------------
  // Sub-word access: word addresses, the strobe merge
  // ---------------------------------------------------------------------------------------------
  logic [11:0] wr_addr, rd_addr;
  assign wr_addr = {awaddr_i[11:2], 2'b00};
  assign rd_addr = {araddr_i[11:2], 2'b00};
  logic unused_byte_offset;  // the byte offset inside the word is ignored by design
  assign unused_byte_offset = ^{awaddr_i[1:0], araddr_i[1:0]};

  // The value the write leaves: strobed bytes from WDATA, the others from wr_base
  logic [31:0] wr_bmask, wr_base, wr_data;
  assign wr_bmask = {{8{wstrb_i[3]}}, {8{wstrb_i[2]}}, {8{wstrb_i[1]}}, {8{wstrb_i[0]}}};
  assign wr_data  = (wr_base & ~wr_bmask) | (wdata_i & wr_bmask);

  // CapMem addresses (quadrant registers and the column windows)
  logic wr_cm, rd_cm;
  assign wr_cm = is_capmem(wr_addr);
  assign rd_cm = is_capmem(rd_addr);

  function automatic logic in_window(logic [11:0] addr, logic [11:0] base, int count);
    return ({1'b0, addr} >= {1'b0, base}) && (({1'b0, addr} - {1'b0, base}) < 13'(4 * count));
  endfunction

  function automatic logic is_capmem(logic [11:0] addr);
    logic ok;
    case (addr)
      CAPMEM_SYN_I_BIAS_DAC_Q0, CAPMEM_SYN_I_BIAS_DAC_Q1, CAPMEM_STP_I_RAMP_Q0,
      CAPMEM_STP_I_RAMP_Q1, CAPMEM_HAGEN_IBIAS_DAC_Q0, CAPMEM_HAGEN_IBIAS_DAC_Q1,
      CAPMEM_CADC_V_RAMP_OFFSET_Q0, CAPMEM_CADC_V_RAMP_OFFSET_Q1, CAPMEM_CADC_I_RAMP_SLOPE_Q0,
      CAPMEM_CADC_I_RAMP_SLOPE_Q1: ok = 1'b1;
      default: ok = in_window(addr, CAPMEM_I_BIAS_SYNIN_GM, CAPMEM_I_BIAS_SYNIN_GM_COUNT) ||
                    in_window(addr, CAPMEM_I_BIAS_LEAK, CAPMEM_I_BIAS_LEAK_COUNT);
    endcase
    return ok;
  endfunction

  // Allowed value of a CapMem write (the range implies zero bits above the cell)
  function automatic logic capmem_value_ok(logic [11:0] addr, logic [31:0] data);
    logic ok;
    case (addr)
      CAPMEM_SYN_I_BIAS_DAC_Q0: ok = in_range(data, CAPMEM_SYN_I_BIAS_DAC_Q0_MIN,
                                              CAPMEM_SYN_I_BIAS_DAC_Q0_MAX);
      CAPMEM_SYN_I_BIAS_DAC_Q1: ok = in_range(data, CAPMEM_SYN_I_BIAS_DAC_Q1_MIN,
                                              CAPMEM_SYN_I_BIAS_DAC_Q1_MAX);
      CAPMEM_STP_I_RAMP_Q0: ok = in_range(data, CAPMEM_STP_I_RAMP_Q0_MIN, CAPMEM_STP_I_RAMP_Q0_MAX);
      CAPMEM_STP_I_RAMP_Q1: ok = in_range(data, CAPMEM_STP_I_RAMP_Q1_MIN, CAPMEM_STP_I_RAMP_Q1_MAX);
      CAPMEM_HAGEN_IBIAS_DAC_Q0: ok = in_range(data, CAPMEM_HAGEN_IBIAS_DAC_Q0_MIN,
                                               CAPMEM_HAGEN_IBIAS_DAC_Q0_MAX);
      CAPMEM_HAGEN_IBIAS_DAC_Q1: ok = in_range(data, CAPMEM_HAGEN_IBIAS_DAC_Q1_MIN,
                                               CAPMEM_HAGEN_IBIAS_DAC_Q1_MAX);
      CAPMEM_CADC_V_RAMP_OFFSET_Q0: ok = in_range(data, CAPMEM_CADC_V_RAMP_OFFSET_Q0_MIN,
                                                  CAPMEM_CADC_V_RAMP_OFFSET_Q0_MAX);
      CAPMEM_CADC_V_RAMP_OFFSET_Q1: ok = in_range(data, CAPMEM_CADC_V_RAMP_OFFSET_Q1_MIN,
                                                  CAPMEM_CADC_V_RAMP_OFFSET_Q1_MAX);
      CAPMEM_CADC_I_RAMP_SLOPE_Q0: ok = in_range(data, CAPMEM_CADC_I_RAMP_SLOPE_Q0_MIN,
                                                 CAPMEM_CADC_I_RAMP_SLOPE_Q0_MAX);
      CAPMEM_CADC_I_RAMP_SLOPE_Q1: ok = in_range(data, CAPMEM_CADC_I_RAMP_SLOPE_Q1_MIN,
                                                 CAPMEM_CADC_I_RAMP_SLOPE_Q1_MAX);
      default: begin
        if (in_window(addr, CAPMEM_I_BIAS_SYNIN_GM, CAPMEM_I_BIAS_SYNIN_GM_COUNT)) begin
          ok = in_range(data, CAPMEM_I_BIAS_SYNIN_GM_MIN, CAPMEM_I_BIAS_SYNIN_GM_MAX);
        end else begin
          ok = in_range(data, CAPMEM_I_BIAS_LEAK_MIN, CAPMEM_I_BIAS_LEAK_MAX);
        end
      end
    endcase
    return ok;
  endfunction

  // Current value of the written register as a write sees it (RW: its value; WO, W1C: 0)
  always_comb begin
    case (wr_addr)
      T_RESET:          wr_base = 32'(t_reset_q);
      T_SETTLE:         wr_base = 32'(t_settle_q);
      T_EVENT_WAIT:     wr_base = 32'(t_event_wait_q);
      NUM_SENDS:        wr_base = 32'(num_sends_q);
      T_ADC_RESET_WAIT: wr_base = 32'(t_adc_reset_wait_q);
      T_ADC_STEP:       wr_base = 32'(t_adc_step_q);
      T_ADC_DEAD_TIME:  wr_base = 32'(t_adc_dead_time_q);
      IRQ_ENABLE:       wr_base = 32'(irq_enable_q);
      default:          wr_base = wr_cm ? 32'(cm_mdata_i) : 32'h0;
    endcase
  end

  // ---------------------------------------------------------------------------------------------
  // Write decode: value checks, CTRL pulses, write errors
  // ---------------------------------------------------------------------------------------------
  logic       wr_err;        // the write is refused (SLVERR) or START while busy (OKAY)
  logic [ErrW-1:0] wr_err_code;
  logic       wr_slverr;
  logic       err_clear;

  // Write-data fields (kept out of the always_comb blocks: Icarus 11 does not support constant
  // selects there)
  logic wdata_fits, timing_ok, capmem_ok;
  logic ctrl_start, ctrl_abort, ctrl_soft_reset, ctrl_err_clear;
  assign wdata_fits      = ((wr_data & ~reg_wmask(wr_addr)) == 32'h0);
  assign timing_ok       = timing_value_ok(wr_addr, wr_data);
  assign capmem_ok       = capmem_value_ok(wr_addr, wr_data);
  assign ctrl_start      = wr_data[CTRL_START_LSB];
  assign ctrl_abort      = wr_data[CTRL_ABORT_LSB];
  assign ctrl_soft_reset = wr_data[CTRL_SOFT_RESET_LSB];
  assign ctrl_err_clear  = wr_data[CTRL_ERR_CLEAR_LSB];

  always_comb begin
    wr_err       = 1'b0;
    wr_err_code  = ERR_NONE;
    wr_slverr    = 1'b0;
    start_o      = 1'b0;
    abort_o      = 1'b0;
    soft_reset_o = 1'b0;
    err_clear    = 1'b0;
    if (wr_fire) begin
      case (wr_addr)
        CTRL: begin
          if (!wdata_fits) begin
            wr_err      = 1'b1;
            wr_err_code = ERR_BAD_REG_VALUE;
            wr_slverr   = 1'b1;
          end else begin
            err_clear = ctrl_err_clear;
            if (ctrl_soft_reset) begin
              soft_reset_o = 1'b1;
            end else if (ctrl_abort) begin
              abort_o = 1'b1;
            end else if (ctrl_start) begin
              if (busy_i) begin
                wr_err      = 1'b1;
                wr_err_code = ERR_START_WHILE_BUSY;
              end else begin
                start_o = 1'b1;
              end
            end
          end
        end
        IRQ_STATUS, IRQ_ENABLE: begin
          if (!wdata_fits) begin
            wr_err      = 1'b1;
            wr_err_code = ERR_BAD_REG_VALUE;
            wr_slverr   = 1'b1;
          end
        end
        T_RESET, T_SETTLE, T_EVENT_WAIT, NUM_SENDS, T_ADC_RESET_WAIT, T_ADC_STEP,
        T_ADC_DEAD_TIME: begin
          if (busy_i) begin
            wr_err      = 1'b1;
            wr_err_code = ERR_WRITE_WHILE_BUSY;
            wr_slverr   = 1'b1;
          end else if (!timing_ok) begin
            wr_err      = 1'b1;
            wr_err_code = ERR_BAD_REG_VALUE;
            wr_slverr   = 1'b1;
          end
        end
        default: begin
          if (!wr_cm) begin
            // Unmapped or read-only register
            wr_err      = 1'b1;
            wr_err_code = ERR_BAD_REG_ADDR;
            wr_slverr   = 1'b1;
          end else if (busy_i) begin
            wr_err      = 1'b1;
            wr_err_code = ERR_WRITE_WHILE_BUSY;
            wr_slverr   = 1'b1;
          end else if (!capmem_ok) begin
            wr_err      = 1'b1;
            wr_err_code = ERR_BAD_REG_VALUE;
            wr_slverr   = 1'b1;
          end
        end
      endcase
    end
  end

  // Writable bits of a register (a write with any other bit set is BAD_REG_VALUE)
  function automatic logic [31:0] reg_wmask(logic [11:0] addr);
    logic [31:0] m;
    case (addr)
      CTRL:       m = CTRL_WMASK;
      IRQ_STATUS: m = IRQ_STATUS_WMASK;
      IRQ_ENABLE: m = IRQ_ENABLE_WMASK;
      default:    m = 32'h0;
    endcase
    return m;
  endfunction

  // Allowed value of a timing-register write (the range implies zero bits above the field)
  function automatic logic timing_value_ok(logic [11:0] addr, logic [31:0] data);
    logic ok;
    case (addr)
      T_RESET:          ok = in_range(data, T_RESET_MIN, T_RESET_MAX);
      T_SETTLE:         ok = in_range(data, T_SETTLE_MIN, T_SETTLE_MAX);
      T_EVENT_WAIT:     ok = in_range(data, T_EVENT_WAIT_MIN, T_EVENT_WAIT_MAX);
      NUM_SENDS:        ok = in_range(data, NUM_SENDS_MIN, NUM_SENDS_MAX);
      T_ADC_RESET_WAIT: ok = in_range(data, T_ADC_RESET_WAIT_MIN, T_ADC_RESET_WAIT_MAX);
      T_ADC_STEP:       ok = in_range(data, T_ADC_STEP_MIN, T_ADC_STEP_MAX);
      T_ADC_DEAD_TIME:  ok = in_range(data, T_ADC_DEAD_TIME_MIN, T_ADC_DEAD_TIME_MAX);
      default:          ok = 1'b0;
    endcase
    return ok;
  endfunction

  function automatic logic in_range(logic [31:0] data, logic [31:0] lo, logic [31:0] hi);
    return (data >= lo) && (data <= hi);
  endfunction

  // ---------------------------------------------------------------------------------------------
  // Next state
  // ---------------------------------------------------------------------------------------------
  // Read decode: only addresses of readable registers are mapped (CTRL reads 0)
  logic rd_bad;
  assign rd_bad = !reg_readable(rd_addr) && !rd_cm;

  function automatic logic reg_readable(logic [11:0] addr);
    logic ok;
    case (addr)
      ID, VERSION, CTRL, STATUS, IRQ_STATUS, IRQ_ENABLE, T_RESET, T_SETTLE, T_EVENT_WAIT,
      NUM_SENDS, T_ADC_RESET_WAIT, T_ADC_STEP, T_ADC_DEAD_TIME, CYCLES_LAST, VMM_COUNT,
      ERROR_COUNT, EVENTS_LAST: ok = 1'b1;
      default:                  ok = 1'b0;
    endcase
    return ok;
  endfunction

  logic       wr_ok;
  logic [1:0] err_inc;

  // STATUS as read (fields at their contract positions)
  logic [31:0] status_word;
  assign status_word = (32'(busy_i)     << STATUS_BUSY_LSB)
                     | (32'(done_i)     << STATUS_DONE_LSB)
                     | (32'(err_q)      << STATUS_ERROR_LSB)
                     | (32'(phase_i)    << STATUS_PHASE_LSB)
                     | (32'(err_code_q) << STATUS_ERR_CODE_LSB);

  // IRQ_STATUS and ERROR_COUNT after this cycle's write / soft reset, before this cycle's sets
  logic [1:0]  irq_status_base, irq_set;
  logic [31:0] err_count_base;
  assign irq_status_base = soft_reset_o ? 2'b00 :
                           (wr_ok && (wr_addr == IRQ_STATUS)) ? (irq_status_q & ~2'(wr_data)) :
                           irq_status_q;
  assign irq_set         = (vmm_done_i ? IrqDoneMask : 2'b00) |
                           ((err_inc != 2'd0) ? IrqErrorMask : 2'b00);
  assign err_count_base  = soft_reset_o ? 32'h0 : err_count_q;

  assign wr_ok   = wr_fire & ~wr_err;
  assign err_inc = {1'b0, wr_err} + {1'b0, rd_fire & rd_bad} + {1'b0, vec_err_i};

  always_comb begin
    t_reset_d          = t_reset_q;
    t_settle_d         = t_settle_q;
    t_event_wait_d     = t_event_wait_q;
    num_sends_d        = num_sends_q;
    t_adc_reset_wait_d = t_adc_reset_wait_q;
    t_adc_step_d       = t_adc_step_q;
    t_adc_dead_time_d  = t_adc_dead_time_q;
    irq_status_d       = irq_status_q;
    irq_enable_d       = irq_enable_q;
    err_d              = err_q;
    err_code_d         = err_code_q;
    err_count_d        = err_count_q;
    bvalid_d           = bvalid_q;
    bresp_d            = bresp_q;
    rvalid_d           = rvalid_q;
    rresp_d            = rresp_q;
    rdata_d            = rdata_q;

    // Register writes
    if (wr_ok) begin
      case (wr_addr)
        T_RESET:          t_reset_d          = T_RESET_WIDTH'(wr_data);
        T_SETTLE:         t_settle_d         = T_SETTLE_WIDTH'(wr_data);
        T_EVENT_WAIT:     t_event_wait_d     = T_EVENT_WAIT_WIDTH'(wr_data);
        NUM_SENDS:        num_sends_d        = NUM_SENDS_WIDTH'(wr_data);
        T_ADC_RESET_WAIT: t_adc_reset_wait_d = T_ADC_RESET_WAIT_WIDTH'(wr_data);
        T_ADC_STEP:       t_adc_step_d       = T_ADC_STEP_WIDTH'(wr_data);
        T_ADC_DEAD_TIME:  t_adc_dead_time_d  = T_ADC_DEAD_TIME_WIDTH'(wr_data);
        IRQ_STATUS:       irq_status_d       = irq_status_q & ~2'(wr_data);
        IRQ_ENABLE:       irq_enable_d       = 2'(wr_data);
        default:          ;
      endcase
    end

    // Clears (before the sets of this cycle, so an event of this cycle is never lost)
    if (soft_reset_o) begin
      irq_status_d = 2'b00;
      err_d        = 1'b0;
      err_code_d   = ERR_NONE;
      err_count_d  = 32'h0;
    end
    if (err_clear) begin
      err_d      = 1'b0;
      err_code_d = ERR_NONE;
    end

    // Sets (no variable of this block is read back: Icarus 11 would re-trigger the block)
    if (vmm_done_i || (err_inc != 2'd0)) begin
      irq_status_d = irq_status_base | irq_set;
    end
    if (err_inc != 2'd0) begin
      err_d       = 1'b1;
      err_count_d = err_count_base + {30'h0, err_inc};
      if (vec_err_i) begin
        err_code_d = vec_err_code_i;
      end else if (wr_err) begin
        err_code_d = wr_err_code;
      end else begin
        err_code_d = ERR_BAD_REG_ADDR;
      end
    end

    // Write response channel
    if (bvalid_q && bready_i) begin
      bvalid_d = 1'b0;
    end
    if (wr_fire) begin
      bvalid_d = 1'b1;
      bresp_d  = wr_slverr ? RespSlverr : RespOkay;
    end

    // Read data channel
    if (rvalid_q && rready_i) begin
      rvalid_d = 1'b0;
    end
    if (rd_fire) begin
      rvalid_d = 1'b1;
      rresp_d  = rd_bad ? RespSlverr : RespOkay;
      case (rd_addr)
        ID:               rdata_d = ID_RESVAL;
        VERSION:          rdata_d = VERSION_RESVAL;
        STATUS:           rdata_d = status_word;
        IRQ_STATUS:       rdata_d = 32'(irq_status_q);
        IRQ_ENABLE:       rdata_d = 32'(irq_enable_q);
        T_RESET:          rdata_d = 32'(t_reset_q);
        T_SETTLE:         rdata_d = 32'(t_settle_q);
        T_EVENT_WAIT:     rdata_d = 32'(t_event_wait_q);
        NUM_SENDS:        rdata_d = 32'(num_sends_q);
        T_ADC_RESET_WAIT: rdata_d = 32'(t_adc_reset_wait_q);
        T_ADC_STEP:       rdata_d = 32'(t_adc_step_q);
        T_ADC_DEAD_TIME:  rdata_d = 32'(t_adc_dead_time_q);
        CYCLES_LAST:      rdata_d = cycles_last_i;
        VMM_COUNT:        rdata_d = vmm_count_i;
        ERROR_COUNT:      rdata_d = err_count_q;
        EVENTS_LAST:      rdata_d = events_last_i;
        // CapMem; CTRL (write-only) and unmapped addresses read 0
        default:          rdata_d = rd_cm ? 32'(cm_rdata_i) : 32'h0;
      endcase
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      t_reset_q          <= T_RESET_RESVAL;
      t_settle_q         <= T_SETTLE_RESVAL;
      t_event_wait_q     <= T_EVENT_WAIT_RESVAL;
      num_sends_q        <= NUM_SENDS_RESVAL;
      t_adc_reset_wait_q <= T_ADC_RESET_WAIT_RESVAL;
      t_adc_step_q       <= T_ADC_STEP_RESVAL;
      t_adc_dead_time_q  <= T_ADC_DEAD_TIME_RESVAL;
      irq_status_q       <= 2'b00;
      irq_enable_q       <= 2'b00;
      err_q              <= 1'b0;
      err_code_q         <= ERR_NONE;
      err_count_q        <= 32'h0;
      bvalid_q           <= 1'b0;
      bresp_q            <= RespOkay;
      rvalid_q           <= 1'b0;
      rresp_q            <= RespOkay;
      rdata_q            <= 32'h0;
    end else begin
      t_reset_q          <= t_reset_d;
      t_settle_q         <= t_settle_d;
      t_event_wait_q     <= t_event_wait_d;
      num_sends_q        <= num_sends_d;
      t_adc_reset_wait_q <= t_adc_reset_wait_d;
      t_adc_step_q       <= t_adc_step_d;
      t_adc_dead_time_q  <= t_adc_dead_time_d;
      irq_status_q       <= irq_status_d;
      irq_enable_q       <= irq_enable_d;
      err_q              <= err_d;
      err_code_q         <= err_code_d;
      err_count_q        <= err_count_d;
      bvalid_q           <= bvalid_d;
      bresp_q            <= bresp_d;
      rvalid_q           <= rvalid_d;
      rresp_q            <= rresp_d;
      rdata_q            <= rdata_d;
    end
  end

  // Outputs
  assign bvalid_o           = bvalid_q;
  assign bresp_o            = bresp_q;
  assign rvalid_o           = rvalid_q;
  assign rresp_o            = rresp_q;
  assign rdata_o            = rdata_q;
  assign t_reset_o          = t_reset_q;
  assign t_settle_o         = t_settle_q;
  assign t_event_wait_o     = t_event_wait_q;
  assign num_sends_o        = num_sends_q;
  assign t_adc_reset_wait_o = t_adc_reset_wait_q;
  assign t_adc_step_o       = t_adc_step_q;
  assign t_adc_dead_time_o  = t_adc_dead_time_q;
  assign irq_o              = |(irq_status_q & irq_enable_q);
  assign cm_we_o            = wr_ok & wr_cm;
  assign cm_waddr_o         = wr_addr;
  assign cm_wdata_o         = wr_data[CAPMEM_I_BIAS_LEAK_WIDTH-1:0];
  assign cm_raddr_o         = rd_addr;
  assign cm_maddr_o         = wr_addr;
endmodule

`default_nettype wire
