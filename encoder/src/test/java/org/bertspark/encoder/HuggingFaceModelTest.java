package org.bertspark.encoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bertspark.encoder.HuggingFaceFiles.Tensor;
import org.bertspark.encoder.testing.Inputs;
import org.bertspark.encoder.testing.TinyModel;
import org.bertspark.encoder.tokenizer.Input;
import org.bertspark.encoder.tokenizer.InputSequence;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hugging Face model directories on the tiny model: loading, sentence-transformers defaults, bad models. */
class HuggingFaceModelTest {
  private static final List<String> TEXTS = List.of("the cat sat on the mat", "Hello, World!", "a ||| b c");

  @TempDir Path tmp;

  /** The tiny model's weights in HF names and PyTorch layout, with a vocab.txt that lower-cases. */
  private Path writeModel(Path dir, long seed) {
    Map<String, float[]> google = new LinkedHashMap<>();
    TinyModel.variables(seed).forEach(v -> google.put(v.name(), v.values()));
    HuggingFaceFiles.writeConfig(dir, TinyModel.CONFIG, "gelu");
    HuggingFaceFiles.writeSafetensors(dir.resolve("model.safetensors"),
        HuggingFaceFiles.huggingFaceTensors(google, TinyModel.CONFIG));
    HuggingFaceFiles.writeVocab(dir, TinyModel.VOCAB, true);
    return dir;
  }

  private static EncoderOptions options(Path dir, String more) {
    return EncoderOptions.parse("model_dir=" + dir + (more.isEmpty() ? "" : "," + more), EncoderOptions.defaults());
  }

  @Test
  void safetensorsGiveTheSameVectorsAsTheGoogleCheckpointOfTheSameWeights() {
    Path hf = writeModel(tmp.resolve("hf"), 3);
    Path google = TinyModel.writeCheckpoint(tmp.resolve("google"), 3);
    String same = "pooling_strategy=REDUCE_MEAN,pooling_layer=-1,max_seq_len=NONE";
    try (BertEncoder a = BertEncoder.open(options(hf, same)); BertEncoder b = BertEncoder.open(options(google, same))) {
      List<Embedding> x = a.encode(Inputs.texts(TEXTS));
      List<Embedding> y = b.encode(Inputs.texts(TEXTS));
      for (int i = 0; i < TEXTS.size(); i++) {
        assertEquals(y.get(i).tokens(), x.get(i).tokens());
        assertArrayEquals(y.get(i).vector(), x.get(i).vector(), 1e-6f, TEXTS.get(i));
      }
    }
  }

  /**
   * The Hub's own bert-base-uncased/cased safetensors keep the legacy LayerNorm names {@code gamma}/{@code beta} (and a
   * {@code bert.} prefix with the pre-training heads beside it); transformers renames them on load, and so must we.
   */
  @Test
  void legacyLayerNormNamesGammaAndBetaLoad() {
    Map<String, float[]> google = new LinkedHashMap<>();
    TinyModel.variables(3).forEach(v -> google.put(v.name(), v.values()));
    Map<String, Tensor> legacy = new LinkedHashMap<>();
    HuggingFaceFiles.huggingFaceTensors(google, TinyModel.CONFIG).forEach((name, t) -> legacy.put("bert." + (
        name.contains("LayerNorm.") ? name.replace(".weight", ".gamma").replace(".bias", ".beta") : name), t));
    legacy.put("cls.predictions.transform.LayerNorm.gamma", legacy.get("bert.embeddings.LayerNorm.gamma"));
    Path hf = tmp.resolve("legacy");
    HuggingFaceFiles.writeConfig(hf, TinyModel.CONFIG, "gelu");
    HuggingFaceFiles.writeSafetensors(hf.resolve("model.safetensors"), legacy);
    HuggingFaceFiles.writeVocab(hf, TinyModel.VOCAB, true);
    assertSameVectorsAsGoogle(hf);
  }

