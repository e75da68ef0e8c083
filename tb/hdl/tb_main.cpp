// SPDX-License-Identifier: Apache-2.0
//
// Verilator main loop of the co-simulation (used by hxtb.build in place of cocotb's own loop).
//
// What it adds: the clock. The loop itself toggles tb_top's clk_i every N time units (1 ps here),
// N = HX_CLOCK_HALF (compiled in by hxtb.build) or the plusarg +hx_clock_half=<N>, the first
// rising edge at +hx_clock_first=<M> (default N/4), instead of cocotb's clock driver. The plusarg is
// added to the arguments cocotb sees (cocotb.plusargs), so the testbench knows not to start its own
// clock, whoever launched the simulator. Read and write points are those of cocotb's clock driver:
//
//   * at an edge the new clock value is set, then the value-change callbacks run (Python awaiting
//     RisingEdge(clk_i) wakes) BEFORE the model evaluates the edge, so Python reads the values
//     the flops sample at this edge;
//   * Python's writes are inertial (COCOTB_TRUST_INERTIAL_WRITES, set by cocotb's Verilator runner):
//     they are applied after the model has evaluated the edge, so the flops sample them at the next
//     edge; the model is then evaluated again for the new inputs;
//   * ReadWrite and ReadOnly callbacks, timers, end of simulation and waves (--trace) behave as
//     in cocotb's loop.
//
// The saving: cocotb's clock driver writes the clock inertially, so every half period costs an
// extra evaluation (the one before the inertial write is applied) plus a timer callback; here one
// evaluation per half period remains when Python does not write. With N = 0 the loop drives no
// clock (cocotb's clock driver can then be used as before).

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "Vtop.h"
#include "verilated.h"
#include "verilated_vpi.h"

#if VM_TRACE
#if VM_TRACE_FST
#include "verilated_fst_c.h"
using TraceFile = VerilatedFstC;
static const char* const kTraceName = "dump.fst";
#else
#include "verilated_vcd_c.h"
using TraceFile = VerilatedVcdC;
static const char* const kTraceName = "dump.vcd";
#endif
#endif

#ifndef HX_CLOCK_HALF
#define HX_CLOCK_HALF 0
#endif

extern "C" void vlog_startup_routines_bootstrap(void);

namespace {

uint64_t g_time = 0;  // simulation time in precision units
constexpr uint64_t kNever = ~uint64_t(0);

#if VM_TRACE
TraceFile* g_trace = nullptr;
#endif

// Run value-change callbacks until no callback changes a value any more.
void run_value_callbacks() {
  while (VerilatedVpi::callValueCbs()) {
  }
}

uint64_t plusarg(const char* name, uint64_t fallback) {
  const std::string match = Verilated::commandArgsPlusMatch(name);
  const std::string prefix = std::string("+") + name;
  if (match.size() <= prefix.size()) return fallback;
  return std::strtoull(match.c_str() + prefix.size(), nullptr, 10);
}

// End-of-simulation callbacks and the wave file, once (at $finish or at the end of the loop).
void finish_callbacks() {
  static bool done = false;
  if (done) return;
  done = true;
  VerilatedVpi::callCbs(cbEndOfSimulation);
#if VM_TRACE
  if (g_trace) g_trace->close();
#endif
}

}  // namespace

double sc_time_stamp() { return double(g_time); }

int main(int argc, char** argv) {
  bool trace = false;
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--trace") trace = true;
  }
  Verilated::commandArgs(argc, argv);
  const uint64_t half = plusarg("hx_clock_half=", HX_CLOCK_HALF);
  const uint64_t first = plusarg("hx_clock_first=", half / 4);
  if (half && plusarg("hx_clock_half=", 0) == 0) {
    // tell the testbench (before cocotb reads the arguments) that the clock runs
    const std::string arg = "+hx_clock_half=" + std::to_string(half);
    const char* extra[] = {arg.c_str()};
    Verilated::commandArgsAdd(1, extra);
  }

  std::unique_ptr<Vtop> top(new Vtop(""));
  Verilated::fatalOnVpiError(false);  // cocotb probes handles that may not exist

#if VM_TRACE
  Verilated::traceEverOn(true);
  if (trace) {
    g_trace = new TraceFile;
    top->trace(g_trace, 99);
    g_trace->open(kTraceName);
  }
#else
  if (trace) {
    std::fprintf(stderr, "tb_main: --trace needs a build with waves (WAVES=1)\n");
    return 1;
  }
#endif

  vlog_startup_routines_bootstrap();  // loads cocotb
  Verilated::addExitCb([](void*) { finish_callbacks(); }, nullptr);
  VerilatedVpi::callCbs(cbStartOfSimulation);
  run_value_callbacks();

  uint64_t next_edge = half ? first : kNever;
  while (!Verilated::gotFinish()) {
    // Evaluate this time step until Python's writes (applied after each evaluation) and the
    // ReadWrite callbacks change no input any more. Value-change callbacks run after every
    // evaluation; the ReadWrite ones only when some are registered.
    for (;;) {
      do {
        top->eval_step();
        VerilatedVpi::clearEvalNeeded();
        VerilatedVpi::doInertialPuts();
        run_value_callbacks();
      } while (VerilatedVpi::evalNeeded());
      // (hasCbs first: a ReadWrite/ReadOnly callback due now is in the current list already -
      // registered for this time step, or moved there by the timer call of this time step)
      if (!VerilatedVpi::hasCbs(cbReadWriteSynch) || !VerilatedVpi::callCbs(cbReadWriteSynch)) {
        break;
      }
      VerilatedVpi::doInertialPuts();
      run_value_callbacks();
      if (!VerilatedVpi::evalNeeded()) break;
    }
    top->eval_end_step();
    if (VerilatedVpi::hasCbs(cbReadOnlySynch)) VerilatedVpi::callCbs(cbReadOnlySynch);
#if VM_TRACE
    if (g_trace) g_trace->dump(g_time);
#endif

    // Next time step: the next clock edge, cocotb timer or delay in the model, whichever is first.
    const uint64_t deadline = VerilatedVpi::cbNextDeadline();
    uint64_t next = std::min(next_edge, deadline);
    if (top->eventsPending()) next = std::min(next, top->nextTimeSlot());
    if (next == kNever) break;  // nothing will ever happen again
    g_time = next;
    VerilatedVpi::callCbs(cbNextSimTime);
    if (g_time == next_edge) {
      top->clk_i = !top->clk_i;
      next_edge += half;
    }
    if (deadline <= g_time) VerilatedVpi::callTimedCbs();  // cocotb timers of this time step
    run_value_callbacks();  // RisingEdge(clk_i) wakes here, before the edge is evaluated
  }

  top->final();
  finish_callbacks();
#if VM_TRACE
  delete g_trace;
  g_trace = nullptr;
#endif
  return Verilated::threadContextp()->errorCount() > 0 ? 1 : 0;
}
