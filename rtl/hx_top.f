// Copyright hxsim contributors. SPDX-License-Identifier: Apache-2.0
//
// The RTL of hx_top in compile order (packages before their users, the top last); paths are
// relative to this file's folder (Verilator: -F rtl/hx_top.f). Used by `make lint-rtl`, the
// co-simulation build (hxtb.build.sources) and `make mutate`. A new file goes here.

// Packages
hx_reg_pkg.sv

// Blocks
hx_axil_regs.sv
hx_capmem.sv
hx_ctrl_fsm.sv
hx_synapse_sram.sv
hx_driver_regs.sv
hx_event_scheduler.sv
hx_cadc_sequencer.sv
hx_vector_port.sv

// Top
hx_top.sv
