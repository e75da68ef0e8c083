"""Cross-check of a network's chip forward pass against the RTL co-simulation.

``cosim_check`` runs the same images twice from fresh chip instances with the same seeds: once
on the fast path (``hxsim.device.ModelDevice``), once on the co-simulation device
(``open_device("cosim", chip)``: register-level programs on hx_top with the event-level model
behind the testbench bridge), and compares every MAC layer's outputs bit for bit. Both see the
same sequence of tile batches (``hxsim.array.tiled_matmul``: column tiles outer, row tiles inner,
the batch's vectors in order), so they draw the same trial noise. Any other device can be passed
as ``factory``. With a calibration both devices run with it (``CalibratedDevice``: DAC offsets
and column offsets written as registers on the co-simulation; the co-simulation takes no CapMem
cells yet, so a calibration with non-default cells fails there with ``DeviceUnavailable``).

Over many images the check is split into chunks of ``chunk_size`` images (``CosimChunk``), one
job each: the job opens its own co-simulation session (``run_chunk``), on this process or on a
Dask worker (``client``: ``hxsim.jobs.map_jobs``), and the layer outputs merge in image order.
Chunk k runs on a fresh chip instance whose trial-noise stream is the run's stream
(``noise_seed``) jumped k times (``numpy.random.PCG64.jumped``: streams 2**127 draws apart, never
overlapping; chunk 0 is the unjumped stream, so one chunk is the unsplit check). The fast path
runs the same chunks with the same streams. The noise therefore depends on the chunk size (printed
and part of the reproduce command), never on the number of workers or where a chunk ran.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import torch

from hxsim.array import ChipInstance
from hxsim.calibration import CalibratedDevice, CalibrationResult
from hxsim.device import ModelDevice, VmmDevice, close_device, open_device
from hxsim.nn.chip import Chip, MockParameter
from hxsim.nn.data import Split
from hxsim.nn.models import attach, layers, mac_layers, set_mode
from hxsim.nn.train import dataset
from hxsim.params import ChipParams

#: Makes the device under check for a chip instance (default: the co-simulation).
DeviceFactory = Callable[[ChipInstance], VmmDevice]


def layer_outputs(model: torch.nn.Module, images: torch.Tensor, chip: Chip) -> list[torch.Tensor]:
    """Every MAC layer's output for ``images`` in chip mode on ``chip`` (the model's modes and
    chips are restored)."""
    saved = [(la, la.mode, la.chip) for la in layers(model)]
    outs: list[torch.Tensor] = []
    hooks = [cast(torch.nn.Module, m).register_forward_hook(
        lambda _m, _a, o: outs.append(o.detach().clone())) for m in mac_layers(model)]
    try:
        attach(model, chip)
        set_mode(model, "chip")
        with torch.no_grad():
            model(images)
    finally:
        for h in hooks:
            h.remove()
        for la, mode, c in saved:
            la.mode, la.chip = mode, c
    return outs


def chunk_noise_state(noise_seed: int, index: int) -> dict[str, Any]:
    """The trial-noise state of chunk ``index``: the run's PCG64 stream (``noise_seed``) jumped
    ``index`` times (a ``ChipInstance.noise_state``)."""
    return dict(np.random.PCG64(noise_seed).jumped(index).state)


def chunk_chip(params: ChipParams, fixed_seed: int, noise_seed: int,
               index: int) -> ChipInstance:
    """A fresh chip instance for chunk ``index`` (``chunk_noise_state``)."""
    inst = ChipInstance(params, fixed_seed, noise_seed)
    inst.noise_state = chunk_noise_state(noise_seed, index)
    return inst


@dataclass(frozen=True)
class CosimChunk:
    """One job of the split check: ``images`` [n, H, W] (float tensor as ``dataset`` gives)
    through ``model`` (a copy without chips) on the device ``factory`` makes (None: the
    co-simulation on ``simulator``) for ``chunk_chip(params, fixed_seed, noise_seed, index)``,
    with ``calibration``. Pickled to a Dask worker: everything in it must be importable there."""

    index: int
    images: torch.Tensor
    model: torch.nn.Module
    params: ChipParams
    fixed_seed: int
    noise_seed: int
    simulator: str = "verilator"
    mock: MockParameter | None = None
    calibration: CalibrationResult | None = None
    factory: DeviceFactory | None = None


@dataclass
class ChunkResult:
    """Every MAC layer's outputs of one chunk, its tile VMMs and its device's statistics."""

    index: int
    outputs: list[torch.Tensor]
    vmms: int
    stats: str | None


def _calibrated(dev: VmmDevice, calibration: CalibrationResult | None) -> VmmDevice:
    return CalibratedDevice(dev, calibration) if calibration is not None else dev


def run_chunk(job: CosimChunk) -> ChunkResult:
    """The job of one chunk: open the device (its own co-simulation session), run the chunk's
    images through the model, close it. Raises ``DeviceUnavailable`` when the co-simulation
    cannot run."""
    inst = chunk_chip(job.params, job.fixed_seed, job.noise_seed, job.index)
    dev: Any = job.factory(inst) if job.factory is not None else open_device(
        "cosim", inst, job.simulator)
    chip = Chip(_calibrated(dev, job.calibration),
                mock=job.mock if job.mock is not None else MockParameter())
    try:
        outs = layer_outputs(job.model, job.images, chip)
    finally:
        stats = close_device(dev)
    return ChunkResult(job.index, outs, chip.vmms, stats)


def _detached(model: torch.nn.Module) -> torch.nn.Module:
    """A copy of ``model`` without chips (they hold devices: not for copying or pickling)."""
    saved = [(la, la.chip) for la in layers(model)]
    try:
        attach(model, None)
        return copy.deepcopy(model)
    finally:
        for la, c in saved:
            la.chip = c


def split(n: int, chunk_size: int | None) -> list[slice]:
    """Image ranges of the chunks: ``chunk_size`` images each, the last one the rest (None or
    >= n: one chunk). ``ValueError`` for a chunk size below 1."""
    if chunk_size is not None and chunk_size < 1:
        raise ValueError(f"chunk_size: expected a positive integer, got {chunk_size}")
    c = n if chunk_size is None or chunk_size >= n else chunk_size
    return [slice(a, min(a + c, n)) for a in range(0, n, max(c, 1))]


def cosim_check(model: torch.nn.Module, data: Split, params: ChipParams, fixed_seed: int,
                noise_seed: int, *, factory: DeviceFactory | None = None,
                simulator: str = "verilator", mock: MockParameter | None = None,
                calibration: CalibrationResult | None = None,
                log: Callable[[str], None] = print, chunk_size: int | None = None,
                client: Any = None, progress: bool = False) -> bool:
    """Run ``data``'s images on the fast path and on the device ``factory`` makes (default: the
    RTL co-simulation on ``simulator``), chunk by chunk (``chunk_size`` images; None: one
    chunk), each chunk on fresh chip instances (``chunk_chip``); True if every MAC layer's
    outputs are identical. ``client``: a ``distributed.Client`` whose workers run the chunks
    (``hxsim.jobs.map_jobs``; None: this process, one after another). Logs one line per layer
    and a summary. ``calibration``: both devices run with it. Raises ``DeviceUnavailable`` when
    the co-simulation cannot run here, ``hxsim.jobs.JobFailed`` when a chunk failed on a
    worker."""
    images = dataset(data).tensors[0]
    mp = mock if mock is not None else MockParameter()
    ranges = split(len(images), chunk_size)
    net = _detached(model)
    jobs_ = [CosimChunk(k, images[r].clone(), net, params, fixed_seed, noise_seed, simulator, mp,
                        calibration, factory) for k, r in enumerate(ranges)]
    if client is None:
        from hxsim.progress import bar

        pbar = bar("cosim", len(jobs_), "chunk", progress and len(jobs_) > 1)
        results = []
        try:
            for j in jobs_:
                results.append(run_chunk(j))
                pbar.update(1)
        finally:
            pbar.close()
    else:
        from hxsim import jobs

        done = jobs.map_jobs(client, run_chunk, jobs_, [f"chunk{j.index}" for j in jobs_],
                             label="cosim", unit="chunk", progress=progress)
        results = jobs.values(done)
    fast = [layer_outputs(model, j.images, Chip(_calibrated(ModelDevice(chunk_chip(
        params, fixed_seed, noise_seed, j.index)), calibration), mock=mp)) for j in jobs_]
    a_out = _merge(fast)
    b_out = _merge([r.outputs for r in sorted(results, key=lambda r: r.index)])
    vmms = sum(r.vmms for r in results)
    ok = True
    for i, (a, b) in enumerate(zip(a_out, b_out, strict=True)):
        bad = int((a != b).sum()) if a.shape == b.shape else a.numel()
        ok &= bad == 0
        log(f"cosim layer {i} ({type(mac_layers(model)[i]).__name__}): {a.numel()} outputs, "
            f"{bad} differ ({'OK' if bad == 0 else 'MISMATCH'})")
    chunks = (f" in {len(ranges)} chunks of {ranges[0].stop - ranges[0].start}"
              if len(ranges) > 1 else "")
    log(f"cosim: {len(data)} images{chunks}, {vmms} tile VMMs: "
        f"{'bit-identical' if ok else 'MISMATCH'}")
    return ok


def _merge(per_chunk: Sequence[list[torch.Tensor]]) -> list[torch.Tensor]:
    """Every layer's outputs of the chunks, concatenated in image order (dim 0)."""
    return [torch.cat(outs, dim=0) for outs in zip(*per_chunk, strict=True)]
