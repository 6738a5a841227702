package org.bertspark.udf

import scala.jdk.CollectionConverters._

import org.apache.spark.sql.catalyst.InternalRow
import org.apache.spark.sql.catalyst.analysis.TypeCheckResult
import org.apache.spark.sql.catalyst.expressions.{Expression, ImplicitCastInputTypes}
import org.apache.spark.sql.catalyst.expressions.codegen.CodegenFallback
import org.apache.spark.sql.types.DataType
import org.bertspark.encoder.{EncoderOptions, Embedding}
import org.bertspark.encoder.tokenizer.Input
import org.bertspark.spark.{EncodeCounts, EncodedRows, EncoderSource, InputColumn, VectorColumn}

/**
 * `bert_encode(text[, options])` and `bert_encode(text_a, text_b, options)`: the BERT vector of a text or a sentence
 * pair, from this JVM's cached encoder; array&lt;string&gt; texts are pre-tokenized words (bert-as-service's
 * is_tokenized): either is one [[Input]] per row ([[InputColumn]]). Options are resolved once, at analysis (Spark
 * conf defaults plus the constant options string), so executors need no session conf.
 *
 * [[BatchBertEncodeExec]] encodes many rows at once through [[call]]; [[eval]], one row, the same code. Never
 * foldable: a constant text (a search query) is encoded in the batched node, once per task (a task encodes equal
 * inputs once), so the driver never loads a model.
 *
 * @param optionsText the options argument as written; null when the call had none
 * @param pinned the remote model directories' versions [[eval]] must use, pinned on the driver when the query is
 *     planned ([[ExtractBertEncode]]); the batched node pins its own when it runs
 */
case class BertEncode(texts: Seq[Expression], optionsText: String, options: EncoderOptions,
    pinned: Map[String, String] = Map.empty)
    extends Expression with CodegenFallback with ImplicitCastInputTypes {

  /** Where [[eval]] gets its encoder: made in the task, once per deserialized copy of this expression. */
  @transient private lazy val source = EncoderSource.inTask(options, pinned.asJava)

  /** This call over rows bound to its input. */
  def call(source: EncoderSource): EncodedRows.Call = new EncodedRows.Call(source, new ExpressionInput(texts))

  /** array&lt;float&gt;; with pooling NONE one vector per token, as the job gives. */
  def vectorColumn: VectorColumn = new VectorColumn(options, false)

  /** The fallback, one row at a time, where no batched node could take the call (see [[ExtractBertEncode]]). */
  override def eval(row: InternalRow): Any = {
    val vector = vectorColumn
    val output: EncodedRows.Output[Any] = (_: InternalRow, e: Array[Embedding]) => vector.toCatalyst(e(0))
    new EncodedRows[Any](Iterator.single(row).asJava, List(call(source)).asJava, output, NoCounts).next()
  }

  override def dataType: DataType = vectorColumn.dataType

  override def nullable: Boolean = true

  /** Strings, or arrays of words (any array is cast to array&lt;string&gt;, as other values are cast to string). */
  override def inputTypes: Seq[DataType] = texts.map(PreTokenized.inputType)

  override def checkInputDataTypes(): TypeCheckResult =
    Option(if (texts.size == 2) InputColumn.pairMismatch("text_a", texts.head.dataType, "text_b", texts(1).dataType)
      else null) match {
      case Some(mismatch) => TypeCheckResult.TypeCheckFailure(s"$prettyName: $mismatch")
      case None => super.checkInputDataTypes()
    }

  override def children: Seq[Expression] = texts

  override protected def withNewChildrenInternal(newChildren: IndexedSeq[Expression]): BertEncode =
    copy(texts = newChildren)

  override def prettyName: String = BertFunctions.ENCODE

  override def sql: String = render(_.sql)

  override def toString: String = render(_.toString)

  private def render(child: Expression => String): String = {
    val options = Option(optionsText).map(o => ", '" + o.replace("'", "\\'") + "'").getOrElse("")
    texts.map(child).mkString(prettyName + "(", ", ", options + ")")
  }
}

/** A row's text, or pair of texts, as the encoder's input ([[InputColumn]]). */
private class ExpressionInput(texts: Seq[Expression]) extends EncodedRows.RowInput {
  override def of(row: InternalRow): Input =
    InputColumn.of(texts.head.eval(row), if (texts.size == 2) texts(1).eval(row) else null)
}

/** Row-at-a-time evaluation counts nothing. */
private object NoCounts extends EncodeCounts.Sink {
  override def add(counts: EncodeCounts): Unit = ()
}
