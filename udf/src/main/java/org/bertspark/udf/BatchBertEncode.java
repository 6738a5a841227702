package org.bertspark.udf;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.catalyst.expressions.AttributeSet;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import scala.collection.IndexedSeq;
import scala.collection.Seq;

/**
 * Logical node: the rows of {@code child} with the results of {@code encodes} appended as {@code resultAttrs}, computed
 * in batches. Made by {@link ExtractBertEncode} like Spark's BatchEvalPython for Python UDFs.
 */
public final class BatchBertEncode extends LogicalPlan {
  private final Seq<BertEncode> encodes;
  private final Seq<Attribute> resultAttrs;
  private final LogicalPlan child;

  /** Public, like the class, for TreeNode.makeCopy, which copies plans through their constructor. */
  public BatchBertEncode(Seq<BertEncode> encodes, Seq<Attribute> resultAttrs, LogicalPlan child) {
    this.encodes = encodes;
    this.resultAttrs = resultAttrs;
    this.child = child;
  }

  Seq<BertEncode> encodes() {
    return encodes;
  }

  Seq<Attribute> resultAttrs() {
    return resultAttrs;
  }

  LogicalPlan child() {
    return child;
  }

  @Override
  public Seq<Attribute> output() {
    List<Attribute> out = new ArrayList<>(Scala.list(child.output()));
    out.addAll(Scala.list(resultAttrs));
    return Scala.seq(out);
  }

  /** The result columns are made here, so they are not missing input. */
  @Override
  public AttributeSet producedAttributes() {
    return AttributeSet.apply(Scala.<Expression>upcast(resultAttrs));
  }

  @Override
  public Seq<LogicalPlan> children() {
    return Scala.seq(List.of(child));
  }

  @Override
  public LogicalPlan withNewChildrenInternal(IndexedSeq<LogicalPlan> newChildren) {
    return new BatchBertEncode(encodes, resultAttrs, newChildren.apply(0));
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
    return other instanceof BatchBertEncode;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof BatchBertEncode other && encodes.equals(other.encodes)
        && resultAttrs.equals(other.resultAttrs) && child.equals(other.child);
  }

  @Override
  public int hashCode() {
    return Objects.hash(encodes, resultAttrs, child);
  }
}
