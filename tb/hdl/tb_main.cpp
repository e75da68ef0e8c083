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
//
// It also adds the wake ports (three tb_top outputs watched here for the testbench, so that no VPI
// value-change callback stays registered during a VMM; hxtb.wake) and skips the VPI calls that
// cannot find work while no callback has run Python (PyState). docs/cosim.md, "Wake ports and
// the idle loop".

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

// Bit i: wake port i armed. Exported: the testbench sets and clears bits in place (hxtb.wake;
// a ctypes store is far cheaper than a ctypes call), only while its callback is connected.
extern "C" uint32_t hx_wake_armed;
uint32_t hx_wake_armed = 0;

namespace {

uint64_t g_time = 0;  // simulation time in precision units
constexpr uint64_t kNever = ~uint64_t(0);

#if VM_TRACE
TraceFile* g_trace = nullptr;
#endif

// ---- wake ports: edges of tb_top outputs watched by this loop, for the testbench
//
// A cocotb edge trigger is a VPI value-change callback: after every evaluation Verilator compares
// every such watched signal with its previous value (VerilatedVpi::callValueCbs, a list walk and a
// memcmp per callback), 4 times per clock cycle, for the whole VMM. The testbench's long waits are
// on three tb_top outputs, so this loop watches those itself (a byte compare per evaluation) and
// calls the testbench back (hxtb.wake: a cocotb trigger) when an armed edge happens; with no
// cocotb value-change callback registered during a VMM, callValueCbs returns at once.
struct WakePort {
  const char* name;   // tb_top port
  bool rising;        // the edge that fires: rising (0 -> 1) or falling (1 -> 0)
  const CData* sig;   // the port's value in the model
  CData prev;         // its value after the previous evaluation
};
WakePort g_wake[3];
constexpr uint32_t kWakePorts = sizeof(g_wake) / sizeof(g_wake[0]);
int (*g_wake_cb)(uint32_t fired) = nullptr;  // the testbench; non-zero return ends the run

void wake_init(Vtop* top) {
  g_wake[0] = {"cadc_start_o", true, &top->cadc_start_o, top->cadc_start_o};
  g_wake[1] = {"wait_busy_o", false, &top->wait_busy_o, top->wait_busy_o};
  g_wake[2] = {"wait_irq_o", true, &top->wait_irq_o, top->wait_irq_o};
}

// After every evaluation: note each port's value; call the testbench for the armed ports whose
// edge happened (one-shot: they are disarmed first, as a fired cocotb trigger is). True if it
// called the testbench.
bool wake_check() {
  uint32_t fired = 0;
  for (uint32_t i = 0; i < kWakePorts; ++i) {
    WakePort& p = g_wake[i];
    const CData v = *p.sig;
    if (v != p.prev) {
      p.prev = v;
      if ((hx_wake_armed >> i & 1) && (v != 0) == p.rising) fired |= 1u << i;
    }
  }
  if (!fired || !g_wake_cb) return false;
  hx_wake_armed &= ~fired;
  if (g_wake_cb(fired) != 0) {
    std::fprintf(stderr, "tb_main: the testbench's wake-port callback failed; ending the run\n");
    Verilated::gotFinish(true);
  }
  return true;
}

// Run value-change callbacks until no callback changes a value any more; true if any ran.
bool run_value_callbacks() {
  bool any = false;
  while (VerilatedVpi::callValueCbs()) any = true;
  return any;
}

// ---- what Python may have changed
//
// Python (cocotb and the testbench) runs only inside the callbacks this loop calls. The callback
// lists, the timers and the queued (inertial) writes change only then, so while no call has run
// Python the loop skips the VPI calls that would find nothing to do: during a VMM's wait each is a
// call that takes a lock or walks a list, several times per clock cycle (about 1 M instructions
// per VMM together, counted with callgrind; docs/cosim.md "Speed").
class PyState {
 public:
  // After a call that ran (or may have run) Python: everything may have changed.
  void note(bool ran) {
    if (ran) ran_ = puts_ = next_ = true;
  }
  // Queued inertial writes may exist (cleared by the caller that applies them).
  bool take_puts() {
    const bool p = puts_;
    puts_ = false;
    return p;
  }
  // A cbNextSimTime callback may be pending (cleared by the caller that calls them).
  bool take_next() {
    const bool n = next_;
    next_ = false;
    return n;
  }
  bool value_cbs() { return fresh().value_; }
  bool rw_cbs() { return fresh().rw_; }
  bool ro_cbs() { return fresh().ro_; }
  uint64_t deadline() { return fresh().deadline_; }

