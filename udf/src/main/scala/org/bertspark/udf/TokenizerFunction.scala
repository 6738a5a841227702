package org.bertspark.udf

import org.apache.spark.sql.catalyst.InternalRow
import org.apache.spark.sql.catalyst.expressions.{Expression, ImplicitCastInputTypes, UnaryExpression}
import org.apache.spark.sql.catalyst.expressions.codegen.CodegenFallback
import org.apache.spark.sql.types.DataType
import org.bertspark.encoder.{EncoderOptions, TokenizerCache}
import org.bertspark.encoder.tokenizer.Input
import org.bertspark.spark.{EncoderSource, InputColumn}

/**
 * A SQL function of one text or array of words, with options, that reads the model's tokenizer files only
 * ([[TokenizerCache]]), never its weights: null for null.
 */
abstract class TokenizerFunction extends UnaryExpression with CodegenFallback with ImplicitCastInputTypes {
  def text: Expression

  /** The options argument as written; null when the call had none. */
  def optionsText: String

  def options: EncoderOptions

  /** Looked up on the first row: a per-row lookup would build a cache key each time. */
  @transient protected lazy val tokenizer =
    TokenizerCache.get(EncoderSource.inTask(options, java.util.Map.of()).localOptions()) // remote model_dir: copied

  /** The value for a row's input. */
  protected def of(input: Input): Any

  override def eval(row: InternalRow): Any = text.eval(row) match {
    case null => null
    case value => of(InputColumn.of(value, null))
  }

  override def child: Expression = text

  override def nullable: Boolean = true

  override def inputTypes: Seq[DataType] = Seq(PreTokenized.inputType(text))

  override def foldable: Boolean = text.foldable

  override def sql: String = render(text.sql)

  override def toString: String = render(text.toString)

  private def render(child: String): String = {
    val opts = Option(optionsText).map(o => ", '" + o.replace("'", "\\'") + "'").getOrElse("")
    s"$prettyName($child$opts)"
  }
}
