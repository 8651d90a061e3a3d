#!/usr/bin/env python3
"""
ITRA Playground, exported to PyTorch: trains exactly what the playground's engine trains.

    python train.py --data-dir DATA                     # one CPU, or the GPU if there is one
    torchrun --nproc_per_node 4 train.py --data-dir DATA   # several GPUs (DDP)

The run's settings are in config.json beside this file (the playground wrote it); this script
is the same for every run. It writes the run record (--out) in the playground's JSON schema,
so the app's Import overlays its curves on the browser runs.

What "exactly" means here (README.md beside this file says more):
  * the same seeded generator (mulberry32) as the engine, bit for bit, so the seed alone gives
    the identical initial weights, the identical S1/S2 batch sequence, the identical crops and
    flips, the identical label noise and the identical eval subset;
  * the same models (E and C apart), losses, σ, estimators, warm-up, optimizer, schedules and
    metrics, with the engine's conventions (the project's ITRA and discern specs);
  * the engine's first step on its cpu backend and this script's first step agree to float32
    tolerance (loss and every updated weight): `--dump-first-step` writes what to compare.

Distributed (torchrun): every epoch's permutation is shared, each rank takes a disjoint shard
of it for its own S1 (and S2, from the second stream); each rank computes the matching loss on
its own local features (over the same batch sizes as one-process training); DDP averages the
gradients; rank 0 evaluates and writes the record. One process and `torchrun
--nproc_per_node 1` give identical records.

Needs Python 3.8+, PyTorch >= 1.13 and numpy. Nothing else.
"""

import argparse
import datetime
import gzip
import json
import math
import os
import pickle
import platform
import re
import sys
import tarfile
import time
import warnings

import numpy as np
import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
SIGMA_FLOOR = 1e-6  # σ's floor (spec)
SQRT_EPS = 1e-8  # MMD = sqrt(max(0, MMD²) + 1e-8)
DISCERN_EPS = 1e-10
COLLAPSE_VARIANCE = 1e-10  # mean feature variance below this counts as collapsed
BN_EPS = 1e-5
BN_MOMENTUM = 0.1
METHODS = ("vanilla", "itra", "itra-c", "lsr", "center", "discern")
LIVE_SETTINGS = ("method", "lambda", "lr", "estimator", "lambdaGini", "lambdaKl", "weightDecay")


# =============================================================================================
# 1. The seeded generator: mulberry32, exactly as src/engine/rng.ts (32-bit integer arithmetic,
#    Math.imul = the low 32 bits of the product). Its state is a Weyl sequence (state += a
#    constant per draw), so a block of draws is computed at once with numpy.
# =============================================================================================

M32 = 0xFFFFFFFF


class Rng:
    def __init__(self, seed):
        s = int(seed) & M32  # JavaScript's ToInt32, as bits
        self.state = (((s ^ 0x9E3779B9) * 0x85EBCA6B) & M32) ^ 0xC2B2AE35

    def block(self, count):
        """The next `count` draws, uniform in [0, 1), as float64 (the engine's next())."""
        if count <= 0:
            return np.zeros(0)
        m = np.uint64(M32)
        k = np.arange(1, count + 1, dtype=np.uint64)
        st = (np.uint64(self.state) + k * np.uint64(0x6D2B79F5)) & m
        self.state = int(st[-1])
        t = st
        t = ((t ^ (t >> np.uint64(15))) * (t | np.uint64(1))) & m
        t = t ^ ((t + (((t ^ (t >> np.uint64(7))) * (t | np.uint64(61))) & m)) & m)
        t = (t ^ (t >> np.uint64(14))) & m
        return t.astype(np.float64) / 4294967296.0

    def next(self):
        return float(self.block(1)[0])

    def ints(self, count, n):
        """`count` integers in [0, n) (the engine's int(n), one per draw)."""
        return np.floor(self.block(count) * n).astype(np.int64)

    def permutation(self, n):
        """Fisher-Yates shuffle of 0..n-1, drawn as the engine draws it (i = n-1 down to 1)."""
        p = list(range(n))
        if n < 2:
            return np.array(p, dtype=np.int64)
        js = np.floor(self.block(n - 1) * np.arange(n, 1, -1)).astype(np.int64).tolist()
        for i, j in zip(range(n - 1, 0, -1), js):
            p[i], p[j] = p[j], p[i]
        return np.array(p, dtype=np.int64)

    def uniform(self, size, limit):
        """Uniform in [-limit, limit), rounded to float32 (the engine's uniformArray)."""
        return ((self.block(size) * 2 - 1) * limit).astype(np.float32)

    def fork(self, salt):
        """A derived generator (independent streams whatever the call order elsewhere)."""
        return Rng(int(math.floor(self.next() * 2**31)) ^ salt)


def js_round(x):
    """JavaScript's Math.round: halves go up."""
    r = math.floor(x)
    return r + 1 if x - r >= 0.5 else r


# =============================================================================================
# 2. Data: the official files, in the folder layout `npm run data` uses (<dir>/<file>, or
#    <cache>/<id>/<file>), .gz or decompressed; torchvision's layout is found too.
# =============================================================================================

DATASETS = {
    "fmnist": dict(name="Fashion-MNIST", format="idx", shape=(28, 28, 1), classes=10,
                   folders=("fmnist", "fashion-mnist", "FashionMNIST/raw", "FashionMNIST")),
    "kmnist": dict(name="Kuzushiji-MNIST", format="idx", shape=(28, 28, 1), classes=10,
                   folders=("kmnist", "KMNIST/raw", "KMNIST")),
    "cifar10": dict(name="CIFAR-10", format="cifar", shape=(32, 32, 3), classes=10,
                    folders=("cifar10", "cifar-10-batches-bin", "cifar-10-batches-py",
                             "cifar10/cifar-10-batches-bin")),
}
IDX_FILES = {
    "train_images": "train-images-idx3-ubyte", "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte", "test_labels": "t10k-labels-idx1-ubyte",
}
CIFAR_TRAIN = ["data_batch_%d" % i for i in range(1, 6)]
CIFAR_TEST = "test_batch"


class DataError(Exception):
    pass


def search_dirs(root, dataset_id):
    """The folder itself, then the dataset's usual subfolders (cache, torchvision, archives)."""
    dirs = [root] + [os.path.join(root, f) for f in DATASETS[dataset_id]["folders"]]
    return [d for d in dirs if os.path.isdir(d)]


def find_file(dirs, stem):
    """`stem`.gz or `stem` (also the `train-images.idx3-ubyte` spelling), shallowest first."""
    variants = [stem, stem.replace("-idx", ".idx")]
    for d in dirs:
        for v in variants:
            for name in (v + ".gz", v):
                p = os.path.join(d, name)
                if os.path.isfile(p):
                    return p
    return None


def read_bytes(path):
    with open(path, "rb") as f:
        raw = f.read()
    return gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw


