package org.bertspark.encoder.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.bertspark.encoder.model.BertConfig;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.SavedModel;

/**
 * A tiny random BERT (hidden 32, 3 layers, 4 heads) in Google's layouts, written by TensorFlow itself (a SaveV2 op
 * run in a session) so that the files are TF's own format, not our reading of it. Same seed, same weights.
 */
public final class TinyModel {

  /** [PAD] [unused0] [UNK] [CLS] [SEP] [MASK], then characters, common words and word-piece suffixes. */
  public static final List<String> VOCAB = vocabulary();

  public static final BertConfig CONFIG = new BertConfig(VOCAB.size(), 32, 3, 4, 64, "gelu", 128, 2);

  /** One float32 variable: Google's name (no prefix), shape, row-major values. */
  public record Variable(String name, long[] shape, float[] values) {}

  private TinyModel() {}

  /**
   * The model's float32 variables, generated from {@code seed}: weights ~N(0, 0.02), LayerNorm gamma ≈ 1. Includes
   * the pooler, which Google's checkpoints carry and the encoder does not use.
   */
  public static List<Variable> variables(long seed) {
    return variables(CONFIG, seed);
  }

  /** The float32 variables of a model of another config. */
  public static List<Variable> variables(BertConfig config, long seed) {
    Random random = new Random(seed);
    int h = config.hiddenSize();
    int i = config.intermediateSize();
    List<Variable> out = new ArrayList<>();
    out.add(weights(random, "bert/embeddings/word_embeddings", config.vocabSize(), h));
    out.add(weights(random, "bert/embeddings/token_type_embeddings", config.typeVocabSize(), h));
    out.add(weights(random, "bert/embeddings/position_embeddings", config.maxPositionEmbeddings(), h));
    layerNorm(random, "bert/embeddings/LayerNorm", h, out);
    for (int layer = 0; layer < config.numHiddenLayers(); layer++) {
      String p = "bert/encoder/layer_" + layer + "/";
      dense(random, p + "attention/self/query", h, h, out);
      dense(random, p + "attention/self/key", h, h, out);
      dense(random, p + "attention/self/value", h, h, out);
      dense(random, p + "attention/output/dense", h, h, out);
      layerNorm(random, p + "attention/output/LayerNorm", h, out);
      dense(random, p + "intermediate/dense", h, i, out);
      dense(random, p + "output/dense", i, h, out);
      layerNorm(random, p + "output/LayerNorm", h, out);
    }
    dense(random, "bert/pooler/dense", h, h, out);
    return out;
  }

  /**
   * Writes a Google BERT checkpoint directory: bert_config.json, vocab.txt, bert_model.ckpt.{index,data-*} (with a
   * global_step as Google's have). Returns {@code dir}, to be used as model_dir.
   */
  public static Path writeCheckpoint(Path dir, long seed) {
    return writeCheckpoint(dir, CONFIG, seed);
  }

  /** A checkpoint directory of another config (its vocab_size must be VOCAB's). */
  public static Path writeCheckpoint(Path dir, BertConfig config, long seed) {
    writeConfigAndVocabulary(dir, config, null);
    save(dir.resolve("bert_model.ckpt"), "", variables(config, seed));
    return dir;
  }

