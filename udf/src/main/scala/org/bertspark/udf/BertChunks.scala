package org.bertspark.udf

import scala.jdk.CollectionConverters._

import org.apache.spark.sql.catalyst.expressions.{Expression, GenericInternalRow}
import org.apache.spark.sql.catalyst.util.GenericArrayData
import org.apache.spark.sql.types.{ArrayType, DataType, IntegerType, StructType}
import org.apache.spark.unsafe.types.UTF8String
import org.bertspark.encoder.EncoderOptions
import org.bertspark.encoder.tokenizer.Input

/**
 * `bert_chunks(text[, options])`: the windows long_text chunks cuts a text into, as an array of structs (index,
 * start, end, text) for `LATERAL VIEW inline(...)`: `bert_encode` of a window's text is the job's vector for that
 * window. Offsets are characters of the text; for an array of words they are word indices and the window's text is
 * its words. Reads the model's tokenizer files only ([[TokenizerCache]]), never its weights.
 */
case class BertChunks(text: Expression, optionsText: String, options: EncoderOptions) extends TokenizerFunction {

  override protected def of(input: Input): Any =
    new GenericArrayData(tokenizer.windows(input).asScala.map { w =>
      val slice: Any = input match {
        case text: Input.Text => UTF8String.fromString(text.first.substring(w.start, w.end))
        case words: Input.Words => new GenericArrayData(words.first.subList(w.start, w.end).asScala
          .map(word => if (word == null) null else UTF8String.fromString(word)).toArray[Any])
      }
      new GenericInternalRow(Array[Any](w.index, w.start, w.end, slice)): Any
    }.toArray)

  override def dataType: DataType = ArrayType(new StructType().add("index", IntegerType, nullable = false)
    .add("start", IntegerType, nullable = false).add("end", IntegerType, nullable = false)
    .add("text", PreTokenized.inputType(text), nullable = false), containsNull = false)

  override protected def withNewChildInternal(newChild: Expression): BertChunks = copy(text = newChild)

  override def prettyName: String = BertFunctions.CHUNKS
}
