package org.bertspark.encoder.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bertspark.encoder.PoolingStrategy;
import org.bertspark.encoder.tokenizer.InputSequence;

/**
 * The option defaults a model's own files set, from sentence-transformers' conventions: {@code modules.json} with its
 * Pooling module ({@code 1_Pooling/config.json}: pooling_strategy, on the last layer) and Normalize module
 * (normalize), {@code sentence_bert_config.json} (max_seq_length) and {@code config_sentence_transformers.json}
 * (named prompts, the default one). Null where the model says nothing.
 */
public record ModelDefaults(PoolingStrategy pooling, List<Integer> poolingLayer, Boolean normalize, Integer maxSeqLen,
    Map<String, String> prompts, String defaultPrompt) {
  /** A model that sets nothing (Google's checkpoints). */
  public static final ModelDefaults NONE = new ModelDefaults(null, null, null, null, Map.of(), null);
  /** What applies where neither the user nor the model sets an option: bert-as-service's defaults. */
  public static final ModelDefaults BERT_AS_SERVICE = new ModelDefaults(PoolingStrategy.REDUCE_MEAN, List.of(-2), false,
      null, Map.of(), null);

  private static final String MODULE = "sentence_transformers.models.";

  static ModelDefaults read(Path dir) {
    Path modules = dir.resolve("modules.json");
    PoolingStrategy pooling = null;
    Boolean normalize = null;
    if (Files.isRegularFile(modules)) {
      JsonNode list = TokenizerFiles.read(modules, true);
      normalize = false;
      List<String> unsupported = new ArrayList<>();
      for (JsonNode module : list) {
        String type = module.path("type").asText("");
        switch (type) {
          case MODULE + "Transformer" -> { }
          case MODULE + "Pooling" -> pooling = pooling(inside(dir, module.path("path").asText("")));
          case MODULE + "Normalize" -> normalize = true;
          default -> unsupported.add(BertConfig.shown(type));
        }
      }
      if (!unsupported.isEmpty()) {
        throw new IllegalArgumentException("model " + dir + ": modules.json lists " + String.join(", ", unsupported)
            + "; supported sentence-transformers modules: Transformer, Pooling, Normalize");
      }
    }
    Integer maxSeqLen = null;
    Path sentenceBert = dir.resolve("sentence_bert_config.json");
    if (Files.isRegularFile(sentenceBert)) {
      JsonNode length = TokenizerFiles.read(sentenceBert, false).path("max_seq_length");
      maxSeqLen = length.canConvertToInt() && length.intValue() >= InputSequence.MIN_LENGTH ? length.intValue() : null;
    }
    Map<String, String> prompts = new LinkedHashMap<>();
    String defaultPrompt = null;
    Path st = dir.resolve("config_sentence_transformers.json");
    if (Files.isRegularFile(st)) {
      JsonNode root = TokenizerFiles.read(st, false);
      for (Iterator<Map.Entry<String, JsonNode>> it = root.path("prompts").fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        prompts.put(e.getKey(), e.getValue().asText(""));
      }
      String name = root.path("default_prompt_name").asText(null);
      defaultPrompt = name == null ? null : prompts.get(name);
    }
    // sentence-transformers pools the Transformer module's output: the last layer
    return new ModelDefaults(pooling, pooling == null ? null : List.of(-1), normalize, maxSeqLen,
        Map.copyOf(prompts), defaultPrompt);
  }

  /** The Pooling module's config.json, which must lie inside the model directory. */
  private static Path inside(Path dir, String module) {
    Path config = dir.resolve(module).resolve("config.json").normalize();
    if (!config.startsWith(dir.normalize())) {
      throw new IllegalArgumentException("model " + dir + ": modules.json points the Pooling module outside the "
          + "model directory");
    }
    return config;
  }

  /**
   * cls → CLS_TOKEN, mean → REDUCE_MEAN, max → REDUCE_MAX, lasttoken → LAST_TOKEN. Mean with max is not
   * REDUCE_MEAN_MAX: sentence-transformers puts max first.
   */
  private static PoolingStrategy pooling(Path config) {
    JsonNode root = TokenizerFiles.read(config, false);
    List<String> modes = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (e.getKey().startsWith("pooling_mode_") && e.getValue().asBoolean(false)) {
        modes.add(e.getKey().substring("pooling_mode_".length()));
      }
    }
    return switch (String.join("+", modes)) {
      case "cls_token" -> PoolingStrategy.CLS_TOKEN;
      case "mean_tokens" -> PoolingStrategy.REDUCE_MEAN;
      case "max_tokens" -> PoolingStrategy.REDUCE_MAX;
      case "lasttoken" -> PoolingStrategy.LAST_TOKEN;
      default -> throw new IllegalArgumentException("pooling config " + config + " sets "
          + modes.stream().map(BertConfig::shown).toList()
          + "; supported: one of cls_token, mean_tokens, max_tokens, lasttoken");
    };
  }
}
