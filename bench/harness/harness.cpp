// SPDX-License-Identifier: Apache-2.0
//
// C++ Verilator harness of tb_top without cocotb: the speed ceiling of the co-simulation
// (bench/bench_cosim.py builds and runs it). The same RTL and testbench shell as the co-simulation
// build (IDEAL_ARRAY = 0); in place of the Python bridge the harness writes the 256 crossing codes
// of the ideal array (baseline: 128; result: clamp(floor(128 + acc / 500), 0, 255), the arithmetic
// of tb_top's IDEAL_ARRAY) after the clock edge that starts each conversion. It drives the ports as
// the Python testbench does: AXI4-Lite writes of the timing registers and IRQ_ENABLE, 512 vector
// stores of a random 128 x 256 weight matrix and one input store, then per VMM: CTRL.START, wait
// for irq_o, clear IRQ_STATUS, load the two halves of the result vector. The first VMM's result is
// checked (y = result code - 128).
//
// Inputs change right after a rising edge; a handshake is taken when valid and ready are both high
// before the edge (sampled after the falling edge's evaluation), as on the real bus.
//
// Usage: harness <vmms>   prints one JSON line: vmms, cycles, wall_s, cpu_s, vmm_per_s,
//                         cycles_per_s, cycles_per_vmm

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <random>

#include "Vtb_top.h"
#include "hx_top.h"
#include "verilated.h"

namespace {

constexpr int kLanes = 128;
constexpr int kCols = 256;

class Harness {
 public:
  explicit Harness(VerilatedContext* ctx) : top_(new Vtb_top{ctx}) {}

  // Crossing codes of the baseline and the result conversion (column j at byte j)
  void set_codes(const uint8_t* baseline, const uint8_t* result) {
    pack(baseline, base_words_);
    pack(result, res_words_);
  }

  uint64_t cycles() const { return cycles_; }

  // One clock cycle: rising edge, then falling edge (inputs set before the call land after the
  // previous rising edge, as a testbench writing after an edge does).
  void tick() {
    top_->clk_i = 1;
    top_->eval();
    if (top_->cadc_start_o && !start_q_) {
      // the analog array's answer to this conversion, before the edge that ends its first step
      const uint32_t* w = top_->cadc_sel_o ? res_words_ : base_words_;
      for (int i = 0; i < kCols / 4; ++i) top_->cross_codes_i[i] = w[i];
    }
    start_q_ = top_->cadc_start_o;
    top_->clk_i = 0;
    top_->eval();
    ++cycles_;
  }

  void reset() {
    top_->clk_i = 0;
    top_->rst_ni = 0;
    top_->eval();
    for (int i = 0; i < 3; ++i) tick();
    top_->rst_ni = 1;
    for (int i = 0; i < 2; ++i) tick();
  }

  void axi_write(uint32_t addr, uint32_t data) {
    top_->s_axil_awaddr = addr;
    top_->s_axil_awvalid = 1;
    top_->s_axil_wdata = data;
    top_->s_axil_wstrb = 0xF;
    top_->s_axil_wvalid = 1;
    top_->s_axil_bready = 1;
    bool aw = false, w = false, b = false;
    while (!b) {
      const bool aw_hs = top_->s_axil_awvalid && top_->s_axil_awready;
      const bool w_hs = top_->s_axil_wvalid && top_->s_axil_wready;
      const bool b_hs = top_->s_axil_bvalid && top_->s_axil_bready;
      if (b_hs && top_->s_axil_bresp != 0) fail("AXI write error response");
      tick();
      if (aw_hs) { aw = true; top_->s_axil_awvalid = 0; }
      if (w_hs) { w = true; top_->s_axil_wvalid = 0; }
      b = b_hs && aw && w;
    }
    top_->s_axil_bready = 0;
  }

  // One vector request; returns the response data in `rdata` (kLanes bytes) if given.
  void vector(bool we, uint16_t addr, const uint8_t* wdata, uint8_t* rdata) {
    top_->vreq_we_i = we;
    top_->vreq_addr_i = addr;
    for (int i = 0; i < kLanes / 4; ++i) {
      uint32_t word = 0;
      for (int b = 0; b < 4; ++b) word |= uint32_t(wdata ? wdata[4 * i + b] : 0) << (8 * b);
      top_->vreq_wdata_i[i] = word;
    }
    top_->vreq_valid_i = 1;
    top_->vrsp_ready_i = 1;
    bool accepted = false;
    for (;;) {
      const bool req_hs = top_->vreq_valid_i && top_->vreq_ready_o;
      const bool rsp_hs = accepted && top_->vrsp_valid_o && top_->vrsp_ready_i;
      if (rsp_hs) {
        if (top_->vrsp_err_o) fail("vector request refused");
        if (rdata) {
          for (int i = 0; i < kLanes; ++i) rdata[i] = (top_->vrsp_rdata_o[i / 4] >> (8 * (i % 4))) & 0xFF;
        }
      }
      tick();
      if (req_hs) { accepted = true; top_->vreq_valid_i = 0; }
      if (rsp_hs) break;
    }
    top_->vrsp_ready_i = 0;
  }

  void wait_irq(uint64_t max_cycles) {
    for (uint64_t n = 0; !top_->irq_o; ++n) {
      if (n > max_cycles) fail("no done interrupt");
      tick();
    }
  }

  [[noreturn]] static void fail(const char* what) {
    std::fprintf(stderr, "harness: %s\n", what);
    std::exit(1);
  }

