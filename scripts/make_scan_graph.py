"""Write src/mediamesh/search/semantic/assets/scan_u8s8.onnx: the one-node ONNX graph the vector
index scans with (search/semantic/scan.py).

    .local/tools/bin/uv run --with onnx python scripts/make_scan_graph.py

`onnx` builds the graph only; it is not a dependency of MediaMesh (onnxruntime runs the file).
The graph: MatMulInteger(rows uint8 (R, 384), query int8 (384, 1)) -> int32 (R, 1), which
onnxruntime runs on the CPU's integer dot-product instructions (AVX-512 VNNI, AVX2).
"""

from __future__ import annotations

from pathlib import Path

import onnx
from onnx import TensorProto, helper

from mediamesh.search.semantic.model import DIMENSIONS

TARGET = Path(__file__).parents[1] / "src/mediamesh/search/semantic/assets/scan_u8s8.onnx"


def main() -> None:
    rows = helper.make_tensor_value_info("rows", TensorProto.UINT8, ["R", DIMENSIONS])
    query = helper.make_tensor_value_info("query", TensorProto.INT8, [DIMENSIONS, 1])
    dots = helper.make_tensor_value_info("dots", TensorProto.INT32, ["R", 1])
    node = helper.make_node("MatMulInteger", ["rows", "query"], ["dots"])
    graph = helper.make_graph([node], "scan", [rows, query], [dots])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8  # what onnxruntime 1.x reads
    onnx.checker.check_model(model)
    TARGET.write_bytes(model.SerializeToString())
    print(f"wrote {TARGET} ({TARGET.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
