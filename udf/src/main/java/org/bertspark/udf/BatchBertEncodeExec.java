package org.bertspark.udf;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.catalyst.expressions.AttributeSet;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.BindReferences;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.JoinedRow;
import org.apache.spark.sql.catalyst.expressions.SortOrder;
import org.apache.spark.sql.catalyst.expressions.UnsafeProjection;
import org.apache.spark.sql.catalyst.plans.physical.Partitioning;
import org.apache.spark.sql.execution.SparkPlan;
import org.apache.spark.sql.execution.metric.SQLMetric;
import org.apache.spark.sql.execution.metric.SQLMetrics;
import org.bertspark.spark.EncodeCounts;
import org.bertspark.spark.EncodedRows;
import org.bertspark.spark.EncoderSource;
import org.bertspark.spark.VectorColumn;
import scala.Function1;
import scala.Tuple2;
import scala.collection.IndexedSeq;
import scala.collection.JavaConverters;
import scala.collection.Seq;
import scala.collection.immutable.Map;
import scala.reflect.ClassTag$;

/**
 * Physical {@link BatchBertEncode}: each partition's rows through {@link EncodedRows} (chunks of max_batch_size, one
 * encoder call per {@code bert_encode} expression), each row joined with its results, in input order.
 */
public final class BatchBertEncodeExec extends SparkPlan {
  private final Seq<BertEncode> encodes;
  private final Seq<Attribute> resultAttrs;
  private final SparkPlan child;
  private transient Map<String, SQLMetric> metrics;

  /** Public, like the class, for TreeNode.makeCopy, which copies plans through their constructor. */
  public BatchBertEncodeExec(Seq<BertEncode> encodes, Seq<Attribute> resultAttrs, SparkPlan child) {
    this.encodes = encodes;
    this.resultAttrs = resultAttrs;
    this.child = child;
  }

  @Override
  public Map<String, SQLMetric> metrics() {
    if (metrics == null) { // once per plan node, as a case class's lazy val: Spark looks metrics up by identity
      metrics = scala.collection.immutable.Map$.MODULE$.<String, SQLMetric>empty()
          .$plus(new Tuple2<>("numBatches", SQLMetrics.createMetric(sparkContext(), "number of encoder calls")))
          .$plus(new Tuple2<>("numNullVectors", SQLMetrics.createMetric(sparkContext(), "number of null vectors")));
    }
    return metrics;
  }

  @Override
  public RDD<InternalRow> doExecute() {
    List<BertEncode> bound = new ArrayList<>();
    for (BertEncode e : Scala.list(encodes)) {
      bound.add(BindReferences.bindReference(e,
          org.apache.spark.sql.catalyst.expressions.package$.MODULE$.AttributeSeq(child.output()), false));
    }
    List<EncoderSource> sources = EncoderSource.of(session(), bound.stream().map(BertEncode::options).toList());
    List<EncodedRows.Call<InternalRow>> calls = new ArrayList<>();
    List<VectorColumn> columns = new ArrayList<>();
    for (int i = 0; i < bound.size(); i++) {
      calls.add(bound.get(i).call(sources.get(i)));
      columns.add(bound.get(i).vectorColumn());
    }
    Seq<Attribute> output = output();
    SQLMetric numBatches = longMetric("numBatches");
    SQLMetric numNullVectors = longMetric("numNullVectors");
    EncodeCounts.Sink counts = c -> {
      numBatches.add(1);
      numNullVectors.add(c.rows() - c.encoded());
    };
    Function1<scala.collection.Iterator<InternalRow>, scala.collection.Iterator<InternalRow>> perPartition =
        (Function1<scala.collection.Iterator<InternalRow>, scala.collection.Iterator<InternalRow>> & Serializable)
            rows -> {
              UnsafeProjection toOutput = UnsafeProjection.create(Scala.<Expression>upcast(output), output);
              JoinedRow joined = new JoinedRow();
              return JavaConverters.asScalaIterator(new EncodedRows<InternalRow, InternalRow>(
                  JavaConverters.asJavaIterator(rows), calls, InternalRow::copy, (row, embeddings) -> {
                    Object[] values = new Object[embeddings.length];
                    for (int i = 0; i < values.length; i++) {
                      values[i] = columns.get(i).toCatalyst(embeddings[i]);
                    }
                    return toOutput.apply(joined.apply(row, new GenericInternalRow(values)));
                  }, counts));
            };
    return child.execute().mapPartitionsInternal(perPartition, true, ClassTag$.MODULE$.apply(InternalRow.class));
  }

  @Override
  public Seq<Attribute> output() {
    List<Attribute> out = new ArrayList<>(Scala.list(child.output()));
    out.addAll(Scala.list(resultAttrs));
    return Scala.seq(out);
  }

  @Override
  public AttributeSet producedAttributes() {
    return AttributeSet.apply(Scala.<Expression>upcast(resultAttrs));
  }

  /** Rows keep their partition and order. */
  @Override
  public Partitioning outputPartitioning() {
    return child.outputPartitioning();
  }

  @Override
  public Seq<SortOrder> outputOrdering() {
    return child.outputOrdering();
  }

  @Override
  public Seq<SparkPlan> children() {
    return Scala.seq(List.of(child));
  }

  @Override
  public SparkPlan withNewChildrenInternal(IndexedSeq<SparkPlan> newChildren) {
    return new BatchBertEncodeExec(encodes, resultAttrs, newChildren.apply(0));
  }

  @Override
  public int productArity() {
    return 3;
  }

  @Override
  public Object productElement(int n) {
    return switch (n) {
      case 0 -> encodes;
      case 1 -> resultAttrs;
      case 2 -> child;
      default -> throw new IndexOutOfBoundsException(Integer.toString(n));
    };
  }

  @Override
  public boolean canEqual(Object other) {
    return other instanceof BatchBertEncodeExec;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof BatchBertEncodeExec other && encodes.equals(other.encodes)
        && resultAttrs.equals(other.resultAttrs) && child.equals(other.child);
  }

  @Override
  public int hashCode() {
    return Objects.hash(encodes, resultAttrs, child);
  }
}
