package org.bertspark.udf;

import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.execution.SparkPlan;
import org.apache.spark.sql.execution.SparkStrategy;
import scala.collection.immutable.List;

/** Plans {@link BatchBertEncode} as {@link BatchBertEncodeExec}. */
final class BatchBertEncodeStrategy extends SparkStrategy {

  @Override
  public List<SparkPlan> apply(LogicalPlan plan) {
    if (plan instanceof BatchBertEncode batch) {
      SparkPlan child = planLater(batch.child());
      return Scala.seq(java.util.List.of(new BatchBertEncodeExec(batch.encodes(), batch.resultAttrs(), child)));
    }
    return Scala.seq(java.util.List.of());
  }
}
