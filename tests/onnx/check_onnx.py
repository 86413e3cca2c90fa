#!/usr/bin/python3
"""Checks the models export_check wrote: each must pass ONNX's full checker (shape inference
included, strict) and, run by OpenCV's dnn module on the stored input batch, match aegan's output
to within 1e-4 of aegan's largest output value.

usage: check_onnx.py FOLDER   (FOLDER holds manifest.json and the files it lists)
"""
import json
import os
import sys
import time

import cv2
import numpy as np
import onnx

TOLERANCE = 1e-4


def load(folder, name, shape):
    values = np.fromfile(os.path.join(folder, name), dtype="<f4")
    if values.size != int(np.prod(shape)):
        raise ValueError(f"{name} holds {values.size} values, the manifest says {shape}")
    return values.reshape(shape)


def declared_shape(value_info):
    return [d.dim_param if d.dim_param else d.dim_value for d in value_info.type.tensor_type.shape.dim]


def check(folder, entry):
    path = os.path.join(folder, entry["onnx"])
    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    graph = model.graph
    if [i.name for i in graph.input] != [entry["input_name"]]:
        raise ValueError(f"graph inputs {[i.name for i in graph.input]}, expected [{entry['input_name']!r}]")
    for info, shape in ((graph.input[0], entry["input_shape"]), (graph.output[0], entry["output_shape"])):
        if declared_shape(info) != ["N"] + shape[1:]:
            raise ValueError(f"{info.name} is declared {declared_shape(info)}, aegan's tensor is [N] + {shape[1:]}")

    x = load(folder, entry["input"], entry["input_shape"])
    expected = load(folder, entry["output"], entry["output_shape"])
    net = cv2.dnn.readNetFromONNX(path)
    net.setInput(x)
    got = net.forward()
    if got.size != expected.size:
        raise ValueError(f"OpenCV made {list(got.shape)}, aegan {list(expected.shape)}")
    got = got.reshape(expected.shape)
    scale = float(np.max(np.abs(expected)))
    error = float(np.max(np.abs(got.astype(np.float64) - expected.astype(np.float64))))
    relative = error / scale if scale > 0 else error
    return relative, scale


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    folder = sys.argv[1]
    with open(os.path.join(folder, "manifest.json")) as f:
        entries = json.load(f)
    print(f"onnx {onnx.__version__}, OpenCV {cv2.__version__}, tolerance {TOLERANCE:g} relative to max|aegan|")
    failures = []
    for entry in entries:
        start = time.monotonic()
        try:
            relative, scale = check(folder, entry)
        except Exception as e:  # noqa: BLE001 -- every failure is reported with its model's name
            failures.append(entry["name"])
            print(f"FAIL {entry['name']}: {type(e).__name__}: {e}")
            continue
        ok = relative <= TOLERANCE
        if not ok:
            failures.append(entry["name"])
        print(f"{'ok  ' if ok else 'FAIL'} {entry['name']:20s} output {entry['output_shape']}  max|aegan| {scale:.4g}  "
              f"max relative error {relative:.2e}  ({time.monotonic() - start:.2f} s)")
    if failures:
        print(f"{len(failures)} of {len(entries)} models failed: {', '.join(failures)}")
        return 1
    print(f"all {len(entries)} models pass")
    return 0


if __name__ == "__main__":
    sys.exit(main())
