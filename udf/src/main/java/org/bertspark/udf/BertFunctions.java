package org.bertspark.udf;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.QueryContext;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.ExperimentalMethods;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.ExpressionInfo;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.catalyst.rules.Rule;
import org.apache.spark.sql.execution.SparkStrategy;
import org.apache.spark.sql.internal.SQLConf;
import org.apache.spark.sql.types.StringType;
import org.bertspark.encoder.EncoderOption;
import org.bertspark.encoder.EncoderOptions;
import org.bertspark.encoder.LongText;
import scala.Option;

/**
 * The SQL functions {@code bert_encode}, {@code bert_tokenize}, {@code bert_chunks} and {@code bert_cosine}: their documentation, argument
 * checks and option resolution. {@link BertExtensions} installs them through {@code spark.sql.extensions};
 * {@link #register} installs them in a running session.
 */
public final class BertFunctions {
  static final String ENCODE = "bert_encode";
  static final String TOKENIZE = "bert_tokenize";
  static final String COSINE = "bert_cosine";
  static final String CHUNKS = "bert_chunks";
  /** Spark conf prefix of the session defaults: spark.bert.model_dir, spark.bert.pooling_strategy, … */
  public static final String CONF_PREFIX = "spark.bert.";

  private static final String SINCE = "0.1.0";
  private static final String SOURCE = "java_udf";

  private BertFunctions() {}

  /** Registers the functions and the batched execution of {@code bert_encode} in this session. */
  public static void register(SparkSession spark) {
    SqlFunctions.register(spark.sessionState().functionRegistry());
    ExperimentalMethods experimental = spark.experimental();
    if (experimental.extraOptimizations().forall(rule -> !(rule instanceof ExtractBertEncode))) {
      List<Rule<LogicalPlan>> rules = new ArrayList<>(Scala.list(experimental.extraOptimizations()));
      rules.add(new ExtractBertEncode());
      experimental.extraOptimizations_$eq(Scala.seq(rules));
      List<SparkStrategy> strategies = new ArrayList<>(Scala.list(experimental.extraStrategies()));
      strategies.add(new BatchBertEncodeStrategy());
      experimental.extraStrategies_$eq(Scala.seq(strategies));
    }
  }

