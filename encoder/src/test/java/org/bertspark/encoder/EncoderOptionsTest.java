package org.bertspark.encoder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.bertspark.encoder.model.ModelDefaults;
import org.junit.jupiter.api.Test;

class EncoderOptionsTest {
  private static final EncoderOptions DEFAULTS = EncoderOptions.defaults();

  @Test
  void readmeTableMatchesTheDeclarations() throws Exception {
    Map<String, List<String>> readme = readmeTable(Path.of("..", "README.md"));
    String expected = EncoderOption.all().stream()
        .map(o -> "| `" + o.key() + "` | " + o.defaultText() + " | " + o.help() + " |")
        .collect(Collectors.joining("\n"));
    String hint = "README.md's encoder option table should read:\n" + expected;
    assertEquals(EncoderOption.all().stream().map(EncoderOption::key).toList(), new ArrayList<>(readme.keySet()),
        hint);
    for (EncoderOption<?> o : EncoderOption.all()) {
      assertEquals(List.of(o.defaultText(), o.help()), readme.get(o.key()), o.key() + "\n" + hint);
    }
  }

  /** Option name to (default, meaning), from the first table after the "## Encoder options" heading. */
  private static Map<String, List<String>> readmeTable(Path readme) throws Exception {
    List<String> lines = Files.readAllLines(readme, StandardCharsets.UTF_8);
    int at = lines.indexOf("## Encoder options");
    assertTrue(at >= 0, "README.md has no '## Encoder options' section");
    while (!lines.get(at).startsWith("|")) {
      at++;
    }
    assertEquals("| option | default | meaning |", lines.get(at));
    Map<String, List<String>> rows = new LinkedHashMap<>();
    for (at += 2; at < lines.size() && lines.get(at).startsWith("|"); at++) {
      String line = lines.get(at);
      String[] cells = line.substring(1, line.length() - 1).split(" \\| ", -1);
      assertEquals(3, cells.length, line);
      String name = cells[0].trim();
      assertTrue(name.matches("`[a-z0-9_]+`"), line);
      rows.put(name.substring(1, name.length() - 1), List.of(cells[1].trim(), cells[2].trim()));
    }
    return rows;
  }