  void final() { top_->final(); }

 private:
  static void pack(const uint8_t* bytes, uint32_t* words) {
    for (int i = 0; i < kCols / 4; ++i) {
      words[i] = 0;
      for (int b = 0; b < 4; ++b) words[i] |= uint32_t(bytes[4 * i + b]) << (8 * b);
    }
  }

  std::unique_ptr<Vtb_top> top_;
  uint64_t cycles_ = 0;
  bool start_q_ = false;
  uint32_t base_words_[kCols / 4] = {};
  uint32_t res_words_[kCols / 4] = {};
};

}  // namespace

int main(int argc, char** argv) {
  const int vmms = argc > 1 ? std::atoi(argv[1]) : 200;
  auto ctx = std::make_unique<VerilatedContext>();
  ctx->commandArgs(argc, argv);
  Harness h{ctx.get()};
  h.reset();

  // Weights w[i][j] in -63..63 (physical rows 2i: inhibitory magnitudes, 2i+1: excitatory), input
  // x[i] in 1..31 (dense: 128 events), as bench_vmm uses.
  std::mt19937 rng(1);
  std::uniform_int_distribution<int> wdist(-63, 63), xdist(1, 31);
  static int w[kLanes][kCols];
  int x[kLanes];
  for (auto& row : w) for (int& v : row) v = wdist(rng);
  for (int& v : x) v = xdist(rng);

  // Timing registers at their reset values (written as a driver would), done interrupt on.
  h.axi_write(HX_TOP__T_RESET_offset, 500);
  h.axi_write(HX_TOP__T_SETTLE_offset, 125);
  h.axi_write(HX_TOP__T_EVENT_WAIT_offset, 5);
  h.axi_write(HX_TOP__NUM_SENDS_offset, 1);
  h.axi_write(HX_TOP__T_ADC_RESET_WAIT_offset, 100);
  h.axi_write(HX_TOP__T_ADC_STEP_offset, 1);
  h.axi_write(HX_TOP__T_ADC_DEAD_TIME_offset, 20);
  h.axi_write(HX_TOP__IRQ_ENABLE_offset, HX_TOP__IRQ_STATUS__DONE_bm);

  // The ideal array's crossing codes and the expected result y = code - 128 (saturated)
  uint8_t base_codes[kCols], res_codes[kCols];
  int8_t y_exp[kCols];
  for (int j = 0; j < kCols; ++j) {
    long acc = 0;
    for (int i = 0; i < kLanes; ++i) acc += long(x[i]) * w[i][j];
    long q = acc / 500;
    if (acc < 0 && acc % 500 != 0) --q;
    const long code = std::min(255L, std::max(0L, q + 128));
    base_codes[j] = 128;
    res_codes[j] = uint8_t(code);
    y_exp[j] = int8_t(std::min(127L, std::max(-128L, code - 128)));
  }
  h.set_codes(base_codes, res_codes);

  uint8_t lanes[kLanes];
  for (int r = 0; r < 2 * kLanes; ++r) {
    const int i = r / 2;
    const bool exc = r % 2;
    for (int half = 0; half < 2; ++half) {
      for (int l = 0; l < kLanes; ++l) {
        const int v = w[i][2 * l + half];
        lanes[l] = uint8_t(exc ? (v > 0 ? v : 0) : (v < 0 ? -v : 0));
      }
      h.vector(true, uint16_t(HX_VPORT__SYN_offset + 2 * r + half), lanes, nullptr);
    }
  }
  for (int l = 0; l < kLanes; ++l) lanes[l] = uint8_t(x[l]);
  h.vector(true, HX_VPORT__INPUT_offset, lanes, nullptr);

  uint8_t y_even[kLanes], y_odd[kLanes];
  auto run_vmm = [&]() {
    h.axi_write(HX_TOP__CTRL_offset, HX_TOP__CTRL__START_bm);
    h.wait_irq(100000);
    h.axi_write(HX_TOP__IRQ_STATUS_offset, HX_TOP__IRQ_STATUS__DONE_bm);
    h.vector(false, HX_VPORT__RESULT_offset, nullptr, y_even);
    h.vector(false, HX_VPORT__RESULT_offset + 1, nullptr, y_odd);
  };

  // Warm-up VMM, checked.
  run_vmm();
  for (int j = 0; j < kCols; ++j) {
    const int8_t got = int8_t((j % 2) ? y_odd[j / 2] : y_even[j / 2]);
    if (got != y_exp[j]) {
      std::fprintf(stderr, "harness: column %d: y = %d, expected %d\n", j, got, y_exp[j]);
      return 1;
    }
  }

  const uint64_t c0 = h.cycles();
  const std::clock_t cpu0 = std::clock();
  const auto t0 = std::chrono::steady_clock::now();
  for (int n = 0; n < vmms; ++n) run_vmm();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double cpu = double(std::clock() - cpu0) / CLOCKS_PER_SEC;
  const double cyc = double(h.cycles() - c0);
  std::printf("{\"vmms\": %d, \"cycles\": %.0f, \"wall_s\": %.6f, \"cpu_s\": %.6f, "
              "\"vmm_per_s\": %.3f, \"cycles_per_s\": %.1f, \"cpu_vmm_per_s\": %.3f, "
              "\"cycles_per_vmm\": %.1f}\n",
              vmms, cyc, wall, cpu, vmms / wall, cyc / wall, vmms / cpu, cyc / vmms);
  h.final();
  return 0;
}