  /** Each function's name and documentation; {@link SqlFunctions} registers them, built by {@link #build}. */
  static List<ExpressionInfo> functions() {
    return List.of(
        function(ENCODE, BertEncode.class, "misc_funcs",
            "_FUNC_(text[, options]) - The BERT sentence vector of `text`, as an array of floats.\n"
                + "    _FUNC_(text_a, text_b, options) - The vector of the sentence pair (text_a, text_b).",
            "\n    Arguments:\n"
                + "      * text, text_a, text_b - strings. Null, empty or blank text gives null; text_b null encodes\n"
                + "          text_a alone. A text 'a ||| b' is the pair (a, b), as in bert-as-service. Or arrays of\n"
                + "          words (bert-as-service's is_tokenized): each word is split into word pieces, never at\n"
                + "          spaces or punctuation; a word '|||' starts text_b.\n"
                + "      * options - a constant string of bert-as-service options overriding the spark.bert.* conf,\n"
                + "          e.g. 'pooling_strategy=CLS_TOKEN,pooling_layer=-4,-3,-2,-1,max_seq_len=64'.\n"
                + "          With pooling_strategy=NONE the result is one vector per token: array<array<float>>.\n"
                + "          Each option's value comes from the call, else spark.bert.*, else as below:\n"
                + defaults(),
            "\n    Examples:\n"
                + "      > SELECT size(_FUNC_('hello world'));\n"
                + "       768\n"
                + "      > SELECT size(_FUNC_('hello world', 'pooling_strategy=REDUCE_MEAN_MAX'));\n"
                + "       1536\n"
                + "      > SELECT size(_FUNC_('how old are you?', 'what is your age?', ''));\n"
                + "       768\n"
                + "      > SELECT size(_FUNC_(array('New', 'York', 'is', 'big')));\n"
                + "       768\n"),
        function(TOKENIZE, BertTokenize.class, "string_funcs",
            "_FUNC_(text[, options]) - The word pieces BERT is fed for `text`, [CLS] and [SEP] included.",
            "\n    Arguments:\n"
                + "      * text - a string, or an array of words as for bert_encode; null gives null.\n"
                + "      * options - a constant options string as for bert_encode (max_seq_len and\n"
                + "          cased_tokenization matter here).\n",
            "\n    Examples:\n"
                + "      > SELECT _FUNC_('Hello, unaffable world!');\n"
                + "       [\"[CLS]\",\"hello\",\",\",\"una\",\"##ffa\",\"##ble\",\"world\",\"!\",\"[SEP]\"]\n"),
        function(CHUNKS, BertChunks.class, "string_funcs",
            "_FUNC_(text[, options]) - The windows long_text=chunks cuts `text` into: an array of structs (index,\n"
                + "    start, end, text), each window at most max_seq_len - 2 word pieces, overlapping the one before\n"
                + "    by chunk_stride, with its character offsets into `text` and its text.",
            "\n    Arguments:\n"
                + "      * text - a string, or an array of words as for bert_encode (then start and end are word\n"
                + "          indices and each window's text is its words); null gives null, blank text no window.\n"
                + "      * options - a constant options string as for bert_encode (max_seq_len, chunk_stride,\n"
                + "          prompt and cased_tokenization matter here).\n",
            "\n    Examples:\n"
                + "      > SELECT id, c.index, c.start, c.end, bert_encode(c.text) FROM docs\n"
                + "          LATERAL VIEW inline(_FUNC_(body, 'max_seq_len=128')) c;\n"),
        function(COSINE, BertCosine.class, "math_funcs",
            "_FUNC_(vec_a, vec_b) - The cosine similarity of two vectors of equal length, as a double.",
            "\n    Arguments:\n"
                + "      * vec_a, vec_b - arrays of floats or doubles; null, or all zeros, gives null.\n",
            "\n    Examples:\n"
                + "      > SELECT _FUNC_(array(1.0, 0.0), array(1.0, 1.0));\n"
                + "       0.7071067811865475\n"
                + "      > SELECT id FROM docs ORDER BY _FUNC_(embedding, bert_encode('query')) DESC LIMIT 10;\n"));
  }

  /** Each option's default, "the model's" where the model's files decide, one line each (DESCRIBE FUNCTION). */
  private static String defaults() {
    StringBuilder out = new StringBuilder();
    for (EncoderOption<?> option : EncoderOption.all()) {
      out.append("            ").append(option.key()).append(": ").append(option.defaultText().replace("`", ""))
          .append('\n');
    }
    return out.toString();
  }

  private static ExpressionInfo function(
      String name, Class<? extends Expression> type, String group, String usage, String arguments, String examples) {
    return new ExpressionInfo(type.getName(), null, name, usage, arguments, examples, "", group, SINCE, "", SOURCE);
  }