  @Test
  void toMapParsesBackToEqualOptions() throws Exception {
    EncoderOptions options = EncoderOptions.builder().modelDir("/m").tunedModelDir("/t").ckptName("model.ckpt-10")
        .configName("c.json").maxSeqLen(null).longText(LongText.MEAN).chunkStride(5).casedTokenization(true).maskClsSep(true).maxBatchSize(7)
        .poolingStrategy(PoolingStrategy.SEP_TOKEN).poolingLayer(List.of(-1, 0)).normalize(false).prompt("query:")
        .cpu(true).fp16(true).xla(true)
        .deviceMap(List.of(1, 0)).gpuMemoryFraction(0.25).numThreads(3).build();
    // int8 excludes fp16 and device_map: it leaves its default in options of its own
    EncoderOptions int8 = EncoderOptions.builder().int8(true).build();
    assertEquals(options, EncoderOptions.parse(options.toMap()));
    assertEquals(int8, EncoderOptions.parse(int8.toMap()));
    assertEquals(DEFAULTS, EncoderOptions.parse(DEFAULTS.toMap()));
    for (EncoderOption<?> o : EncoderOption.all()) {
      EncoderOptions changed = o == EncoderOption.INT8 ? int8 : options;
      assertTrue(!changed.toMap().get(o.key()).equals(DEFAULTS.toMap().get(o.key())), o + " left at its default");
    }
    // executors receive options serialized: they must stay equal (one cached encoder per options)
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(options);
    }
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      Object copy = in.readObject();
      assertEquals(options, copy);
      assertEquals(options.hashCode(), copy.hashCode());
    }
  }

  @Test
  void defaultsAreBertAsServices() {
    assertNull(DEFAULTS.modelDir());
    assertEquals(25, DEFAULTS.maxSeqLen());
    assertEquals(256, DEFAULTS.maxBatchSize());
    assertNull(DEFAULTS.poolingStrategy(), "the model's");
    EncoderOptions google = ResolvedOptions.withDefaults(DEFAULTS, ModelDefaults.NONE);
    assertEquals(PoolingStrategy.REDUCE_MEAN, google.poolingStrategy());
    assertEquals(List.of(-2), google.poolingLayer());
    assertEquals(false, google.normalize());
    assertNull(google.prompt());
    assertEquals(0.5, DEFAULTS.gpuMemoryFraction());
  }

  @Test
  void optionStringsSplitOnCommasKeepingLists() {
    EncoderOptions o = EncoderOptions.parse(" pooling_layer = -4, -3 ,CPU=,max_seq_len=none", DEFAULTS);
    assertEquals(List.of(-4, -3), o.poolingLayer());
    assertTrue(o.cpu());
    assertNull(o.maxSeqLen());
    assertEquals(DEFAULTS, EncoderOptions.parse("", DEFAULTS));
    EncoderOptions base = DEFAULTS.toBuilder().maxBatchSize(8).build();
    assertEquals(8, EncoderOptions.parse("xla=true", base).maxBatchSize(), "on top of the base");
    assertError("missing option name before '='", "=1");
    assertError("expected key=value, got 'CLS_TOKEN'", "CLS_TOKEN");
    assertError("option 'cpu' given twice", "cpu=true,CPU=false");
    assertError("unknown option 'pooling_stratgy'; known: model_dir, ", "pooling_stratgy=CLS_TOKEN");
  }

  @Test
  void valuesOutOfBoundsNameTheOption() {
    assertError("num_threads must be an integer from 0 to 1024, got 1025", "num_threads=1025");
    assertError("num_threads must be an integer from 0 to 1024, got -1", "num_threads=-1");
    assertError("bad value for num_threads: '99999999999' (an integer from 0 to 1024)", "num_threads=99999999999");
    assertError("max_batch_size must be an integer from 1 to 65536, got 0", "max_batch_size=0");
    assertError("max_batch_size must be an integer from 1 to 65536, got 65537", "max_batch_size=65537");
    assertError("bad value for max_batch_size: 'many'", "max_batch_size=many");
    assertError("pooling_layer must be one or more distinct layers, e.g. -1,-2, got -1,-1", "pooling_layer=-1,-1");
    assertNull(EncoderOptions.parse("pooling_layer=", DEFAULTS).poolingLayer(), "empty: the model's");
    assertError("bad value for pooling_layer: '-1,x'", "pooling_layer=-1,x");
    for (String fraction : List.of("NaN", "Infinity", "-Infinity", "0", "-0.5", "1.5")) {
      assertError("gpu_memory_fraction must be a number in (0, 1], got ", "gpu_memory_fraction=" + fraction);
    }
    assertEquals(1.0, EncoderOptions.parse("gpu_memory_fraction=1", DEFAULTS).gpuMemoryFraction());
    assertError("max_seq_len must be NONE or an integer from 3 to 512, got 2", "max_seq_len=2");
    assertError("max_seq_len must be NONE or an integer from 3 to 512, got 513", "max_seq_len=513");
    assertError("bad value for max_seq_len: 'long'", "max_seq_len=long");
    assertError("device_map must be distinct GPU ids from 0, e.g. 0,1, got 0,0", "device_map=0,0");
    assertError("device_map must be distinct GPU ids from 0, e.g. 0,1, got -1", "device_map=-1");
    assertError("bad value for pooling_strategy: 'AVERAGE' (one of [NONE, REDUCE_MEAN", "pooling_strategy=AVERAGE");
    assertError("bad value for cpu: 'yes' (true or false)", "cpu=yes");
    assertError("ckpt_name must be a name, got ", "ckpt_name=");
  }

  @Test
  void theBuilderChecksTheSameBounds() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> EncoderOptions.builder().gpuMemoryFraction(Double.NaN).build());
    assertEquals("gpu_memory_fraction must be a number in (0, 1], got NaN", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> EncoderOptions.builder().numThreads(2048).build());
    assertEquals("num_threads must be an integer from 0 to 1024, got 2048", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> EncoderOptions.builder().ckptName(null).build());
    assertEquals("ckpt_name must be a name, got nothing", e.getMessage());
  }

  private static void assertError(String expected, String options) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> EncoderOptions.parse(options, DEFAULTS));
    assertTrue(e.getMessage().contains(expected), "expected '" + expected + "' in: " + e.getMessage());
  }
}
