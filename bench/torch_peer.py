#!/usr/bin/env python3
"""
The PyTorch peer of `npm run bench`: trains what the engine trains (the model code, batches,
losses and optimizer of export/pytorch/train.py, imported, not copied) and times it in windows
that bench/torchPeer.ts interleaves with the engine's own rounds.

One JSON object a line on stdin, one answer a line on stdout:
  {"cmd": "make", "id": "small/itra-c", "config": {...the engine's TrainConfig...}}
  {"cmd": "run", "id": "small/itra-c", "steps": 4}      -> {"ms": 812.3, "cpuMs": 801.7}
  {"cmd": "dispose", "id": "small/itra-c"}
  {"cmd": "denormals", "id": ...}                        -> share of subnormal feature values
  {"cmd": "profile", "id": ..., "steps": 5}              -> self CPU ms per op and step
The first line out says what runs: {"ready": true, "torch": "1.13.1", "device": "cpu", ...}.

    python3 bench/torch_peer.py --data-dir ../shared/datasets [--device cpu|cuda] [--threads 1]
"""

import argparse
import importlib.util
import json
import os
import platform
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
TRAIN_PY = os.path.join(HERE, "..", "export", "pytorch", "train.py")


def load_train_py(path):
    spec = importlib.util.spec_from_file_location("itra_train", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def synthetic(shape, classes, n, seed):
    """Random images when the real files are absent (the engine's bench falls back likewise)."""
    import numpy as np
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 256, size=(n,) + tuple(shape), dtype=np.uint8)
    y = rng.integers(0, classes, size=n).astype(np.uint8)
    return x, y


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--flush-denormal", action="store_true")
    ap.add_argument("--train-py", default=TRAIN_PY)
    args = ap.parse_args()

    tp = load_train_py(args.train_py)
    torch = tp.torch
    if args.device == "cpu":
        torch.set_num_threads(args.threads)
    flushed = bool(torch.set_flush_denormal(True)) if args.flush_denormal else False
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        print(json.dumps(dict(ready=False, error="torch has no CUDA device here")), flush=True)
        return 1
    sync = (lambda: torch.cuda.synchronize(device)) if device.type == "cuda" else (lambda: None)
    print(json.dumps(dict(
        ready=True, torch=torch.__version__, device=str(device),
        deviceName=torch.cuda.get_device_name(device) if device.type == "cuda" else platform.processor() or platform.machine(),
        threads=torch.get_num_threads(), flushDenormal=flushed, python=platform.python_version())), flush=True)

    datasets, trainers = {}, {}

    def data_for(dataset_id):
        if dataset_id not in datasets:
            info = tp.DATASETS[dataset_id]
            try:
                if not args.data_dir:
                    raise tp.DataError("no --data-dir")
                d = tp.load_dataset(dataset_id, args.data_dir, True)
                d["source"] = args.data_dir
            except tp.DataError as e:
                d = dict(train=synthetic(info["shape"], info["classes"], 6000, 1),
                         test=synthetic(info["shape"], info["classes"], 1000, 2),
                         split="synthetic", note=None, source="synthetic (%s)" % e)
            datasets[dataset_id] = d
        return datasets[dataset_id]

    class Args:
        init = None

    for line in sys.stdin:
        if not line.strip():
            continue
        msg = json.loads(line)
        try:
            cmd = msg["cmd"]
            if cmd == "make":
                cfg = msg["config"]
                data = data_for(cfg["dataset"])
                trainers[msg["id"]] = tp.Trainer(cfg, data, Args(), device, 0, 1)
                out = dict(ok=True, source=data["source"], train=len(data["train"][1]))
            elif cmd == "run":
                t = trainers[msg["id"]]
                # Batches are drawn inside the window, as the engine's are (its sampler runs on
                # the CPU each step too).
                sync()
                # CPU time of the process (all its threads; one here): unlike wall time, not
                # lengthened by other tenants of a shared machine.
                c0 = time.process_time()
                t0 = time.perf_counter()
                for _ in range(msg["steps"]):
                    t.train_step(t.sampler.next())
                sync()
                ms = (time.perf_counter() - t0) * 1000
                cpu_ms = (time.process_time() - c0) * 1000
                out = dict(ms=ms, cpuMs=cpu_ms, healthy=t.opt.healthy)
            elif cmd == "denormals":
                t = trainers[msg["id"]]
                with torch.no_grad():
                    b = t.sampler.next()
                    h = t.model.features(tp.to_tensor(b["x1"], device))
                    a = h.abs()
                    tiny = torch.finfo(torch.float32).tiny
                    sub = ((a > 0) & (a < tiny)).float().mean().item()
                    out = dict(subnormalShare=sub, meanAbs=a.mean().item())
            elif cmd == "profile":
                # Self CPU time per op over `steps` steps (torch.profiler), for bench/profileStep.ts.
                t = trainers[msg["id"]]
                from torch.profiler import ProfilerActivity, profile
                with profile(activities=[ProfilerActivity.CPU]) as prof:
                    for _ in range(msg["steps"]):
                        t.train_step(t.sampler.next())
                ops = [dict(name=e.key, selfMs=e.self_cpu_time_total / 1000 / msg["steps"], calls=e.count // msg["steps"])
                       for e in prof.key_averages()]
                ops.sort(key=lambda o: -o["selfMs"])
                out = dict(ops=ops[:40])
            elif cmd == "dispose":
                trainers.pop(msg["id"], None)
                out = dict(ok=True)
            else:
                out = dict(error="unknown command %r" % cmd)
        except Exception as e:  # the bench reports it and goes on without the peer
            out = dict(error="%s: %s" % (type(e).__name__, e), trace=traceback.format_exc()[-2000:])
        print(json.dumps(out), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