  /** Hub repositories ship safetensors beside ONNX exports (onnx/, several *.onnx): safetensors win, documented. */
  @Test
  void safetensorsAreChosenOverOnnxFilesBesideThem() throws IOException {
    Path hf = writeModel(tmp.resolve("both"), 3);
    Files.write(hf.resolve("model.onnx"), new byte[] {1, 2, 3});
    Files.write(hf.resolve("model_quantized.onnx"), new byte[] {4, 5, 6});
    assertSameVectorsAsGoogle(hf);
  }

  private void assertSameVectorsAsGoogle(Path hf) {
    Path google = TinyModel.writeCheckpoint(tmp.resolve("google-" + hf.getFileName()), 3);
    String same = "pooling_strategy=REDUCE_MEAN,pooling_layer=-1,max_seq_len=NONE";
    try (BertEncoder a = BertEncoder.open(options(hf, same)); BertEncoder b = BertEncoder.open(options(google, same))) {
      List<Embedding> x = a.encode(Inputs.texts(TEXTS));
      List<Embedding> y = b.encode(Inputs.texts(TEXTS));
      for (int i = 0; i < TEXTS.size(); i++) {
        assertArrayEquals(y.get(i).vector(), x.get(i).vector(), 1e-6f, TEXTS.get(i));
      }
    }
  }

  @Test
  void sentenceTransformersFilesSetDefaultsThatExplicitOptionsOverride() {
    Path hf = writeModel(tmp.resolve("st"), 3);
    HuggingFaceFiles.writeSentenceTransformers(hf, "cls", true);
    HuggingFaceFiles.write(hf.resolve("config_sentence_transformers.json"),
        "{\"prompts\": {\"query\": \"query: \", \"passage\": \"passage: \"}, \"default_prompt_name\": null}");
    try (BertEncoder encoder = BertEncoder.open(options(hf, ""))) {
      assertEquals(PoolingStrategy.CLS_TOKEN, encoder.options().poolingStrategy());
      assertEquals(List.of(-1), encoder.options().poolingLayer());
      assertTrue(encoder.options().normalize());
      for (Embedding e : encoder.encode(Inputs.texts(TEXTS))) {
        double norm = 0;
        for (float v : e.vector()) {
          norm += v * v;
        }
        assertEquals(1, Math.sqrt(norm), 1e-5);
      }
    }
    try (BertEncoder encoder = BertEncoder.open(options(hf, "pooling_strategy=REDUCE_MAX,normalize=false,"
        + "prompt=query"))) {
      assertEquals(PoolingStrategy.REDUCE_MAX, encoder.options().poolingStrategy());
      assertEquals(false, encoder.options().normalize());
      assertEquals("query: ", encoder.options().prompt(), "a prompt name stands for its text");
      try (BertEncoder plain = BertEncoder.open(options(hf, ""))) {
        assertEquals(plain.encode(Inputs.texts(List.of("query: the cat"))).get(0).tokens(),
            encoder.encode(Inputs.texts(List.of("the cat"))).get(0).tokens());
      }
    }
  }

  /** Issue 20: `prompt=` (empty) turned nothing off, so an E5-style model's passages got its default query prompt. */
  @Test
  void anEmptyPromptTurnsTheModelsDefaultPromptOff() {
    Path hf = writeModel(tmp.resolve("e5"), 3);
    HuggingFaceFiles.write(hf.resolve("config_sentence_transformers.json"),
        "{\"prompts\": {\"query\": \"query: \", \"passage\": \"passage: \"}, \"default_prompt_name\": \"query\"}");
    List<String> byDefault = TokenizerCache.get(options(hf, "")).tokens(Input.text("the cat"));
    List<String> none = TokenizerCache.get(options(hf, "prompt=")).tokens(Input.text("the cat"));
    List<String> passage = TokenizerCache.get(options(hf, "prompt=passage")).tokens(Input.text("the cat"));
    assertEquals(TokenizerCache.get(options(hf, "prompt=")).tokens(Input.text("query: the cat")), byDefault);
    assertEquals(TokenizerCache.get(options(hf, "prompt=")).tokens(Input.text("passage: the cat")), passage);
    assertEquals(List.of("[CLS]", "the", "cat", "[SEP]"), none);
    ResolvedOptions off = BertEncoder.check(options(hf, "prompt="));
    assertEquals("", off.options().prompt());
    assertEquals(ResolvedOptions.Source.USER, off.source(EncoderOption.PROMPT));
    ResolvedOptions model = BertEncoder.check(options(hf, ""));
    assertEquals("query: ", model.options().prompt());
    assertEquals(ResolvedOptions.Source.MODEL, model.source(EncoderOption.PROMPT));
  }

