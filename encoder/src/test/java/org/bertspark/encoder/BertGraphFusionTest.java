package org.bertspark.encoder;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.reflect.Field;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.bertspark.encoder.device.SessionConfig;
import org.bertspark.encoder.model.BertConfig;
import org.bertspark.encoder.testing.TinyModel;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.RunOptions;
import org.tensorflow.types.TInt32;

/**
 * The graph runs fused as BertGraph writes it for Grappler and oneDNN: each layer norm as one {@code _MklLayerNorm},
 * each GELU inside its matmul (a form Grappler's patterns no longer match, or a name that sorts a commutative op's
 * inputs the other way, silently leaves them as separate ops: bench/graph-profile.sh, BENCHMARKS.md).
 */
class BertGraphFusionTest {
  private static final int[] IDS = {2, 7, 9, 3, 2, 8, 3, 0};
  private static final int[] MASK = {1, 1, 1, 1, 1, 1, 1, 0};

  @ParameterizedTest
  @ValueSource(strings = {"gelu", "gelu_tanh"})
  void layerNormsAndGeluRunFused(String act) throws Exception {
    BertConfig c = TinyModel.CONFIG;
    BertConfig config = new BertConfig(c.vocabSize(), c.hiddenSize(), c.numHiddenLayers(), c.numAttentionHeads(),
        c.intermediateSize(), act, c.maxPositionEmbeddings(), c.typeVocabSize());
    Map<String, float[]> weights = TinyModel.variables(config, 5).stream()
        .collect(Collectors.toMap(TinyModel.Variable::name, TinyModel.Variable::values));
    Map<String, Integer> ops = new TreeMap<>();
    int geluMatMuls = 0;
    try (BertGraph graph = new BertGraph(config, weights::get, List.of(), PoolingStrategy.REDUCE_MEAN, List.of(-1),
        SessionConfig.of(EncoderOptions.defaults(), null), null)) {
      for (NodeDef node : partitionGraph(graph).getNodeList()) {
        ops.merge(node.getOp(), 1, Integer::sum);
        if (node.getAttrMap().containsKey("fused_ops")
            && node.getAttrMap().get("fused_ops").getList().getSList().stream()
                .anyMatch(op -> op.toStringUtf8().startsWith("Gelu"))) {
          geluMatMuls++;
        }
      }
    }
    int layers = config.numHiddenLayers();
    assertEquals(2 * layers + 1, ops.getOrDefault("_MklLayerNorm", 0), "fused layer norms: " + ops);
    assertEquals(layers, geluMatMuls, "matmuls with their GELU fused: " + ops);
    for (String unfused : List.of("Tanh", "Erf", "Square", "SquaredDifference", "Rsqrt")) {
      assertEquals(0, ops.getOrDefault(unfused, 0), unfused + " ran as its own op: " + ops);
    }
  }

  /** The graph as it ran after Grappler's and oneDNN's rewrites. */
  private static GraphDef partitionGraph(BertGraph graph) throws ReflectiveOperationException {
    Shape shape = Shape.of(2, 4);
    RunOptions options = RunOptions.newBuilder().setOutputPartitionGraphs(true).build();
    try (TInt32 ids = TInt32.tensorOf(shape, DataBuffers.of(IDS, true, false));
        TInt32 mask = TInt32.tensorOf(shape, DataBuffers.of(MASK, true, false));
        TInt32 segments = TInt32.tensorOf(shape, DataBuffers.of(new int[IDS.length], true, false));
        Result result = ((Session) field(graph, "session")).runner()
            .feed((Operand<?>) field(graph, "inputIds"), ids).feed((Operand<?>) field(graph, "inputMask"), mask)
            .feed((Operand<?>) field(graph, "segmentIds"), segments).fetch((Operand<?>) field(graph, "output"))
            .setOptions(options).runAndFetchMetadata()) {
      List<GraphDef> partitions = result.getMetadata().orElseThrow().getPartitionGraphsList();
      assertEquals(1, partitions.size(), "one CPU partition");
      return partitions.get(0);
    }
  }

  private static Object field(Object o, String name) throws ReflectiveOperationException {
    Field f = o.getClass().getDeclaredField(name);
    f.setAccessible(true);
    return f.get(o);
  }
}
