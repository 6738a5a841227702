package org.bertspark.udf

import org.apache.spark.sql.catalyst.InternalRow
import org.apache.spark.sql.catalyst.expressions.{Expression, ImplicitCastInputTypes, UnaryExpression}
import org.apache.spark.sql.catalyst.expressions.codegen.CodegenFallback
import org.apache.spark.sql.catalyst.util.GenericArrayData
import org.apache.spark.sql.types.{ArrayType, DataType, StringType}
import org.apache.spark.unsafe.types.UTF8String
import org.bertspark.encoder.EncoderOptions
import org.bertspark.encoder.TokenizerCache
import org.bertspark.encoder.tokenizer.SequenceTokenizer
import org.bertspark.spark.{EncoderSource, InputColumn}

/**
 * `bert_tokenize(text[, options])`: the word pieces BERT is fed for a text, [CLS] and [SEP] included
 * (bert-as-service's show_tokens). Reads the model's vocabulary only ([[SequenceTokenizer]]), never its weights.
 *
 * @param optionsText the options argument as written; null when the call had none
 */
case class BertTokenize(text: Expression, optionsText: String, options: EncoderOptions)
    extends UnaryExpression with CodegenFallback with ImplicitCastInputTypes {

  /** Looked up on the first row: a per-row lookup would build a cache key each time. */
  @transient private lazy val tokenizer =
    TokenizerCache.get(EncoderSource.inTask(options, java.util.Map.of()).localOptions()) // remote model_dir: copied

  override def eval(row: InternalRow): Any = text.eval(row) match {
    case null => null
    case value =>
      val tokens = tokenizer.tokens(InputColumn.of(value, null))
      if (tokens == null) null
      else new GenericArrayData(tokens.toArray(Array.empty[String]).map(t => UTF8String.fromString(t): Any))
  }

  override def child: Expression = text

  override def dataType: DataType = ArrayType(StringType, containsNull = false)

  override def nullable: Boolean = true

  override def inputTypes: Seq[DataType] = Seq(PreTokenized.inputType(text))

  override def foldable: Boolean = text.foldable

  override protected def withNewChildInternal(newChild: Expression): BertTokenize = copy(text = newChild)

  override def prettyName: String = BertFunctions.TOKENIZE

  override def sql: String = render(text.sql)

  override def toString: String = render(text.toString)

  private def render(child: String): String = {
    val opts = Option(optionsText).map(o => ", '" + o.replace("'", "\\'") + "'").getOrElse("")
    s"$prettyName($child$opts)"
  }
}
