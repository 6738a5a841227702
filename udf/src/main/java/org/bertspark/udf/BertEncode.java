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
import org.apache.spark.sql.catalyst.expressions.codegen.CodegenContext;
import org.apache.spark.sql.catalyst.expressions.codegen.CodegenFallback;
import org.apache.spark.sql.catalyst.expressions.codegen.ExprCode;
import org.apache.spark.sql.types.AbstractDataType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.bertspark.encoder.EncoderOptions;
import org.bertspark.spark.EncodedRows;
import org.bertspark.spark.EncoderSource;
import org.bertspark.spark.VectorColumn;
import scala.collection.IndexedSeq;
import scala.collection.Seq;

/**
 * {@code bert_encode(text[, options])} and {@code bert_encode(text_a, text_b, options)}: the BERT vector of a text or
 * a sentence pair, from this JVM's cached encoder; array&lt;string&gt; texts are pre-tokenized words
 * ({@code BertEncoder.encodeWords}, bert-as-service's is_tokenized). Options are resolved once, at analysis (Spark
 * conf defaults plus the constant options string), so executors need no session conf.
 *
 * <p>{@link BatchBertEncodeExec} encodes many rows at once through {@link #call}; {@link #eval}, one row, the same
 * code.
 */
public final class BertEncode extends Expression implements CodegenFallback, ImplicitCastInputTypes, Serializable {
  private static final long serialVersionUID = 1L;
  private final Seq<Expression> texts;
  /** The options argument as written; null when the call had none. */
  private final String optionsText;
  private final EncoderOptions options;
  /** Where {@link #eval} gets its encoder: made in the task, once per deserialized copy of this expression. */
  private transient EncoderSource source;

  public BertEncode(Seq<Expression> texts, String optionsText, EncoderOptions options) {
    this.texts = texts;
    this.optionsText = optionsText;
    this.options = options;
  }

  EncoderOptions options() {
    return options;
  }

  /** This call over rows bound to its input: {@link BatchBertEncodeExec} encodes many rows with it at once. */
  EncodedRows.Call<InternalRow> call(EncoderSource source) {
    Expression first = texts.apply(0);
    Expression second = texts.size() == 2 ? texts.apply(1) : null;
    if (PreTokenized.is(first.dataType())) {
      return EncodedRows.Call.words(source, row -> PreTokenized.words(first, row),
          second == null ? null : row -> PreTokenized.words(second, row));
    }
    return EncodedRows.Call.texts(source, row -> text(first, row), second == null ? null : row -> text(second, row));
  }

  private static String text(Expression text, InternalRow row) {
    Object value = text.eval(row);
    return value == null ? null : value.toString();
  }

  VectorColumn vectorColumn() {
    return new VectorColumn(options.poolingStrategy(), false);
  }

  /** The fallback, one row at a time, where no batched node could take the call (see {@link ExtractBertEncode}). */
  @Override
  public Object eval(InternalRow row) {
    if (source == null) {
      source = EncoderSource.inTask(options);
    }
    VectorColumn vector = vectorColumn();
    return new EncodedRows<InternalRow, Object>(Collections.singletonList(row).iterator(), List.of(call(source)),
        r -> r, (r, e) -> vector.toCatalyst(e[0]), counts -> {}).next();
  }

  /** array&lt;float&gt;; with pooling NONE one vector per token, as the job gives. */
  @Override
  public DataType dataType() {
    return vectorColumn().dataType();
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
