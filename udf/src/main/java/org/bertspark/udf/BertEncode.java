package org.bertspark.udf;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.analysis.TypeCheckResult;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.ImplicitCastInputTypes;
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
import org.apache.spark.sql.catalyst.expressions.codegen.CodegenContext;
import org.apache.spark.sql.catalyst.expressions.codegen.CodegenFallback;
import org.apache.spark.sql.catalyst.expressions.codegen.ExprCode;
import org.apache.spark.sql.catalyst.util.GenericArrayData;
import org.apache.spark.sql.types.AbstractDataType;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.bertspark.encoder.BertEncoder;
import org.bertspark.encoder.EncoderCache;
import org.bertspark.encoder.EncoderOptions;
import org.bertspark.encoder.Embedding;
import org.bertspark.encoder.PoolingStrategy;
import scala.collection.IndexedSeq;
import scala.collection.Seq;

/**
 * {@code bert_encode(text[, options])} and {@code bert_encode(text_a, text_b, options)}: the BERT vector of a text or
 * a sentence pair, from this JVM's cached encoder; array&lt;string&gt; texts are pre-tokenized words
 * ({@link BertEncoder#encodeWords}, bert-as-service's is_tokenized). Options are resolved once, at analysis (Spark
 * conf defaults plus the constant options string), so executors need no session conf.
 *
 * <p>{@link #eval} encodes one row; {@link BatchBertEncodeExec} calls {@link #encodeBatch} with many, the same code.
 */
public final class BertEncode extends Expression implements CodegenFallback, ImplicitCastInputTypes, Serializable {
  private static final long serialVersionUID = 1L;
  private final Seq<Expression> texts;
  /** The options argument as written; null when the call had none. */
  private final String optionsText;
  private final EncoderOptions options;

  public BertEncode(Seq<Expression> texts, String optionsText, EncoderOptions options) {
    this.texts = texts;
    this.optionsText = optionsText;
    this.options = options;
  }

  EncoderOptions options() {
    return options;
  }

  /** Encodes the rows' texts in one encoder call; results (Catalyst arrays or null) in row order. */
  List<Object> encodeBatch(List<InternalRow> rows) {
    BertEncoder encoder = EncoderCache.get(options);
    List<Embedding> embeddings;
    if (PreTokenized.is(texts.apply(0).dataType())) {
      List<List<String>> first = PreTokenized.words(texts.apply(0), rows);
      embeddings = texts.size() == 2 ? encoder.encodeWordPairs(first, PreTokenized.words(texts.apply(1), rows))
          : encoder.encodeWords(first);
    } else {
      List<String> first = textsOf(texts.apply(0), rows);
      embeddings = texts.size() == 2 ? encoder.encodePairs(first, textsOf(texts.apply(1), rows))
          : encoder.encode(first);
    }
    List<Object> out = new ArrayList<>(embeddings.size());
    for (Embedding e : embeddings) {
      out.add(toCatalyst(e));
    }
    return out;
  }

  private static List<String> textsOf(Expression text, List<InternalRow> rows) {
    List<String> out = new ArrayList<>(rows.size());
    for (InternalRow row : rows) {
      Object value = text.eval(row);
      out.add(value == null ? null : value.toString());
    }
    return out;
  }

  private Object toCatalyst(Embedding e) {
    if (e == null) {
      return null;
    }
    if (options.poolingStrategy() != PoolingStrategy.NONE) {
      return UnsafeArrayData.fromPrimitiveArray(e.vector());
    }
    Object[] tokens = new Object[e.tokenVectors().length];
    for (int i = 0; i < tokens.length; i++) {
      tokens[i] = UnsafeArrayData.fromPrimitiveArray(e.tokenVectors()[i]);
    }
    return new GenericArrayData(tokens);
  }

  @Override
  public Object eval(InternalRow row) {
    return encodeBatch(Collections.singletonList(row)).get(0);
  }

  @Override
  public DataType dataType() {
    ArrayType vector = DataTypes.createArrayType(DataTypes.FloatType, false);
    // NONE keeps one vector per token, as the job does.
    return options.poolingStrategy() == PoolingStrategy.NONE ? DataTypes.createArrayType(vector, false) : vector;
  }

  @Override
  public boolean nullable() {
    return true;
  }

  /** Constant texts (the query of a semantic search) are encoded once, by constant folding on the driver. */
  @Override
  public boolean foldable() {
    return texts.forall(Expression::foldable);
  }

  /** Strings, or arrays of words (any array is cast to array&lt;string&gt;, as other values are cast to string). */
  @Override
  public Seq<AbstractDataType> inputTypes() {
    List<AbstractDataType> types = new ArrayList<>();
    for (Expression text : Scala.list(texts)) {
      types.add(PreTokenized.inputType(text));
    }
    return Scala.seq(types);
  }

  @Override
  public TypeCheckResult checkInputDataTypes() {
    if (texts.size() == 2
        && PreTokenized.is(texts.apply(0).dataType()) != PreTokenized.is(texts.apply(1).dataType())) {
      return new TypeCheckResult.TypeCheckFailure(prettyName() + ": text_a is "
          + texts.apply(0).dataType().simpleString() + " but text_b is " + texts.apply(1).dataType().simpleString()
          + ": both must be strings, or both array<string> (pre-tokenized words)");
    }
    return ImplicitCastInputTypes.super.checkInputDataTypes();
  }

  @Override
  public ExprCode doGenCode(CodegenContext ctx, ExprCode ev) {
    return CodegenFallback.super.doGenCode(ctx, ev);
  }

  @Override
  public Seq<Expression> children() {
    return texts;
  }

  @Override
  public Expression withNewChildrenInternal(IndexedSeq<Expression> newChildren) {
    return new BertEncode(newChildren.toList(), optionsText, options);
  }

  @Override
  public String prettyName() {
    return BertFunctions.ENCODE;
  }

  @Override
  public String sql() {
    return render(Expression::sql);
  }

  @Override
  public String toString() {
    return render(Expression::toString);
  }

  private String render(Function<Expression, String> child) {
    StringBuilder sb = new StringBuilder(prettyName()).append('(');
    for (int i = 0; i < texts.size(); i++) {
      sb.append(i == 0 ? "" : ", ").append(child.apply(texts.apply(i)));
    }
    if (optionsText != null) {
      sb.append(", '").append(optionsText.replace("'", "\\'")).append('\'');
    }
    return sb.append(')').toString();
  }

  @Override
  public int productArity() {
    return 3;
  }

  @Override
  public Object productElement(int n) {
    return switch (n) {
      case 0 -> texts;
      case 1 -> optionsText;
      case 2 -> options;
      default -> throw new IndexOutOfBoundsException(Integer.toString(n));
    };
  }

  @Override
  public boolean canEqual(Object other) {
    return other instanceof BertEncode;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof BertEncode other && texts.equals(other.texts)
        && Objects.equals(optionsText, other.optionsText) && options.equals(other.options);
  }

  @Override
  public int hashCode() {
    return Objects.hash(texts, optionsText, options);
  }
}
