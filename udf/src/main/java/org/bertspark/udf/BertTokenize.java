package org.bertspark.udf;

import java.io.Serializable;
import java.util.List;
import java.util.Objects;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.analysis.TypeCheckResult;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.ImplicitCastInputTypes;
import org.apache.spark.sql.catalyst.expressions.codegen.CodegenContext;
import org.apache.spark.sql.catalyst.expressions.codegen.CodegenFallback;
import org.apache.spark.sql.catalyst.expressions.codegen.ExprCode;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.catalyst.util.GenericArrayData;
import org.apache.spark.sql.types.AbstractDataType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.unsafe.types.UTF8String;
import org.bertspark.encoder.EncoderOptions;
import org.bertspark.encoder.TokenizerCache;
import org.bertspark.encoder.tokenizer.SequenceTokenizer;
import org.bertspark.spark.EncoderSource;
import scala.collection.IndexedSeq;
import scala.collection.Seq;

/**
 * {@code bert_tokenize(text[, options])}: the word pieces BERT is fed for a text, [CLS] and [SEP] included
 * (bert-as-service's show_tokens). Reads the model's vocabulary only ({@link SequenceTokenizer}), never its weights.
 */
public final class BertTokenize extends Expression implements CodegenFallback, ImplicitCastInputTypes, Serializable {
  private static final long serialVersionUID = 1L;
  private final Expression text;
  /** The options argument as written; null when the call had none. */
  private final String optionsText;
  private final EncoderOptions options;
  /** Looked up on the first row: a per-row lookup would build a cache key each time. */
  private transient SequenceTokenizer tokenizer;

  public BertTokenize(Expression text, String optionsText, EncoderOptions options) {
    this.text = text;
    this.optionsText = optionsText;
    this.options = options;
  }

  @Override
  public Object eval(InternalRow row) {
    Object value = text.eval(row);
    if (value == null) {
      return null;
    }
    if (tokenizer == null) {
      tokenizer = TokenizerCache.get(EncoderSource.inTask(options).localOptions()); // remote model_dir: copied
    }
    List<String> tokens = value instanceof ArrayData words ? tokenizer.tokenizeWords(PreTokenized.words(words))
        : tokenizer.tokenize(value.toString());
    if (tokens == null) {
      return null;
    }
    Object[] out = new Object[tokens.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = UTF8String.fromString(tokens.get(i));
    }
    return new GenericArrayData(out);
  }

  @Override
  public DataType dataType() {
    return DataTypes.createArrayType(DataTypes.StringType, false);
  }

  @Override
  public boolean nullable() {
    return true;
  }

  @Override
  public Seq<AbstractDataType> inputTypes() {
    return Scala.seq(List.<AbstractDataType>of(PreTokenized.inputType(text)));
  }

  @Override
  public TypeCheckResult checkInputDataTypes() {
    return ImplicitCastInputTypes.super.checkInputDataTypes();
  }

  @Override
  public ExprCode doGenCode(CodegenContext ctx, ExprCode ev) {
    return CodegenFallback.super.doGenCode(ctx, ev);
  }

  @Override
  public boolean foldable() {
    return text.foldable();
  }

  @Override
  public Seq<Expression> children() {
    return Scala.seq(List.of(text));
  }

  @Override
  public Expression withNewChildrenInternal(IndexedSeq<Expression> newChildren) {
    return new BertTokenize(newChildren.apply(0), optionsText, options);
  }

  @Override
  public String prettyName() {
    return BertFunctions.TOKENIZE;
  }

  @Override
  public String sql() {
    return render(text.sql());
  }

  @Override
  public String toString() {
    return render(text.toString());
  }

  private String render(String child) {
    String opts = optionsText == null ? "" : ", '" + optionsText.replace("'", "\\'") + "'";
    return prettyName() + "(" + child + opts + ")";
  }

  @Override
  public int productArity() {
    return 3;
  }

  @Override
  public Object productElement(int n) {
    return switch (n) {
      case 0 -> text;
      case 1 -> optionsText;
      case 2 -> options;
      default -> throw new IndexOutOfBoundsException(Integer.toString(n));
    };
  }

  @Override
  public boolean canEqual(Object other) {
    return other instanceof BertTokenize;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof BertTokenize other && text.equals(other.text)
        && Objects.equals(optionsText, other.optionsText) && options.equals(other.options);
  }

  @Override
  public int hashCode() {
    return Objects.hash(text, optionsText, options);
  }
}
