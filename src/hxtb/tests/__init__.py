"""cocotb test modules (run inside the simulator by cocotb_tools.runner; see hxtb.build)."""
