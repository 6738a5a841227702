package org.bertspark.udf

import scala.collection.JavaConverters._

import org.apache.spark.sql.SparkSession
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan
import org.bertspark.spark.ModelLocalizer

/**
 * Every `bert_encode` call of a plan with its remote model directories' versions pinned, on the driver as the query
 * is planned: the row-at-a-time fallback then uses the same model version in every task, as the batched node does.
 */
private[udf] object PinnedModels {
  def apply(plan: LogicalPlan): LogicalPlan = {
    lazy val conf = SparkSession.active.sessionState.newHadoopConf()
    plan.transformAllExpressionsWithSubqueries {
      case call: BertEncode if call.pinned.isEmpty =>
        val pinned = ModelLocalizer.pin(call.options, conf).asScala.toMap
        if (pinned.isEmpty) call else call.copy(pinned = pinned)
    }
  }
}