def read_idx(path, want, shape=None, classes=None):
    """IDX images (magic 0x803, N×H×W uint8) or labels (0x801, N uint8), strictly checked."""
    b = read_bytes(path)
    magic = int.from_bytes(b[0:4], "big")
    if want == "images":
        if magic != 0x803:
            raise DataError("%s is not an IDX images file (magic %#010x)" % (path, magic))
        n, h, w = (int.from_bytes(b[o:o + 4], "big") for o in (4, 8, 12))
        if shape and (h, w) != shape[:2]:
            raise DataError("%s holds %dx%d images, expected %dx%d" % ((path, h, w) + tuple(shape[:2])))
        if len(b) < 16 + n * h * w:
            raise DataError("%s is truncated" % path)
        return np.frombuffer(b, np.uint8, n * h * w, 16).reshape(n, h, w, 1)
    if magic != 0x801:
        raise DataError("%s is not an IDX labels file (magic %#010x)" % (path, magic))
    n = int.from_bytes(b[4:8], "big")
    if len(b) < 8 + n:
        raise DataError("%s is truncated" % path)
    labels = np.frombuffer(b, np.uint8, n, 8)
    if classes and labels.size and labels.max() >= classes:
        raise DataError("%s has a label out of range" % path)
    return labels


def cifar_records(raw, source):
    """The binary version: records of 1 label byte + 3 planes of 32×32 (R, G, B) → NHWC."""
    rec = 1 + 3 * 32 * 32
    if len(raw) == 0 or len(raw) % rec:
        raise DataError("%s is not a whole number of CIFAR-10 records" % source)
    a = np.frombuffer(raw, np.uint8).reshape(-1, rec)
    labels = a[:, 0].copy()
    if labels.max() >= 10:
        raise DataError("%s has a label out of range" % source)
    return a[:, 1:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1).copy(), labels


def read_cifar(dirs):
    """{batch name: (images, labels)} from the archive, loose .bin files or torchvision's
    pickled batches (cifar-10-batches-py; pickle: load only files you trust)."""
    batches = {}
    for d in dirs:
        for name in ("cifar-10-binary.tar.gz", "cifar-10-binary.tgz", "cifar-10-binary.tar"):
            p = os.path.join(d, name)
            if not os.path.isfile(p):
                continue
            with tarfile.open(p, "r:*") as tar:
                for m in tar.getmembers():
                    base = os.path.basename(m.name)
                    stem = base[:-4] if base.endswith(".bin") else None
                    if m.isfile() and stem in CIFAR_TRAIN + [CIFAR_TEST] and stem not in batches:
                        batches[stem] = cifar_records(tar.extractfile(m).read(), p + ": " + base)
        for stem in CIFAR_TRAIN + [CIFAR_TEST]:
            if stem in batches:
                continue
            p = os.path.join(d, stem + ".bin")
            if os.path.isfile(p):
                batches[stem] = cifar_records(read_bytes(p), p)
                continue
            p = os.path.join(d, stem)  # torchvision (python version)
            if os.path.isfile(p):
                with open(p, "rb") as f:
                    entry = pickle.load(f, encoding="bytes")
                x = np.asarray(entry[b"data"], np.uint8).reshape(-1, 3, 32, 32)
                batches[stem] = (x.transpose(0, 2, 3, 1).copy(), np.asarray(entry[b"labels"], np.uint8))
    return batches


def carve(images, labels, fraction=0.8):
    """The engine's carve (src/data/split.ts, no seed): first 80% train, last 20% test."""
    n_train = js_round(len(labels) * fraction)
    return (images[:n_train], labels[:n_train]), (images[n_train:], labels[n_train:]), n_train


def load_dataset(dataset_id, root, allow_carve):
    """{'train': (x, y), 'test': (x, y), 'split': 'official'|'carved', 'note': str|None}."""
    info = DATASETS[dataset_id]
    dirs = search_dirs(root, dataset_id)
    if not dirs:
        raise DataError("data folder %s not found" % root)
    fmt = "{:,}".format
    parts, missing, source = {}, {"train": [], "test": []}, {}
    note = None
    if info["format"] == "idx":
        for split, prefix in (("train", "train"), ("test", "t10k")):
            pi = find_file(dirs, IDX_FILES[split + "_images"])
            pl = find_file(dirs, IDX_FILES[split + "_labels"])
            for p, key in ((pi, "_images"), (pl, "_labels")):
                if p is None:
                    missing[split].append(IDX_FILES[split + key] + ".gz")
            if pi and pl:
                x = read_idx(pi, "images", info["shape"])
                y = read_idx(pl, "labels", classes=info["classes"])
                if len(x) != len(y):
                    raise DataError("%s and %s hold different counts" % (pi, pl))
                parts[split] = (x, y)
            source[split] = prefix
    else:
        b = read_cifar(dirs)
        train_names = [n for n in CIFAR_TRAIN if n in b]
        if train_names:
            parts["train"] = (np.concatenate([b[n][0] for n in train_names]),
                              np.concatenate([b[n][1] for n in train_names]))
            if len(train_names) < 5:
                note = "Train set is %s only (%s of 50,000 images)." % (
                    ", ".join(n + ".bin" for n in train_names), fmt(len(parts["train"][1])))
        else:
            missing["train"].append("cifar-10-binary.tar.gz (or data_batch_1..5.bin)")
        if CIFAR_TEST in b:
            parts["test"] = b[CIFAR_TEST]
        else:
            missing["test"].append("cifar-10-binary.tar.gz (or test_batch.bin)")
        source = {"train": "+".join(n + ".bin" for n in train_names), "test": "test_batch.bin"}
    if "train" in parts and "test" in parts:
        return dict(train=parts["train"], test=parts["test"], split="official", note=note)
    present = "train" if "train" in parts else "test" if "test" in parts else None
    if present is None:
        raise DataError("%s: no complete split in %s (looked in %s). Missing: %s" % (
            info["name"], root, ", ".join(dirs), ", ".join(missing["train"] + missing["test"])))
    absent = "test" if present == "train" else "train"
    if not allow_carve:
        raise DataError("%s: only the %s split is present in %s; missing %s. Add the files, or "
                        "pass --carve to carve train/test from the %s split." % (
                            info["name"], present, root, ", ".join(missing[absent]), present))
    x, y = parts[present]
    train, test, n_train = carve(x, y)
    note = ("Carved from %s %s (%s images): first %s → train, last %s → test. "
            "Official %s files absent (%s)." % (
                info["name"], source[present], fmt(len(y)), fmt(n_train), fmt(len(y) - n_train),
                absent, ", ".join(missing[absent])))
    return dict(train=train, test=test, split="carved", note=note)


# =============================================================================================
# 3. Batches (src/engine/batches.ts, augment.ts, labelNoise.ts): two independent streams of
#    epochs; each epoch a fresh permutation, consecutive batches, the last partial one dropped.
# =============================================================================================

PIXEL = (np.arange(256) / 255).astype(np.float32)  # uint8 → float32 in [0, 1], as the engine


def to_tensor(images_nhwc, device):
    """uint8 NHWC → float32 NCHW on `device`."""
    x = torch.from_numpy(PIXEL[images_nhwc])
    return x.permute(0, 3, 1, 2).contiguous().to(device)


