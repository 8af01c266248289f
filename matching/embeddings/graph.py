"""EfficientNet-Lite0 as an ONNX graph, built from its checkpoint with the `onnx` helpers.

The architecture is EfficientNet-Lite0's (Tan & Le, 2019; the Lite variant: ReLU6, no
squeeze-and-excitation, stem and head not scaled): a 3x3 stride-2 stem, 16 inverted-bottleneck
blocks in seven stages, a 1x1 head to 1280 channels and global average pooling. Convolutions pad as
TensorFlow's SAME does (the weights come from TensorFlow). Batch normalisation is folded into the
convolutions. The graph outputs the pooled 1280-float feature (the embedding) and the 1000 ImageNet
class logits.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # onnx is imported only to build the graph, once per MODEL_DIR: it costs a second of start-up
    import onnx

EPSILON = 1e-3  # batch normalisation epsilon of the TensorFlow original
# Stages: (repeats, kernel, stride, expand ratio, input channels, output channels).
STAGES = (
    (1, 3, 1, 1, 32, 16),
    (2, 3, 2, 6, 16, 24),
    (2, 5, 2, 6, 24, 40),
    (3, 3, 2, 6, 40, 80),
    (3, 5, 1, 6, 80, 112),
    (4, 5, 2, 6, 112, 192),
    (1, 3, 1, 6, 192, 320),
)
INPUT_SIZE = 224
EMBEDDING = "embedding"
LOGITS = "logits"


class Builder:
    """Accumulates nodes and initialisers; names come from the checkpoint's own module names."""

    def __init__(self, weights: dict[str, np.ndarray]) -> None:
        self.weights = weights
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []

    def constant(self, name: str, value: np.ndarray) -> str:
        from onnx import numpy_helper

        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(value, dtype=np.float32), name))
        return name

    def conv_bn(self, x: str, conv: str, bn: str, *, stride: int = 1, groups: int = 1, relu6: bool = True) -> str:
        """Convolution with the batch normalisation folded in, SAME padding, then ReLU6 if asked."""
        from onnx import helper

        weight = self.weights[f"{conv}.weight"]
        scale = self.weights[f"{bn}.weight"] / np.sqrt(self.weights[f"{bn}.running_var"] + EPSILON)
        bias = self.weights[f"{bn}.bias"] - self.weights[f"{bn}.running_mean"] * scale
        w = self.constant(f"{conv}.w", weight * scale[:, None, None, None])
        b = self.constant(f"{conv}.b", bias)
        out = f"{conv}.out"
        kernel = weight.shape[-1]
        self.nodes.append(helper.make_node(
            "Conv", [x, w, b], [out], strides=[stride, stride], group=groups, kernel_shape=[kernel, kernel],
            auto_pad="SAME_UPPER",
        ))  # fmt: skip
        if not relu6:
            return out
        self.nodes.append(helper.make_node("Clip", [out, "zero", "six"], [f"{out}.relu6"]))
        return f"{out}.relu6"

    def block(self, x: str, index: int, kernel: int, stride: int, expand: int, inp: int, out: int) -> str:
        from onnx import helper

        prefix = f"_blocks.{index}"
        y = x
        if expand != 1:
            y = self.conv_bn(y, f"{prefix}._expand_conv", f"{prefix}._bn0")
        channels = inp * expand
        y = self.conv_bn(y, f"{prefix}._depthwise_conv", f"{prefix}._bn1", stride=stride, groups=channels)
        y = self.conv_bn(y, f"{prefix}._project_conv", f"{prefix}._bn2", relu6=False)
        assert self.weights[f"{prefix}._depthwise_conv.weight"].shape[-1] == kernel
        if stride == 1 and inp == out:
            self.nodes.append(helper.make_node("Add", [y, x], [f"{prefix}.sum"]))
            y = f"{prefix}.sum"
        return y


def build(weights: dict[str, np.ndarray]) -> onnx.ModelProto:
    """The model as ONNX: input `image` (N, 3, 224, 224), normalised; outputs `embedding` and `logits`."""
    import onnx
    from onnx import TensorProto, helper

    builder = Builder(weights)
    builder.constant("zero", np.array(0.0))
    builder.constant("six", np.array(6.0))
    x = builder.conv_bn("image", "_conv_stem", "_bn0", stride=2)
    index = 0
    for repeats, kernel, stride, expand, inp, out in STAGES:
        for repeat in range(repeats):
            x = builder.block(x, index, kernel, stride if repeat == 0 else 1, expand, inp if repeat == 0 else out, out)
            index += 1
    x = builder.conv_bn(x, "_conv_head", "_bn1")
    builder.nodes.append(helper.make_node("GlobalAveragePool", [x], ["pooled"]))
    builder.nodes.append(helper.make_node("Flatten", ["pooled"], [EMBEDDING], axis=1))
    fc_weight = builder.constant("_fc.w", weights["_fc.weight"].T)
    fc_bias = builder.constant("_fc.b", weights["_fc.bias"])
    builder.nodes.append(helper.make_node("Gemm", [EMBEDDING, fc_weight, fc_bias], [LOGITS]))
    graph = helper.make_graph(
        builder.nodes,
        "efficientnet_lite0",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["batch", 3, INPUT_SIZE, INPUT_SIZE])],
        [helper.make_tensor_value_info(EMBEDDING, TensorProto.FLOAT, ["batch", 1280]),
         helper.make_tensor_value_info(LOGITS, TensorProto.FLOAT, ["batch", 1000])],
        builder.initializers,
    )  # fmt: skip
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="likeness")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model