  static Expression build(String name, List<Expression> args) {
    int n = args.size();
    switch (name) {
      case ENCODE -> {
        if (n < 1 || n > 3) {
          throw analysisError(ENCODE + " takes (text), (text, options) or (text_a, text_b, options); got "
              + n + " arguments");
        }
        String optionsText = n == 1 ? null : constantOptions(ENCODE, args.get(n - 1));
        List<Expression> texts = args.subList(0, n == 3 ? 2 : 1);
        EncoderOptions options = resolveOptions(ENCODE, optionsText);
        if (options.longText() == LongText.CHUNKS) {
          throw analysisError(ENCODE + ": long_text=chunks gives many vectors per text; encode the windows of "
              + CHUNKS + " instead: SELECT bert_encode(c.text) FROM t LATERAL VIEW inline(" + CHUNKS + "(text)) c");
        }
        if (options.longText() != LongText.TRUNCATE && n == 3) {
          throw analysisError(ENCODE + ": long_text=mean takes single texts, not (text_a, text_b) pairs");
        }
        return new BertEncode(Scala.seq(texts), optionsText, options, scala.collection.immutable.Map$.MODULE$.empty());
      }
      case TOKENIZE -> {
        if (n < 1 || n > 2) {
          throw analysisError(TOKENIZE + " takes (text) or (text, options); got " + n + " arguments");
        }
        String optionsText = n == 1 ? null : constantOptions(TOKENIZE, args.get(1));
        return new BertTokenize(args.get(0), optionsText, resolveOptions(TOKENIZE, optionsText));
      }
      case CHUNKS -> {
        if (n < 1 || n > 2) {
          throw analysisError(CHUNKS + " takes (text) or (text, options); got " + n + " arguments");
        }
        String optionsText = n == 1 ? null : constantOptions(CHUNKS, args.get(1));
        return new BertChunks(args.get(0), optionsText, resolveOptions(CHUNKS, optionsText));
      }
      case COSINE -> {
        if (n != 2) {
          throw analysisError(COSINE + " takes (vec_a, vec_b); got " + n + " arguments");
        }
        return new BertCosine(args.get(0), args.get(1));
      }
      default -> throw new IllegalArgumentException(name);
    }
  }

  private static String constantOptions(String function, Expression arg) {
    if (!arg.foldable() || !(arg.dataType() instanceof StringType)) {
      throw analysisError(function + ": the options argument must be a constant string such as "
          + "'pooling_strategy=CLS_TOKEN', got " + arg.sql());
    }
    Object value = arg.eval(null);
    return value == null ? "" : value.toString();
  }

  /** The session's spark.bert.* defaults with the call's options on top. */
  static EncoderOptions resolveOptions(String function, String optionsText) {
    EncoderOptions defaults;
    try {
      defaults = EncoderOptions.parse(confDefaults(sessionConf()));
    } catch (IllegalArgumentException e) {
      throw analysisError("Spark conf " + CONF_PREFIX + "*: " + e.getMessage());
    }
    if (optionsText == null) {
      return defaults;
    }
    try {
      return EncoderOptions.parse(optionsText, defaults);
    } catch (IllegalArgumentException e) {
      throw analysisError(function + " options '" + optionsText + "': " + e.getMessage());
    }
  }

  /**
   * The active session's own conf. SQLConf.get() will not do: while Spark analyses a temporary view's text (CACHE TABLE
   * ... AS SELECT is one) it holds only the SQL confs the view captured, never spark.bert.*, so the view's bert_encode
   * would quietly fall back to the default model.
   */
  private static SQLConf sessionConf() {
    Option<SparkSession> active = SparkSession.getActiveSession();
    return active.isDefined() ? active.get().sessionState().conf() : SQLConf.get();
  }

  /**
   * The encoder options among spark.bert.* keys. Other spark.bert.* keys (spark.bert.encoder_cache_size) are read
   * elsewhere and are not ours to reject.
   */
  static Map<String, String> confDefaults(SQLConf conf) {
    Map<String, String> values = new LinkedHashMap<>();
    for (EncoderOption<?> option : EncoderOption.all()) {
      String value = conf.getConfString(CONF_PREFIX + option.key(), null);
      if (value != null) {
        values.put(option.key(), value);
      }
    }
    return values;
  }

  /**
   * Throws an AnalysisException, the error Spark reports for a bad query. Java sees it as checked; the analyzer,
   * Scala, calls our builders expecting anything, so it is thrown unchecked. Returns nothing; typed for
   * {@code throw analysisError(...)}.
   */
  static RuntimeException analysisError(String message) {
    throw BertFunctions.<RuntimeException>sneakyThrow(new AnalysisException(message, Option.empty(), Option.empty(),
        Option.empty(), Option.empty(), scala.collection.immutable.Map$.MODULE$.<String, String>empty(),
        new QueryContext[0]));
  }

  @SuppressWarnings("unchecked")
  private static <E extends Throwable> E sneakyThrow(Throwable t) throws E {
    throw (E) t;
  }
}