class IndexStream:
    """One stream of epochs. With W ranks, every rank draws the same permutation (the stream
    is seeded by the run's seed) and takes its own disjoint shard of it: rank r the r-th of W
    equal slices. With W = 1 the shard is the whole epoch: the engine's stream exactly."""

    def __init__(self, n, batch, rng, rank=0, world=1):
        self.n, self.batch, self.rng = n, batch, rng
        self.shard = n // world
        self.lo = rank * self.shard
        if batch > self.shard:
            raise ValueError("batch size %d exceeds the %d training images of a shard" % (batch, self.shard))
        self._new_epoch()

    def _new_epoch(self):
        self.perm = self.rng.permutation(self.n)[self.lo:self.lo + self.shard]
        self.pos = 0

    def next(self):
        if self.pos + self.batch > self.shard:
            self._new_epoch()
        out = self.perm[self.pos:self.pos + self.batch]
        self.pos += self.batch
        return out


def corrupt_labels(labels, classes, fraction, rng):
    """Symmetric label noise: round(f·N) labels, chosen by a seeded permutation, each replaced
    by one of the other K − 1 classes uniformly. Drawn once for the run."""
    if not fraction > 0 or classes < 2:
        return labels, 0
    n = len(labels)
    count = min(n, js_round(fraction * n))
    out = labels.copy()
    order = rng.permutation(n)[:count]
    shift = rng.ints(count, classes - 1)
    out[order] = (labels[order].astype(np.int64) + 1 + shift) % classes
    return out, count


def draw_augmentation(rng, count, padding, flip):
    """Per image: crop corner (dy, dx) in the padded image and a flip; always 3 draws each."""
    span = 2 * padding + 1
    u = rng.block(3 * count).reshape(count, 3)
    dy = np.floor(u[:, 0] * span).astype(np.int64)
    dx = np.floor(u[:, 1] * span).astype(np.int64)
    flips = (u[:, 2] < 0.5) & bool(flip)
    return dy, dx, flips


def augment(images, draw, padding):
    """Zero-pad by p, crop back at (dy, dx), mirror the crop if flipped (whole pixels)."""
    dy, dx, flips = draw
    n, h, w, _ = images.shape
    padded = np.pad(images, ((0, 0), (padding, padding), (padding, padding), (0, 0)))
    cols = np.where(flips[:, None], np.arange(w)[::-1][None, :], np.arange(w)[None, :])
    rows = dy[:, None] + np.arange(h)[None, :]
    cols = dx[:, None] + cols
    return padded[np.arange(n)[:, None, None], rows[:, :, None], cols[:, None, :]]


class BatchSampler:
    """S1 and S2 for each step. The parent generator forks 1, 2 (the batch streams), 4, 5 (the
    crops of S1 and S2) and 6 (label noise), in that order, as the engine does. Ranks > 0 draw
    their crops from streams of their own (seeded by the seed and the rank)."""

    def __init__(self, train, classes, cfg, rank=0, world=1):
        self.images, labels = train
        self.classes = classes
        self.m1, self.m2 = cfg["batchSize"], cfg["batchSize2"]
        self.world = world
        rng = Rng(cfg["seed"])
        n = len(labels)
        self.s1 = IndexStream(n, self.m1, rng.fork(1), rank, world)
        self.s2 = IndexStream(n, self.m2, rng.fork(2), rank, world)
        self.aug1, self.aug2 = rng.fork(4), rng.fork(5)
        if rank > 0:
            self.aug1 = Rng(cfg["seed"]).fork(4).fork(0x1000 + rank)
            self.aug2 = Rng(cfg["seed"]).fork(5).fork(0x1000 + rank)
        self.labels, self.corrupted = corrupt_labels(labels, classes, cfg["labelNoise"], rng.fork(6))
        self.augment = (cfg["cropPadding"], cfg["flip"]) if cfg["augment"] else None
        self.drawn = 0  # S1 examples drawn, all ranks together (the epoch readout)

    def next(self):
        i1, i2 = self.s1.next(), self.s2.next()
        self.drawn += self.m1 * self.world
        x1, x2 = self.images[i1], self.images[i2]
        if self.augment:
            p, flip = self.augment
            x1 = augment(x1, draw_augmentation(self.aug1, self.m1, p, flip), p)
            x2 = augment(x2, draw_augmentation(self.aug2, self.m2, p, flip), p)
        return dict(i1=i1, i2=i2, x1=x1, x2=x2, y1=self.labels[i1].astype(np.int64),
                    y2=self.labels[i2].astype(np.int64))


def eval_subset(test_labels_count, requested, seed):
    """The fixed, seeded test subset (sorted indices) and its batch size (≤ 500, equal batches)."""
    n = min(requested, test_labels_count)
    batch = min(n, 500)
    size = (n // batch) * batch if batch > 0 else 0
    order = np.sort(Rng(seed).fork(3).permutation(test_labels_count)[:size])
    return order, batch


# =============================================================================================
# 4. Models (src/engine/models.ts): h = E(x) is the last hidden layer, C one linear layer.
#    Initial weights: PyTorch's default (uniform ±1/√fan_in, weights and biases), drawn from the
#    engine's generator in the engine's order and layout (tfjs: conv filters [kh, kw, cin, cout],
#    dense [in, out]) and transposed into PyTorch's (OIHW, Linear [out, in]).
# =============================================================================================


class Init:
    """Draws parameters in the engine's order; remembers how each maps back to its layout."""

    def __init__(self, rng):
        self.rng = rng
        self.order = []  # (module, attribute, kind): the engine's parameter order

    def conv(self, module, k, cin, cout, bias=True):
        fan_in = k * k * cin
        w = self.rng.uniform(k * k * cin * cout, 1 / math.sqrt(fan_in)).reshape(k, k, cin, cout)
        module.weight.data.copy_(torch.from_numpy(w.transpose(3, 2, 0, 1).copy()))
        self.order.append((module, "weight", "conv"))
        if bias:
            module.bias.data.copy_(torch.from_numpy(self.rng.uniform(cout, 1 / math.sqrt(fan_in))))
            self.order.append((module, "bias", "vector"))

    def dense(self, module, din, dout):
        w = self.rng.uniform(din * dout, 1 / math.sqrt(din)).reshape(din, dout)
        module.weight.data.copy_(torch.from_numpy(w.T.copy()))
        module.bias.data.copy_(torch.from_numpy(self.rng.uniform(dout, 1 / math.sqrt(din))))
        self.order += [(module, "weight", "dense"), (module, "bias", "vector")]

    def batch_norm(self, module):
        self.order += [(module, "weight", "vector"), (module, "bias", "vector")]


class PlainCnn(nn.Module):
    """[conv3x3-ReLU]×k - maxpool stages, then dense-ReLU = h. As the engine, each stage's last
    ReLU comes after its pool (max commutes with ReLU: the same features and gradients)."""

    def __init__(self, shape, stages, feature_dim, classes, rng):
        super().__init__()
        h, w, cin = shape
        init = Init(rng)
        self.stages = nn.ModuleList()
        for filters in stages:
            stage = nn.ModuleList()
            for cout in filters:
                conv = nn.Conv2d(cin, cout, 3, padding=1)  # 'same' for 3×3, stride 1
                init.conv(conv, 3, cin, cout)
                stage.append(conv)
                cin = cout
            self.stages.append(stage)
            h, w = h // 2, w // 2
        self.fc = nn.Linear(h * w * cin, feature_dim)
        init.dense(self.fc, h * w * cin, feature_dim)
        self.classifier = nn.Linear(feature_dim, classes)
        init.dense(self.classifier, feature_dim, classes)
        self.engine_order = init.order
        self.engine_state = []

    def features(self, x, record=False):
        for stage in self.stages:
            for i, conv in enumerate(stage):
                x = conv(x)
                if i < len(stage) - 1:
                    x = F.relu(x)
            x = F.relu(F.max_pool2d(x, 2))
        # The engine flattens NHWC features: (row, column, channel) order, so its fc weights
        # apply unchanged.
        return F.relu(self.fc(x.permute(0, 2, 3, 1).flatten(1)))


class BatchNorm(nn.Module):
    """Batch norm as the engine's: training mode normalises by the batch's biased variance; the
    running averages (momentum 0.1) are updated after the step, from the *biased* variance
    (nn.BatchNorm2d would use the unbiased one), and only from the pass that asks (S1's)."""

    def __init__(self, c):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(c))
        self.bias = nn.Parameter(torch.zeros(c))
        self.register_buffer("running_mean", torch.zeros(c))
        self.register_buffer("running_var", torch.ones(c))
        self.pending = None

    def forward(self, x, record):
        if not self.training:
            return F.batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                                False, 0.0, BN_EPS)
        if record:
            with torch.no_grad():
                self.pending = (x.mean((0, 2, 3)), x.var((0, 2, 3), unbiased=False))
        return F.batch_norm(x, None, None, self.weight, self.bias, True, 0.0, BN_EPS)


