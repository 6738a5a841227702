package org.bertspark.udf

import org.apache.spark.sql.catalyst.expressions.{Attribute, AttributeSet}
import org.apache.spark.sql.catalyst.plans.logical.{LogicalPlan, UnaryNode}

/**
 * Logical node: the rows of `child` with the results of `encodes` appended as `resultAttrs`, computed in batches.
 * Made by [[ExtractBertEncode]] like Spark's BatchEvalPython for Python UDFs.
 */
case class BatchBertEncode(encodes: Seq[BertEncode], resultAttrs: Seq[Attribute], child: LogicalPlan)
    extends UnaryNode {

  override def output: Seq[Attribute] = child.output ++ resultAttrs

  /** The result columns are made here, so they are not missing input. */
  override def producedAttributes: AttributeSet = AttributeSet(resultAttrs)

  override protected def withNewChildInternal(newChild: LogicalPlan): BatchBertEncode = copy(child = newChild)
}