  /**
   * Writes a Google BERT directory whose checkpoint cannot be read (its index is not one, its data shard missing)
   * beside a good config and vocabulary: whatever works on it never loads a weight. Returns {@code dir}.
   */
  public static Path writeUnreadableCheckpoint(Path dir) {
    writeConfigAndVocabulary(dir, CONFIG, new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
    return dir;
  }

  /** bert_config.json and vocab.txt, and bert_model.ckpt.index when {@code index} is not null. */
  private static void writeConfigAndVocabulary(Path dir, BertConfig config, byte[] index) {
    try {
      Files.createDirectories(dir);
      Files.writeString(dir.resolve("bert_config.json"), configJson(config));
      Files.write(dir.resolve("vocab.txt"), VOCAB);
      if (index != null) {
        Files.write(dir.resolve("bert_model.ckpt.index"), index);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Writes a TF SavedModel directory as TF Hub's BERT modules are: variables named {@code module/bert/...} in
   * variables/variables.*, assets/vocab.txt, and no bert_config.json (so the config is inferred: 1 head of 32, not
   * 4, because the head count is not stored in the weights). saved_model.pb is a real SavedModel proto with an empty
   * graph: the encoder builds its own graph and never reads it. Returns {@code dir}, to be used as model_dir.
   */
  public static Path writeSavedModel(Path dir, long seed) {
    try {
      Files.createDirectories(dir.resolve("variables"));
      Files.createDirectories(dir.resolve("assets"));
      Files.write(dir.resolve("assets/vocab.txt"), VOCAB);
      SavedModel model = SavedModel.newBuilder()
          .setSavedModelSchemaVersion(1)
          .addMetaGraphs(MetaGraphDef.newBuilder()
              .setMetaInfoDef(MetaGraphDef.MetaInfoDef.newBuilder().addTags("serve"))
              .setGraphDef(GraphDef.getDefaultInstance()))
          .build();
      Files.write(dir.resolve("saved_model.pb"), model.toByteArray());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    save(dir.resolve("variables/variables"), "module/", variables(seed));
    return dir;
  }

  private static void save(Path prefix, String namePrefix, List<Variable> variables) {
    try (Graph graph = new Graph(); Session session = new Session(graph)) {
      Ops tf = Ops.create(graph);
      List<String> names = new ArrayList<>();
      List<Operand<?>> tensors = new ArrayList<>();
      for (Variable v : variables) {
        names.add(namePrefix + v.name());
        tensors.add(tf.constant(Shape.of(v.shape()), DataBuffers.of(v.values())));
      }
      names.add(namePrefix + "global_step");
      tensors.add(tf.constant(1000L));
      String[] slices = new String[names.size()];
      Arrays.fill(slices, ""); // whole tensors, not partitions
      session.run(tf.train.save(tf.constant(prefix.toString()),
          tf.constant(StandardCharsets.UTF_8, names.toArray(String[]::new)),
          tf.constant(StandardCharsets.UTF_8, slices), tensors));
    }
  }

  private static Variable weights(Random random, String name, long... shape) {
    float[] values = new float[(int) Arrays.stream(shape).reduce(1, (a, b) -> a * b)];
    for (int k = 0; k < values.length; k++) {
      values[k] = (float) (random.nextGaussian() * 0.02);
    }
    return new Variable(name, shape, values);
  }

  private static void dense(Random random, String name, int in, int out, List<Variable> into) {
    into.add(weights(random, name + "/kernel", in, out));
    into.add(weights(random, name + "/bias", out));
  }

  private static void layerNorm(Random random, String name, int size, List<Variable> into) {
    Variable gamma = weights(random, name + "/gamma", size);
    for (int k = 0; k < size; k++) {
      gamma.values()[k] += 1f;
    }
    into.add(gamma);
    into.add(weights(random, name + "/beta", size));
  }

  private static String configJson(BertConfig config) {
    return "{\n"
        + "  \"attention_probs_dropout_prob\": 0.1,\n"
        + "  \"hidden_act\": \"" + config.hiddenAct() + "\",\n"
        + "  \"hidden_dropout_prob\": 0.1,\n"
        + "  \"hidden_size\": " + config.hiddenSize() + ",\n"
        + "  \"initializer_range\": 0.02,\n"
        + "  \"intermediate_size\": " + config.intermediateSize() + ",\n"
        + "  \"max_position_embeddings\": " + config.maxPositionEmbeddings() + ",\n"
        + "  \"num_attention_heads\": " + config.numAttentionHeads() + ",\n"
        + "  \"num_hidden_layers\": " + config.numHiddenLayers() + ",\n"
        + "  \"type_vocab_size\": " + config.typeVocabSize() + ",\n"
        + "  \"vocab_size\": " + config.vocabSize() + "\n"
        + "}\n";
  }

  private static List<String> vocabulary() {
    List<String> vocab = new ArrayList<>(List.of("[PAD]", "[unused0]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"));
    for (char c = 'a'; c <= 'z'; c++) {
      vocab.add(String.valueOf(c));
    }
    for (char c = '0'; c <= '9'; c++) {
      vocab.add(String.valueOf(c));
    }
    for (char c : "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~".toCharArray()) {
      vocab.add(String.valueOf(c));
    }
    vocab.addAll(List.of(
        "the", "of", "and", "to", "in", "is", "that", "for", "it", "as", "was", "with", "be", "by", "on", "not",
        "he", "this", "are", "or", "his", "from", "at", "which", "but", "have", "an", "had", "they", "you",
        "were", "their", "one", "all", "we", "can", "her", "has", "there", "been", "if", "more", "when", "will",
        "would", "who", "so", "no", "she", "other", "its", "may", "these", "what", "them", "than", "some", "him",
        "time", "into", "only", "do", "could", "new", "about", "two", "first", "then", "also", "after", "any", "like",
        "should", "people", "well", "how", "our", "out", "up", "my", "many", "made", "over", "such", "me", "very",
        "good", "day", "year", "way", "man", "world", "life", "work", "hello", "cat", "dog", "sat", "mat",
        "house", "car", "city", "water", "tree", "book", "music", "food", "friend", "love", "happy", "sad", "big",
        "small", "old", "young", "run", "walk", "play", "read", "write", "speak", "think", "know", "see", "look",
        "come", "go", "get", "make", "take", "give", "find", "tell", "ask", "use", "feel", "try", "leave", "call",
        "spark", "data", "model", "text", "word", "sentence", "machine", "learning", "language", "computer"));
    vocab.addAll(List.of("##s", "##ing", "##ed", "##er", "##ly", "##es", "##est", "##ness", "##ment", "##tion",
        "##able", "##ful", "##less", "##a", "##e", "##i", "##o", "##u", "##y", "##n", "##t", "##r"));
    return List.copyOf(vocab);
  }
}
