package org.bertspark.udf;

import java.util.List;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.execution.SparkPlan;
import org.apache.spark.sql.execution.SparkStrategy;
import scala.collection.Seq;

/** Plans {@link BatchBertEncode} as {@link BatchBertEncodeExec}. */
final class BatchBertEncodeStrategy extends SparkStrategy {

  @Override
  public Seq<SparkPlan> apply(LogicalPlan plan) {
    if (plan instanceof BatchBertEncode batch) {
      return Scala.seq(List.of(new BatchBertEncodeExec(batch.encodes(), batch.resultAttrs(), planLater(batch.child()))));
    }
    return Scala.seq(List.of());
  }
}