  @Test
  void resolvedOptionsSayWhereEachValueCameFrom() {
    Path hf = writeModel(tmp.resolve("sources"), 3);
    HuggingFaceFiles.writeSentenceTransformers(hf, "mean", true);
    ResolvedOptions r = BertEncoder.check(options(hf, "max_seq_len=NONE,cpu=true,pooling_layer=-1"));
    assertEquals(PoolingStrategy.REDUCE_MEAN, r.options().poolingStrategy());
    assertEquals(ResolvedOptions.Source.MODEL, r.source(EncoderOption.POOLING_STRATEGY));
    assertEquals(ResolvedOptions.Source.USER, r.source(EncoderOption.POOLING_LAYER));
    assertEquals(ResolvedOptions.Source.MODEL, r.source(EncoderOption.NORMALIZE));
    assertEquals(ResolvedOptions.Source.MODEL, r.source(EncoderOption.MAX_SEQ_LEN));
    assertEquals(ResolvedOptions.Source.USER, r.source(EncoderOption.CPU));
    assertEquals(ResolvedOptions.Source.DEFAULT, r.source(EncoderOption.MAX_BATCH_SIZE));
    assertEquals(ResolvedOptions.Source.DEFAULT, r.source(EncoderOption.PROMPT));
    assertEquals(Math.min(InputSequence.MAX_LENGTH, TinyModel.CONFIG.maxPositionEmbeddings()),
        r.options().maxSeqLen());
    assertEquals(TinyModel.CONFIG.hiddenSize(), r.width());
    assertEquals("model", r.sourcesByName().get("normalize"));
  }

  @Test
  void unsupportedArchitectureIsNamed() {
    Path hf = writeModel(tmp.resolve("roberta"), 3);
    HuggingFaceFiles.write(hf.resolve("config.json"), "{\"model_type\": \"roberta\", \"hidden_size\": 32}");
    assertEquals("model " + hf + " has model_type 'roberta' in config.json; supported: bert (BERT-architecture "
        + "models such as all-MiniLM, BGE, E5, GTE, LaBSE), xlm-roberta (multilingual-e5-base/large, bge-m3, "
        + "paraphrase-multilingual-mpnet)", checkError(hf));
  }

  @Test
  void missingOrMisshapedTensorsNameTheTensorTheFileAndBothShapes() {
    Path hf = tmp.resolve("bad");
    writeModel(hf, 3);
    Map<String, float[]> google = new LinkedHashMap<>();
    TinyModel.variables(3).forEach(v -> google.put(v.name(), v.values()));
    Map<String, Tensor> tensors = HuggingFaceFiles.huggingFaceTensors(google, TinyModel.CONFIG);
    tensors.remove("encoder.layer.1.output.dense.bias");
    HuggingFaceFiles.writeSafetensors(hf.resolve("model.safetensors"), tensors);
    assertEquals("safetensors file " + hf.resolve("model.safetensors") + " does not match the BERT config: tensor "
        + "'encoder.layer.1.output.dense.bias' should have shape [32] but is missing", checkError(hf));

    tensors = HuggingFaceFiles.huggingFaceTensors(google, TinyModel.CONFIG);
    tensors.put("encoder.layer.0.intermediate.dense.weight", new Tensor(new long[] {32, 64}, new float[32 * 64]));
    HuggingFaceFiles.writeSafetensors(hf.resolve("model.safetensors"), tensors);
    assertEquals("safetensors file " + hf.resolve("model.safetensors") + " does not match the BERT config: tensor "
        + "'encoder.layer.0.intermediate.dense.weight' should have shape [64, 32] but has shape [32, 64]",
        checkError(hf));
  }

