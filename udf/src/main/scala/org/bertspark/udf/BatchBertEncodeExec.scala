package org.bertspark.udf

import scala.jdk.CollectionConverters._

import org.apache.spark.rdd.RDD
import org.apache.spark.sql.catalyst.InternalRow
import org.apache.spark.sql.catalyst.expressions.{Attribute, AttributeSet, BindReferences, GenericInternalRow,
  JoinedRow, SortOrder, UnsafeProjection}
import org.apache.spark.sql.catalyst.plans.physical.Partitioning
import org.apache.spark.sql.execution.{SparkPlan, UnaryExecNode}
import org.apache.spark.sql.execution.metric.{SQLMetric, SQLMetrics}
import org.bertspark.encoder.Embedding
import org.bertspark.spark.{EncodeCounts, EncodePhase, EncodedRows, EncoderSource}

/**
 * Physical [[BatchBertEncode]]: each partition's rows through [[EncodedRows]] (chunks of max_batch_size, one encoder
 * call per `bert_encode` expression), each row joined with its results, in input order.
 */
case class BatchBertEncodeExec(encodes: Seq[BertEncode], resultAttrs: Seq[Attribute], child: SparkPlan)
    extends UnaryExecNode {

  /** One metric per summed count ([[EncodeCounts.Count]]) and null-vector reason, and the encode time. */
  override lazy val metrics: Map[String, SQLMetric] =
    EncodeCounts.Count.values.filter(_.summed).map(c =>
      MetricCounts.name(c) -> SQLMetrics.createMetric(sparkContext, c.description)).toMap ++
    Embedding.NullReason.values.map(r =>
      MetricCounts.name(r) -> SQLMetrics.createMetric(sparkContext, MetricCounts.name(r).replace('_', ' '))).toMap +
    (MetricCounts.EncodeTime -> SQLMetrics.createTimingMetric(sparkContext, "encode time"))

  override def output: Seq[Attribute] = child.output ++ resultAttrs

  override def producedAttributes: AttributeSet = AttributeSet(resultAttrs)

  /** Rows keep their partition and order. */
  override def outputPartitioning: Partitioning = child.outputPartitioning

  override def outputOrdering: Seq[SortOrder] = child.outputOrdering

  override protected def doExecute(): RDD[InternalRow] = {
    val bound = encodes.map(e => BindReferences.bindReference(e, child.output))
    val sources = EncoderSource.of(session, bound.map(_.options).asJava).asScala
    val calls = bound.zip(sources).map { case (e, source) => e.call(source) }.asJava
    val columns = bound.map(_.vectorColumn).toArray
    val counts = new MetricCounts(metrics)
    val out = output
    child.execute().mapPartitions({ rows =>
      val toOutput = UnsafeProjection.create(out, out)
      val joined = new JoinedRow
      val output: EncodedRows.Output[InternalRow] = (row: InternalRow, e: Array[Embedding]) => {
        val values = new Array[Any](e.length)
        for (i <- e.indices) {
          values(i) = columns(i).toCatalyst(e(i))
        }
        toOutput(joined(row, new GenericInternalRow(values)))
      }
      new EncodedRows[InternalRow](rows.asJava, calls, output, counts).asScala
    }, preservesPartitioning = true)
  }

  override protected def withNewChildInternal(newChild: SparkPlan): BatchBertEncodeExec = copy(child = newChild)
}

/** The counts as this node's SQL metrics, shown in the Spark UI's SQL tab. */
private class MetricCounts(metrics: Map[String, SQLMetric]) extends EncodeCounts.Sink {
  override def add(c: EncodeCounts): Unit = {
    EncodeCounts.Count.values.filter(_.summed).foreach(count => metrics(MetricCounts.name(count)) += c.get(count))
    Embedding.NullReason.values.foreach(r => metrics(MetricCounts.name(r)) += c.nullVectors(r))
  }

  /** A task's encoding phase, from its first encoder call to the end of its last. */
  override def add(phase: EncodePhase): Unit =
    metrics(MetricCounts.EncodeTime) += phase.endMillis - phase.startMillis
}

private[udf] object MetricCounts {
  val EncodeTime = "encode_time"

  /** The metric's key: the count's JSON name (`real_tokens`). */
  def name(count: EncodeCounts.Count): String = count.key

  /** `null_text`, … */
  def name(reason: Embedding.NullReason): String = reason.name.toLowerCase(java.util.Locale.ROOT)
}