def conv_same(x, w, stride):
    """tfjs's 'same' padding: out = ceil(in / stride), the odd pixel of padding at the bottom
    and right (PyTorch's padding=1 would centre a stride-2 window differently)."""
    k = w.shape[-1]
    pads = []
    for size in (x.shape[3], x.shape[2]):  # F.pad wants (left, right, top, bottom)
        out = -(-size // stride)
        total = max((out - 1) * stride + k - size, 0)
        pads += [total // 2, total - total // 2]
    if pads[0] == pads[1] == pads[2] == pads[3]:
        return F.conv2d(x, w, stride=stride, padding=pads[0])
    return F.conv2d(F.pad(x, pads), w, stride=stride)


class SmallResNet(nn.Module):
    """Stem conv(16)-BN-ReLU, three basic residual blocks (16, 32, 64; stride 1, 2, 2; 1×1
    conv-BN shortcuts where the shape changes), global average pooling = h."""

    def __init__(self, shape, classes, rng):
        super().__init__()
        init = Init(rng)

        def conv(cin, cout, k):
            m = nn.Conv2d(cin, cout, k, bias=False)
            init.conv(m, k, cin, cout, bias=False)
            return m

        def bn(c):
            m = BatchNorm(c)
            init.batch_norm(m)
            return m

        self.stem = conv(shape[2], 16, 3)
        self.stem_bn = bn(16)
        self.blocks = nn.ModuleList()
        cin = 16
        for i, cout in enumerate((16, 32, 64)):
            b = nn.Module()
            b.stride = 1 if i == 0 else 2
            b.conv1, b.bn1 = conv(cin, cout, 3), bn(cout)
            b.conv2, b.bn2 = conv(cout, cout, 3), bn(cout)
            b.short = None
            if b.stride != 1 or cin != cout:
                b.short, b.short_bn = conv(cin, cout, 1), bn(cout)
            self.blocks.append(b)
            cin = cout
        self.classifier = nn.Linear(cin, classes)
        init.dense(self.classifier, cin, classes)
        self.engine_order = init.order
        self.engine_state = [m for m in self.modules() if isinstance(m, BatchNorm)]

    def features(self, x, record=False):
        y = F.relu(self.stem_bn(conv_same(x, self.stem.weight, 1), record))
        for b in self.blocks:
            main = F.relu(b.bn1(conv_same(y, b.conv1.weight, b.stride), record))
            main = b.bn2(conv_same(main, b.conv2.weight, 1), record)
            short = y if b.short is None else b.short_bn(conv_same(y, b.short.weight, b.stride), record)
            y = F.relu(main + short)
        return y.mean((2, 3))


class Net(nn.Module):
    """f(x) = C(E(x)), with S1 and S2 through E in one forward call (what DDP wraps). `concat`:
    one pass over [S1; S2] (the engine without batch norm); otherwise S1 and S2 take separate
    passes and only S1's batch statistics update the running averages."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x1, x2=None, concat=True):
        if x2 is not None and concat:
            h = self.model.features(torch.cat([x1, x2]), record=True)
            h1, h2 = h[: x1.shape[0]], h[x1.shape[0]:]
        else:
            h1 = self.model.features(x1, record=True)
            h2 = self.model.features(x2, record=False) if x2 is not None else None
        return h1, h2, self.model.classifier(h1)


def create_model(model_id, shape, classes, seed):
    rng = Rng(seed).fork(0x5EED)
    cifar = shape == (32, 32, 3)
    if model_id == "tiny":
        return PlainCnn(shape, [[8], [16]], 32, classes, rng)
    if model_id == "small":
        if cifar:
            return PlainCnn(shape, [[32, 32], [64, 64]], 256, classes, rng)
        return PlainCnn(shape, [[32], [64]], 128, classes, rng)
    if model_id == "resnet":
        if not cifar:
            raise ValueError("The ResNet model is for 32x32x3 images (CIFAR-10)")
        return SmallResNet(shape, classes, rng)
    raise ValueError("unknown model %r" % model_id)


def engine_layout(model):
    """Every parameter then every running statistic, in the engine's order and layout (for
    comparing with `Trainer.readWeights()`)."""
    out = []
    for module, attr, kind in model.engine_order:
        t = getattr(module, attr).detach().cpu()
        out.append(t.permute(2, 3, 1, 0) if kind == "conv" else t.T if kind == "dense" else t)
    for bn in model.engine_state:
        out += [bn.running_mean.detach().cpu(), bn.running_var.detach().cpu()]
    return [t.float().clone().contiguous() for t in out]


def bn_layers(model):
    return [m for m in model.modules() if isinstance(m, BatchNorm)]


# =============================================================================================
# 5. Losses (src/engine/losses.ts, matching.ts, discern.ts; the ITRA and discern specs).
# =============================================================================================


def cross_entropy(logits, targets):
    """Mean over the batch of −Σ_k t_k log softmax(z)_k (targets: one-hot or smoothed)."""
    return -(targets * F.log_softmax(logits, 1)).sum() / logits.shape[0]


def center_loss(h, onehot, centers):
    """½ · mean_i ‖h_i − c_{y_i}‖²; the centers carry no gradient."""
    return 0.5 * ((h - onehot @ centers) ** 2).sum(1).mean()


def updated_centers(centers, h, onehot, alpha):
    """c_j ← c_j − α · Σ_{i: y_i=j}(c_j − h_i) / (1 + n_j), for the classes in the batch."""
    n = onehot.sum(0)[:, None]
    delta = (n * centers - onehot.T @ h) / (n + 1)
    return centers - alpha * delta


def pairwise_sq_dist(h):
    """D_ij = Σ_f (h_if − h_jf)², from differences (exactly 0 on the diagonal, as the engine's
    cpu kernel). Very large batches use ‖a‖² + ‖b‖² − 2a·b (the engine's composite path)."""
    n, d = h.shape
    if n * n * d <= 1 << 25:
        diff = h.unsqueeze(1) - h.unsqueeze(0)
        return (diff * diff).sum(-1)
    sq = (h * h).sum(1, keepdim=True)
    dist = (sq + sq.T - 2 * (h @ h.T)).clamp_min(0)
    return dist * (1 - torch.eye(n, device=h.device, dtype=h.dtype))


def median_bandwidth(dist):
    """σ: the median of the squared distances over pairs i < j (mean of the two middle values
    for an even count), no gradient, floored at 1e-6."""
    n = dist.shape[0]
    if n < 2:
        return torch.tensor(SIGMA_FLOOR, device=dist.device)
    with torch.no_grad():
        iu = torch.triu_indices(n, n, 1, device=dist.device)
        v = dist[iu[0], iu[1]].sort().values
        p = v.numel()
        mid = v[p // 2].double() if p % 2 else (v[p // 2 - 1].double() + v[p // 2].double()) / 2
        return mid.float().clamp_min(SIGMA_FLOOR)


def matching_loss(h, y1, y2, classes, unbiased, sigma=None):
    """Match_c (ITRA-c) over [H1; H2]: the mean over the classes present in both batches (≥ 2
    rows on each side for the unbiased estimator) of MMD_c = sqrt(max(0, MMD²_c) + 1e-8), with
    K = exp(−D/σ). For ITRA (unconditional) pass one class for every row. Returns (Match, σ).
    The kernel sums are taken in float64, as the engine's cpu kernel does (MMD² is a small
    difference of sums ~n²)."""
    m1 = len(y1)
    dist = pairwise_sq_dist(h)
    if sigma is None:
        sigma = median_bandwidth(dist)
    neg_inv = (-1.0 / sigma.double()).float()
    k = torch.exp((dist * neg_inv).double())
    dev = h.device
    Y1 = F.one_hot(torch.as_tensor(y1, device=dev), classes).double()
    Y2 = F.one_hot(torch.as_tensor(y2, device=dev), classes).double()
    s11 = (Y1 * (k[:m1, :m1] @ Y1)).sum(0)
    s22 = (Y2 * (k[m1:, m1:] @ Y2)).sum(0)
    s12 = (Y1 * (k[:m1, m1:] @ Y2)).sum(0)
    n = np.bincount(y1, minlength=classes).astype(np.float64)
    m = np.bincount(y2, minlength=classes).astype(np.float64)
    t = lambda a: torch.from_numpy(a).to(dev)  # noqa: E731 (label-only constants, on the CPU)
    if unbiased:  # the diagonal K(a, a) = 1 taken out of the within-batch sums
        mmd2 = ((s11 - t(n)) / t(np.maximum(1, n * (n - 1))) + (s22 - t(m)) / t(np.maximum(1, m * (m - 1)))
                - 2 * s12 / t(np.maximum(1, n * m)))
    else:
        mmd2 = s11 / t(np.maximum(1, n * n)) + s22 / t(np.maximum(1, m * m)) - 2 * s12 / t(np.maximum(1, n * m))
    least = 2 if unbiased else 1
    kept = ((n >= least) & (m >= least)).astype(np.float32)
    weight = torch.from_numpy(kept / max(1.0, kept.sum())).to(dev)
    root = torch.sqrt(F.relu(mmd2.float()) + SQRT_EPS)
    return (root * weight).sum(), sigma


def matching_for(method, h, y1, y2, classes, estimator):
    """ITRA matches the whole batches; every other method (shown as a metric) ITRA-c's way."""
    unbiased = estimator == "unbiased"
    if method == "itra":
        return matching_loss(h, np.zeros_like(y1), np.zeros_like(y2), 1, unbiased)
    return matching_loss(h, y1, y2, classes, unbiased)


def intra_class_distance(h1, h2, y1, y2):
    """Mean Euclidean distance over same-class cross pairs (h1_i, h2_j) over the mean over all
    cross pairs (NaN when no class is shared)."""
    sa = (h1 * h1).sum(1, keepdim=True)
    sb = (h2 * h2).sum(1, keepdim=True)
    d = F.relu(sa + sb.T - 2 * (h1 @ h2.T)).sqrt()
    same = torch.as_tensor(y1[:, None] == y2[None, :], device=h1.device).float()
    return ((d * same).sum() / same.sum()) / d.mean()


def discern_terms(h, y, classes):
    """Gini and KL of Croitoru et al. (discern spec), on |h| of S1: M_kc the per-class mean
    activation, P_kc = M_kc / (Σ_k M_kc + ε); Gini = (1/D) Σ_c (1 − Σ_k P_kc²);
    q_k = (Σ_c P_kc + ε) / Σ_kc P_kc; KL = Σ_{t_k > 0} t_k (log t_k − log q_k), t the batch's
    class frequencies. abs() has gradient sign(h), 0 at 0, as the engine's written-out one."""
    m, dim = h.shape
    counts = np.bincount(y, minlength=classes).astype(np.float64)
    avg = np.zeros((m, classes), np.float32)
    avg[np.arange(m), y] = 1 / (counts[y] + DISCERN_EPS)
    target = counts / m
    entropy = float(sum(tk * math.log(tk) for tk in target if tk > 0))
    M = torch.from_numpy(avg).to(h.device).T @ h.abs()
    P = M / (M.sum(0, keepdim=True) + DISCERN_EPS)
    gini = 1 - (P * P).sum() / dim
    u = P.sum(1)
    log_q = torch.log(u + DISCERN_EPS) - torch.log(u.sum())
    kl = entropy - (torch.from_numpy(target.astype(np.float32)).to(h.device) * log_q).sum()
    return gini, kl


# =============================================================================================
# 6. Settings that change over the run: the schedule, λ after the warm-up, live changes.
# =============================================================================================


def uses_matching(method):
    return method in ("itra", "itra-c")


def uses_warmup(method):
    return uses_matching(method) or method == "discern"


def schedule_factor(cfg, step):
    """lr of step t (0-based) = lr · warm(t) · shape(t) (src/engine/schedule.ts)."""
    warm = (step + 1) / cfg["lrWarmup"] if cfg["lrWarmup"] > 0 and step < cfg["lrWarmup"] else 1
    shape = 1
    if cfg["lrSchedule"] == "step":
        shape = cfg["lrGamma"] ** sum(1 for m in cfg["lrMilestones"] if step >= m)
    elif cfg["lrSchedule"] == "cosine" and cfg["maxSteps"] > 0:
        t = min(step, cfg["maxSteps"]) / cfg["maxSteps"]
        shape = cfg["lrFloor"] + (1 - cfg["lrFloor"]) * (1 + math.cos(math.pi * t)) / 2
    return warm * shape


def effective_lr(cfg, step):
    return cfg["lr"] * schedule_factor(cfg, step)


def lambda_effective(cfg, step):
    return cfg["lambda"] if uses_matching(cfg["method"]) and step >= cfg["warmup"] else 0


def discern_weights(cfg, step):
    if cfg["method"] == "discern" and step >= cfg["warmup"]:
        return cfg["lambdaGini"], cfg["lambdaKl"]
    return None


# =============================================================================================
# 7. The optimizer (src/engine/optimizer.ts): SGD with momentum in PyTorch's form
#    (v ← μv + g [+ wd·p coupled], p ← p − lr·v) or Adam(W), every update guarded: if the loss
#    or any new value is not finite, nothing changes and the run has diverged.
# =============================================================================================


class GuardedOptimizer:
    def __init__(self, params, kind, momentum, world):
        self.params = list(params)
        self.kind, self.momentum, self.world = kind, momentum, world
        self.slots = [[torch.zeros_like(p) for _ in range(1 if kind == "sgd" else 2)] for p in self.params]
        self.t = 0  # Adam's step count (finite steps)
        self.finite_steps = 0
        self.healthy = True

    @torch.no_grad()
    def step(self, loss, lr, weight_decay, extra=()):
        """Applies the gradients in p.grad (DDP has averaged them) if everything is finite.
        `extra`: further (tensor, new value) pairs under the same guard (centers, BN stats)."""
        updates, probed = [], [loss.reshape(1)]
        for p, slots in zip(self.params, self.slots):
            g = p.grad
            if self.kind == "sgd":
                if weight_decay > 0:
                    g = g + weight_decay * p
                v = self.momentum * slots[0] + g
                p_new = p - lr * v
                updates += [(slots[0], v), (p, p_new)]
                probed.append(p_new)
            else:
                m, v = slots
                t = np.float32(self.t + 1)  # bias corrections in float32, as the engine's
                m_new = 0.9 * m + (1 - 0.9) * g
                v_new = 0.999 * v + (1 - 0.999) * g * g
                m_hat = m_new / float(np.float32(1) - np.float32(0.9) ** t)
                v_hat = v_new / float(np.float32(1) - np.float32(0.999) ** t)
                step = lr * m_hat / (torch.sqrt(v_hat) + 1e-8)
                decayed = p - p * (lr * weight_decay) if weight_decay > 0 else p
                p_new = decayed - step
                updates += [(m, m_new), (v, v_new), (p, p_new)]
                probed += [m_new, v_new, p_new]
        for target, new in extra:
            updates.append((target, new))
            probed.append(new)
        ok = torch.stack([torch.isfinite(x).all() for x in probed]).all().float()
        if self.world > 1:  # every rank takes the same decision
            dist.all_reduce(ok, op=dist.ReduceOp.MIN)
        ok = bool(ok.item()) and self.healthy
        if ok:
            for target, new in updates:
                target.copy_(new)
            self.t += 1
            self.finite_steps += 1
        self.healthy = ok
        return ok


# =============================================================================================
# 8. One run: the step, the eval point, the record (src/engine/trainer.ts, session.ts).
# =============================================================================================


class Trainer:
    def __init__(self, cfg, data, args, device, rank, world):
        self.cfg = dict(cfg)
        self.device, self.rank, self.world = device, rank, world
        train, test = data["train"], data["test"]
        self.classes = DATASETS[cfg["dataset"]]["classes"]
        shape = tuple(train[0].shape[1:])
        self.model = create_model(cfg["model"], shape, self.classes, cfg["seed"]).to(device)
        if args.init:
            self.model.load_state_dict(torch.load(args.init, map_location=device))
        self.net = Net(self.model)
        if world > 1:
            # A 1-channel first conv's weight gradient may come back with other (equivalent)
            # strides than DDP's bucket: harmless, and said once per process.
            warnings.filterwarnings("ignore", message="Grad strides do not match bucket view strides")
            self.net = nn.parallel.DistributedDataParallel(
                self.net, device_ids=[device.index] if device.type == "cuda" else None)
        p = cfg["forwardPasses"]
        self.concat = p == "concat" or (p == "auto" and not isinstance(self.model, SmallResNet))
        self.opt = GuardedOptimizer(self.model.parameters(), cfg["optimizer"], cfg["momentum"], world)
        self.centers = torch.zeros(self.classes, self.feature_dim(), device=device)
        self.sampler = BatchSampler(train, self.classes, cfg, rank, world)
        self.train_count = len(train[1])
        order, batch = eval_subset(len(test[1]), cfg["evalSize"], cfg["seed"])
        self.eval_size = len(order)
        self.eval_batches = [(to_tensor(test[0][order[i:i + batch]], device),
                              torch.as_tensor(test[1][order[i:i + batch]].astype(np.int64), device=device))
                             for i in range(0, len(order), batch)]
        self.step = 0
        self.ce_sum = torch.zeros((), device=device)
        self.steps_since_eval = 0
        self.collapse_reported = False
        self.warmup_reported = False
        self.events = []
        self.points = []
        self.last_loss = None

    def feature_dim(self):
        return self.model.classifier.in_features

    def patch(self, setting, value):
        """A live change recorded in the source run, applied from this step on (as the app)."""
        old = self.cfg[setting]
        if old == value:
            return
        self.cfg[setting] = value
        self.events.append(dict(kind="change", step=self.step, setting=setting, **{"from": old}, to=value))

    def train_step(self, batch):
        cfg = self.cfg
        if (not self.warmup_reported and uses_warmup(cfg["method"]) and cfg["warmup"] > 0
                and self.step == cfg["warmup"]):
            self.warmup_reported = True
            self.events.append(dict(kind="warmup-end", step=self.step))
        if not self.opt.healthy:  # diverged: the parameters keep their last finite values
            self.step += 1
            self.steps_since_eval += 1
            return
        lam = lambda_effective(cfg, self.step)
        discern = discern_weights(cfg, self.step)
        lr = effective_lr(cfg, self.step)
        self.model.train()
        x1 = to_tensor(batch["x1"], self.device)
        x2 = to_tensor(batch["x2"], self.device) if lam > 0 else None
        y1 = batch["y1"]
        onehot = F.one_hot(torch.as_tensor(y1, device=self.device), self.classes).float()
        h1, h2, logits = self.net(x1, x2, self.concat)
        ce = cross_entropy(logits, onehot)
        loss = ce
        if cfg["method"] == "lsr":
            eps = cfg["labelSmoothing"]
            loss = cross_entropy(logits, onehot * (1 - eps) + eps / self.classes)
        if cfg["method"] == "center":
            loss = loss + cfg["centerLambda"] * center_loss(h1, onehot, self.centers)
        if h2 is not None:
            match, _ = matching_for(cfg["method"], torch.cat([h1, h2]), y1, batch["y2"],
                                    self.classes, cfg["estimator"])
            loss = loss + lam * match
        if discern and (discern[0] > 0 or discern[1] > 0):
            gini, kl = discern_terms(h1, y1, self.classes)
            loss = loss + (discern[0] * gini + discern[1] * kl)
        for p in self.model.parameters():
            p.grad = None
        loss.backward()
        extra = []
        if cfg["method"] == "center":
            extra.append((self.centers, updated_centers(self.centers, h1.detach(), onehot, cfg["centerAlpha"])))
        for bn in bn_layers(self.model):
            if bn.pending is not None:
                mean, var = bn.pending
                extra.append((bn.running_mean, (1 - BN_MOMENTUM) * bn.running_mean + BN_MOMENTUM * mean))
                extra.append((bn.running_var, (1 - BN_MOMENTUM) * bn.running_var + BN_MOMENTUM * var))
                bn.pending = None
        self.opt.step(loss.detach(), lr, cfg["weightDecay"], extra)
        self.ce_sum += ce.detach()
        self.last_loss = (loss.item(), ce.item()) if self.step == 0 else None
        self.step += 1
        self.steps_since_eval += 1

    @torch.no_grad()
    def evaluate(self, batch, timing):
        """The point of an eval step: test CE and accuracy over the fixed subset, train CE since
        the last point, Match, σ, the intra-class distance, Gini and KL on the current batch's
        features in eval mode (for every method). Only rank 0 calls it (trainCE: all ranks)."""
        cfg = self.cfg
        model = self.model
        model.eval()
        ce_total = torch.zeros((), device=self.device)
        correct = torch.zeros((), device=self.device)
        for x, y in self.eval_batches:
            logits = model.classifier(model.features(x))
            ce_total += F.cross_entropy(logits, y, reduction="sum")
            correct += (logits.argmax(1) == y).sum()
        x1 = to_tensor(batch["x1"], self.device)
        x2 = to_tensor(batch["x2"], self.device)
        h1, h2 = model.features(x1), model.features(x2)
        y1, y2 = batch["y1"], batch["y2"]
        h = torch.cat([h1, h2])
        match, sigma = matching_for(cfg["method"], h, y1, y2, self.classes, cfg["estimator"])
        feat_var = h.var(0, unbiased=False).mean()
        gini, kl = discern_terms(h1, y1, self.classes)
        intra = intra_class_distance(h1, h2, y1, y2)
        n = max(1, self.eval_size)
        values = [ce_total / n, correct / n, match, sigma, intra, feat_var, gini, kl]
        values = torch.stack([v.float() for v in values]).tolist()
        test_ce, test_acc, match, sigma, intra, feat_var, gini, kl = values
        train_ce = timing["trainCE"]
        events = []
        if not self.opt.healthy:
            at = self.opt.finite_steps + 1
            events.append(dict(kind="diverged", step=at, detail=(
                "The loss or the parameters became NaN or infinite at step %d (learning rate %s). "
                "The parameters keep their last finite values." % (at, js_number(cfg["lr"])))))
            self.events += events
            return None
        if not self.collapse_reported and (feat_var < COLLAPSE_VARIANCE or sigma <= SIGMA_FLOOR * 1.0001):
            self.collapse_reported = True
            events.append(dict(kind="collapsed", step=self.step, detail=(
                "Features collapsed (variance %s, σ %s): every input maps to nearly the same "
                "feature vector. The biased MMD estimator rewards \"all features equal\" before "
                "cross-entropy has made the features class-dependent. Use a longer warm-up, a "
                "smaller λ, or the unbiased estimator." % (js_exponential(feat_var), js_exponential(sigma)))))
        finite = lambda v: v if v is not None and math.isfinite(v) else None  # noqa: E731
        point = dict(step=self.step, epoch=timing["epoch"], intraDist=finite(intra),
                     testAcc=finite(test_acc), testCE=finite(test_ce), trainCE=finite(train_ce),
                     match=finite(match), sigma=finite(sigma), gini=finite(gini), kl=finite(kl),
                     lr=effective_lr(cfg, self.step), lambdaEff=lambda_effective(cfg, self.step),
                     method=cfg["method"], samplesPerSec=timing["samplesPerSec"], wallMs=timing["wallMs"])
        self.points.append(point)
        self.events += events
        return point


def js_exponential(x, digits=2):
    """JavaScript's x.toExponential(2): 1.51e-8, 0.00e+0 (no padded exponent)."""
    mantissa, exponent = ("%.*e" % (digits, x)).split("e")
    e = int(exponent)
    return "%se%s%d" % (mantissa, "+" if e >= 0 else "-", abs(e))


def js_number(x):
    """A number as JavaScript prints it (0.01, 5, 1e-7), for messages that match the engine's."""
    return str(int(x)) if float(x).is_integer() and abs(x) < 1e21 else repr(float(x))


# =============================================================================================
# 9. The command line, the loop and the record.
# =============================================================================================

HELP_EPILOG = """
examples:
  python train.py --data-dir ~/data/fashion-mnist
  python train.py --device cuda --steps 5000 --out long.json
  torchrun --nproc_per_node 4 train.py --data-dir /scratch/data
"""


def parse_args(argv):
    ap = argparse.ArgumentParser(
        description="Train the exported ITRA Playground run (config.json) with PyTorch.",
        epilog=HELP_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", default=os.path.join(HERE, "config.json"),
                    help="the exported settings (default: config.json beside this script)")
    ap.add_argument("--data-dir", default=None,
                    help="folder with the dataset's official files, or the cache of `npm run data` "
                         "(<dir>/<dataset>/...), or torchvision's root (default: ./data)")
    ap.add_argument("--steps", type=int, default=None,
                    help="training steps (default: the run's; sets maxSteps, so a cosine schedule follows)")
    ap.add_argument("--out", default=None, help="the run record to write (default: run-pytorch.json)")
    ap.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"],
                    help="auto: cuda if available (torchrun: cuda:LOCAL_RANK), else cpu")
    ap.add_argument("--carve", action="store_true", default=None,
                    help="carve train/test from the one split present (as the run did, if it did)")
    ap.add_argument("--no-carve", dest="carve", action="store_false")
    ap.add_argument("--no-changes", action="store_true",
                    help="ignore the live changes recorded in the run (λ, lr, method... at their steps)")
    ap.add_argument("--init", default=None, help="start from these weights (a state_dict saved by --save-init)")
    ap.add_argument("--save-init", default=None, help="write the initial weights (state_dict) and go on")
    ap.add_argument("--dump-first-step", default=None, metavar="FILE",
                    help="write the first step's loss, batch indices and the weights before and after "
                         "it in the engine's layout (parity checks against the engine)")
    ap.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (CPU)")
    ap.add_argument("--tf32", action="store_true",
                    help="allow TF32 matrix products and convolutions on NVIDIA GPUs (faster, less exact)")
    ap.add_argument("--quiet", action="store_true", help="no progress lines")
    return ap.parse_args(argv)


def load_config(path):
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    if doc.get("schema") != "itra-playground/pytorch-export":
        raise SystemExit("train.py: %s is not an ITRA Playground export (config.json)" % path)
    cfg = doc["config"]
    if cfg["method"] not in METHODS:
        raise SystemExit("train.py: unknown method %r" % cfg["method"])
    return doc, cfg


def setup_distributed(args):
    """(rank, world size, local rank) and the process group, when torchrun started us."""
    if "RANK" not in os.environ or "WORLD_SIZE" not in os.environ:
        return 0, 1, 0
    rank, world = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
    local = int(os.environ.get("LOCAL_RANK", 0))
    cuda = args.device == "cuda" or (args.device == "auto" and torch.cuda.is_available())
    if cuda:
        torch.cuda.set_device(local)
    dist.init_process_group("nccl" if cuda else "gloo")
    return rank, world, local


def pick_device(args, local):
    if args.device == "cpu" or (args.device == "auto" and not torch.cuda.is_available()):
        return torch.device("cpu")
    if not torch.cuda.is_available():
        raise SystemExit("train.py: --device cuda but torch sees no GPU")
    return torch.device("cuda", local)


def environment(device, world):
    if device.type == "cuda":
        adapter = torch.cuda.get_device_name(device)
        backend = "pytorch-cuda"
    else:
        adapter = platform.processor() or platform.machine()
        backend = "pytorch-cpu"
    return dict(backend=backend, adapter=adapter,
                runtime="python %s, torch %s%s" % (
                    platform.python_version(), torch.__version__,
                    ", DDP (%s)" % dist.get_backend() if world > 1 else ""),
                tfjsVersion="none", torchVersion=torch.__version__, device=str(device), worldSize=world)


def write_json(path, doc):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1, ensure_ascii=False, allow_nan=False)
        f.write("\n")
    os.replace(tmp, path)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    doc, cfg = load_config(args.config)
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.backends.cuda.matmul.allow_tf32 = args.tf32
    torch.backends.cudnn.allow_tf32 = args.tf32
    rank, world, local = setup_distributed(args)
    device = pick_device(args, local)
    log = (lambda s: print(s, file=sys.stderr, flush=True)) if rank == 0 and not args.quiet else (lambda s: None)

    steps = args.steps if args.steps is not None else (cfg["maxSteps"] or doc.get("steps") or 0)
    if steps < 1:
        raise SystemExit("train.py: the run has no step count (it trained until stopped): pass --steps N")
    cfg = dict(cfg, maxSteps=steps)
    data_dir = args.data_dir or os.path.join(os.getcwd(), "data")
    carve_ok = args.carve if args.carve is not None else doc.get("data", {}).get("split") == "carved"
    try:
        data = load_dataset(cfg["dataset"], data_dir, carve_ok)
    except DataError as e:
        raise SystemExit("train.py: %s" % e)
    if doc.get("data", {}).get("split") == "carved" and data["split"] == "official":
        log("note: the source run carved its split; both official splits are here, so this run uses them")

    trainer = Trainer(cfg, data, args, device, rank, world)
    if args.save_init and rank == 0:
        torch.save(trainer.model.state_dict(), args.save_init)
    changes = [] if args.no_changes else sorted(doc.get("changes", []), key=lambda c: c["step"])
    out = args.out or "run-pytorch.json"
    initial_weights = engine_layout(trainer.model) if args.dump_first_step and rank == 0 else None
    now_utc = datetime.datetime.now(datetime.timezone.utc)
    record = dict(
        schema="itra-playground/run", version=2,
        id="pytorch-%s-%s" % (now_utc.strftime("%Y%m%d%H%M%S"), os.urandom(4).hex()),
        name="%s (PyTorch%s)" % (re.sub(r" \(PyTorch[^)]*\)$", "", doc.get("name") or "run"),
                                 ", %d processes" % world if world > 1 else ""),
        createdAt=now_utc.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (now_utc.microsecond // 1000),
        config=cfg,
        data=dict(trainSize=trainer.train_count, testSize=len(data["test"][1]), evalSize=trainer.eval_size,
                  split=data["split"], **({"splitNote": data["note"]} if data["note"] else {}),
                  **({"corruptedLabels": trainer.sampler.corrupted} if trainer.sampler.corrupted else {})),
        environment=environment(device, world), status="running", steps=0, points=[], events=trainer.events)
    log("%s: %s %s %s, %d steps on %s%s" % (
        os.path.basename(out), cfg["dataset"], cfg["model"], cfg["method"], steps, device,
        " × %d processes" % world if world > 1 else ""))

    sync = (lambda: torch.cuda.synchronize(device)) if device.type == "cuda" else (lambda: None)
    started = interval_start = time.perf_counter()
    steps_in_interval = 0
    status = "completed"
    try:
        while trainer.step < steps:
            while changes and changes[0]["step"] <= trainer.step:
                c = changes.pop(0)
                if c["setting"] in LIVE_SETTINGS:
                    trainer.patch(c["setting"], c["to"])
            batch = trainer.sampler.next()
            trainer.train_step(batch)
            steps_in_interval += 1
            if trainer.step == 1 and initial_weights is not None:
                loss, ce = trainer.last_loss
                write_json(args.dump_first_step, dict(
                    loss=loss, ce=ce, s1=batch["i1"].tolist(), s2=batch["i2"].tolist(),
                    labels1=batch["y1"].tolist(), labels2=batch["y2"].tolist(),
                    shapes=[list(t.shape) for t in initial_weights],
                    initial=[t.flatten().tolist() for t in initial_weights],
                    updated=[t.flatten().tolist() for t in engine_layout(trainer.model)]))
            if trainer.step % cfg["evalEvery"] and trainer.step < steps:
                continue
            sync()
            now = time.perf_counter()
            dt = now - interval_start
            ce_mean = trainer.ce_sum / max(1, trainer.steps_since_eval)
            if world > 1:
                dist.all_reduce(ce_mean)
                ce_mean /= world
            timing = dict(epoch=trainer.sampler.drawn / trainer.train_count,
                          samplesPerSec=steps_in_interval / dt * cfg["batchSize"] * world if dt > 0 else 0,
                          wallMs=(now - started) * 1000, trainCE=ce_mean.item())
            diverged = not trainer.opt.healthy
            if rank == 0:
                p = trainer.evaluate(batch, timing)
                record.update(steps=trainer.step, points=trainer.points)
                if p:
                    log("step %d/%d · test acc %.2f%% · test CE %.4f · intra-class dist %s · match %s" % (
                        p["step"], steps, 100 * (p["testAcc"] or 0), p["testCE"] or float("nan"),
                        "%.3f" % p["intraDist"] if p["intraDist"] is not None else "n/a",
                        "%.4f" % p["match"] if p["match"] is not None else "n/a"))
                write_json(out, record)
            trainer.ce_sum.zero_()
            trainer.steps_since_eval = 0
            if diverged:
                status = "diverged"
                for e in trainer.events:
                    if e["kind"] == "diverged":
                        log("[step %d] diverged: %s" % (e["step"], e["detail"]))
                break
            interval_start = time.perf_counter()
            steps_in_interval = 0
    except KeyboardInterrupt:
        status = "stopped"
    if rank == 0:
        record.update(status=status, steps=trainer.step, points=trainer.points)
        write_json(out, record)
        last = trainer.points[-1] if trainer.points else {}
        wall = time.perf_counter() - started
        print("%s: %s after %d steps · test acc %s · test CE %s · %.1f ms/step → %s" % (
            record["name"], status, trainer.step,
            "%.2f%%" % (100 * last["testAcc"]) if last.get("testAcc") is not None else "n/a",
            "%.4f" % last["testCE"] if last.get("testCE") is not None else "n/a",
            1000 * wall / max(1, trainer.step), out))
    if world > 1:
        dist.destroy_process_group()
    return 1 if status == "diverged" else 0


if __name__ == "__main__":
    sys.exit(main())