 private:
  PyState& fresh() {
    if (ran_) {
      ran_ = false;
      value_ = VerilatedVpi::hasCbs(cbValueChange);
      rw_ = VerilatedVpi::hasCbs(cbReadWriteSynch);
      ro_ = VerilatedVpi::hasCbs(cbReadOnlySynch);
      deadline_ = VerilatedVpi::cbNextDeadline();
    }
    return *this;
  }
  bool ran_ = true, puts_ = true, next_ = true;
  bool value_ = true, rw_ = true, ro_ = true;
  uint64_t deadline_ = 0;
};

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

// The wake ports' interface to the testbench (called through ctypes, hxtb.wake).
extern "C" {
// Index of the wake port named `name` whose edge is `rising` (1) or falling (0), or -1.
int hx_wake_find(const char* name, int rising) {
  for (uint32_t i = 0; i < kWakePorts; ++i) {
    if (std::string(g_wake[i].name) == name && g_wake[i].rising == (rising != 0)) return int(i);
  }
  return -1;
}
// The function called with the fired ports' bits (replaces the previous one; nullptr disarms all).
void hx_wake_connect(int (*cb)(uint32_t)) {
  g_wake_cb = cb;
  if (!cb) hx_wake_armed = 0;
}
}

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
  wake_init(top.get());
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
  run_value_callbacks();  // (the loop's PyState starts with "Python ran")

  PyState py;
  uint64_t next_edge = half ? first : kNever;
  while (!Verilated::gotFinish()) {
    // Evaluate this time step until Python's writes (applied after each evaluation) and the
    // ReadWrite callbacks change no input any more. Value-change callbacks and the wake ports are
    // checked after every evaluation; the ReadWrite ones run when some are registered.
    for (;;) {
      do {
        top->eval_step();
        VerilatedVpi::clearEvalNeeded();
        if (py.take_puts()) VerilatedVpi::doInertialPuts();
        if (py.value_cbs()) py.note(run_value_callbacks());
        py.note(wake_check());
      } while (VerilatedVpi::evalNeeded());
      // (a ReadWrite/ReadOnly callback due now is in the current list already: registered for
      // this time step, or moved there by the timer call of this time step)
      if (!py.rw_cbs()) break;
      const bool called = VerilatedVpi::callCbs(cbReadWriteSynch);
      py.note(called);
      if (!called) break;
      if (py.take_puts()) VerilatedVpi::doInertialPuts();
      if (py.value_cbs()) py.note(run_value_callbacks());
      if (!VerilatedVpi::evalNeeded()) break;
    }
    top->eval_end_step();
    if (py.ro_cbs()) py.note(VerilatedVpi::callCbs(cbReadOnlySynch));
#if VM_TRACE
    if (g_trace) g_trace->dump(g_time);
#endif

    // Next time step: the next clock edge, cocotb timer or delay in the model, whichever is first.
    const uint64_t deadline = py.deadline();
    uint64_t next = std::min(next_edge, deadline);
    if (top->eventsPending()) next = std::min(next, top->nextTimeSlot());
    if (next == kNever) break;  // nothing will ever happen again
    g_time = next;
    if (py.take_next()) py.note(VerilatedVpi::callCbs(cbNextSimTime));
    if (g_time == next_edge) {
      top->clk_i = !top->clk_i;
      next_edge += half;
    }
    if (deadline <= g_time) {  // cocotb timers of this time step
      VerilatedVpi::callTimedCbs();
      py.note(true);
    }
    // RisingEdge(clk_i) wakes here, before the edge is evaluated
    if (py.value_cbs()) py.note(run_value_callbacks());
  }

  top->final();
  finish_callbacks();
#if VM_TRACE
  delete g_trace;
  g_trace = nullptr;
#endif
  return Verilated::threadContextp()->errorCount() > 0 ? 1 : 0;
}
