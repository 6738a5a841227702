package org.bertspark.udf

import scala.jdk.CollectionConverters._

import org.apache.spark.sql.catalyst.InternalRow
import org.apache.spark.sql.catalyst.expressions.{Expression, GenericInternalRow, ImplicitCastInputTypes,
  UnaryExpression}
import org.apache.spark.sql.catalyst.expressions.codegen.CodegenFallback
import org.apache.spark.sql.catalyst.util.GenericArrayData
import org.apache.spark.sql.types.{ArrayType, DataType, IntegerType, StructType}
import org.apache.spark.unsafe.types.UTF8String
import org.bertspark.encoder.{EncoderOptions, TokenizerCache}
import org.bertspark.encoder.tokenizer.Input
import org.bertspark.spark.{EncoderSource, InputColumn}

/**
 * `bert_chunks(text[, options])`: the windows long_text chunks cuts a text into, as an array of structs (index,
 * start, end, text) for `LATERAL VIEW inline(...)`: `bert_encode` of a window's text is the job's vector for that
 * window. Offsets are characters of the text; for an array of words they are word indices and the window's text is
 * its words. Reads the model's tokenizer files only ([[TokenizerCache]]), never its weights.
 *
 * @param optionsText the options argument as written; null when the call had none
 */
case class BertChunks(text: Expression, optionsText: String, options: EncoderOptions)
    extends UnaryExpression with CodegenFallback with ImplicitCastInputTypes {

  /** Looked up on the first row: a per-row lookup would build a cache key each time. */
  @transient private lazy val tokenizer =
    TokenizerCache.get(EncoderSource.inTask(options, java.util.Map.of()).localOptions()) // remote model_dir: copied

  override def eval(row: InternalRow): Any = text.eval(row) match {
    case null => null
    case value =>
      val input = InputColumn.of(value, null)
      new GenericArrayData(tokenizer.windows(input).asScala.map { w =>
        val slice: Any = input match {
          case text: Input.Text => UTF8String.fromString(text.first.substring(w.start, w.end))
          case words: Input.Words => new GenericArrayData(words.first.subList(w.start, w.end).asScala
            .map(word => if (word == null) null else UTF8String.fromString(word)).toArray[Any])
        }
        new GenericInternalRow(Array[Any](w.index, w.start, w.end, slice)): Any
      }.toArray)
  }

  override def child: Expression = text

  override def dataType: DataType = ArrayType(new StructType().add("index", IntegerType, nullable = false)
    .add("start", IntegerType, nullable = false).add("end", IntegerType, nullable = false)
    .add("text", PreTokenized.inputType(text), nullable = false), containsNull = false)

  override def nullable: Boolean = true

  override def inputTypes: Seq[DataType] = Seq(PreTokenized.inputType(text))

  override def foldable: Boolean = text.foldable

  override protected def withNewChildInternal(newChild: Expression): BertChunks = copy(text = newChild)

  override def prettyName: String = BertFunctions.CHUNKS

  override def sql: String = render(text.sql)

  override def toString: String = render(text.toString)

  private def render(child: String): String = {
    val opts = Option(optionsText).map(o => ", '" + o.replace("'", "\\'") + "'").getOrElse("")
    s"$prettyName($child$opts)"
  }
}