  @Test
  void corruptOrOversizedSafetensorsHeadersFailWithoutAllocating() throws IOException {
    Path hf = writeModel(tmp.resolve("corrupt"), 3);
    Path file = hf.resolve("model.safetensors");
    byte[] huge = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 50).array();
    Files.write(file, huge);
    assertEquals("safetensors file " + file + " declares a header of " + (1L << 50) + " bytes, but the file has 8 "
        + "bytes after the length and headers are at most 104857600", checkError(hf));

    byte[] json = "{\"a\": not json}".getBytes();
    Files.write(file, ByteBuffer.allocate(8 + json.length).order(ByteOrder.LITTLE_ENDIAN).putLong(json.length)
        .put(json).array());
    assertEquals("safetensors file " + file + " has a header that is not JSON", checkError(hf));

    json = ("{\"embeddings.word_embeddings.weight\": {\"dtype\": \"F32\", \"shape\": [4611686018427387904, 8], "
        + "\"data_offsets\": [0, 16]}}").getBytes();
    Files.write(file, ByteBuffer.allocate(8 + json.length + 16).order(ByteOrder.LITTLE_ENDIAN)
        .putLong(json.length).put(json).array());
    assertTrue(checkError(hf).startsWith("safetensors file " + file + " tensor 'embeddings.word_embeddings.weight' "
        + "has a shape [4611686018427387904,8] too large"), checkError(hf));

    json = ("{\"embeddings.word_embeddings.weight\": {\"dtype\": \"F32\", \"shape\": [2, 2], "
        + "\"data_offsets\": [0, 1600]}}").getBytes();
    Files.write(file, ByteBuffer.allocate(8 + json.length + 16).order(ByteOrder.LITTLE_ENDIAN)
        .putLong(json.length).put(json).array());
    assertEquals("safetensors file " + file + " tensor 'embeddings.word_embeddings.weight' has data_offsets "
        + "[0,1600] outside the 16 bytes of data", checkError(hf));
  }

  @Test
  void pytorchBinAloneSaysHowToSaveSafetensors() throws IOException {
    Path hf = writeModel(tmp.resolve("bin"), 3);
    Files.move(hf.resolve("model.safetensors"), hf.resolve("pytorch_model.bin"));
    String message = checkError(hf);
    assertTrue(message.startsWith("model " + hf + " has only pytorch_model.bin"), message);
    assertTrue(message.contains("save_pretrained(\"" + hf + "\", safe_serialization=True)"), message);
  }

  @Test
  void bpeTokenizersAreRefused() {
    Path hf = writeModel(tmp.resolve("bpe"), 3);
    HuggingFaceFiles.write(hf.resolve("tokenizer.json"), "{\"model\": {\"type\": \"BPE\", \"vocab\": {}}, "
        + "\"normalizer\": null, \"pre_tokenizer\": {\"type\": \"ByteLevel\"}}");
    assertEquals("tokenizer " + hf.resolve("tokenizer.json") + " has a model of type 'BPE'; supported: WordPiece, "
        + "Unigram", checkError(hf));
  }

  @Test
  void corruptOnnxFilesNameTheFile() throws IOException {
    Path dir = tmp.resolve("onnx");
    HuggingFaceFiles.writeVocab(dir, TinyModel.VOCAB, true);
    Path onnx = dir.resolve("model.onnx");
    // field 7 (the graph), length-delimited, declaring 2^31 - 1 bytes in a 10-byte file
    Files.write(onnx, new byte[] {0x3a, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x07, 1, 2, 3, 4});
    String message = checkError(dir);
    assertTrue(message.startsWith("ONNX file " + onnx + " is not a readable ONNX model"), message);
    Files.write(onnx, new byte[] {0x08, 0x07});
    assertEquals("ONNX file " + onnx + " has no graph", checkError(dir));
  }

  private static String checkError(Path dir) {
    return assertThrows(IllegalArgumentException.class, () -> BertEncoder.check(options(dir, ""))).getMessage();
  }
}
