package org.bertspark.udf;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.catalyst.expressions.AttributeReference;
import org.apache.spark.sql.catalyst.expressions.AttributeSet;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.NamedExpression;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.catalyst.plans.logical.Project;
import org.apache.spark.sql.catalyst.rules.Rule;
import org.apache.spark.sql.types.Metadata;

/**
 * Moves {@code bert_encode} calls out of a projection into a {@link BatchBertEncode} below it, so rows are encoded
 * many at a time (one BERT run per batch instead of per row), as Spark's ExtractPythonUDFs does for Python UDFs.
 * Constant calls are left to constant folding; calls elsewhere (filters, sort keys, lambdas) keep the per-row path.
 */
final class ExtractBertEncode extends Rule<LogicalPlan> {

  @Override
  public LogicalPlan apply(LogicalPlan plan) {
    LogicalPlan withChildren = plan.mapChildren(this::apply);
    return withChildren instanceof Project project ? extract(project) : withChildren;
  }

  private static LogicalPlan extract(Project project) {
    Map<BertEncode, Attribute> results = new LinkedHashMap<>();
    List<NamedExpression> projectList = Scala.list(project.projectList());
    for (NamedExpression e : projectList) {
      collect((Expression) e, project.child().outputSet(), results);
    }
    if (results.isEmpty()) {
      return project;
    }
    List<NamedExpression> rewritten = new ArrayList<>();
    for (NamedExpression e : projectList) {
      rewritten.add((NamedExpression) replace((Expression) e, results));
    }
    BatchBertEncode batch = new BatchBertEncode(
        Scala.seq(new ArrayList<>(results.keySet())), Scala.seq(new ArrayList<>(results.values())), project.child());
    return new Project(Scala.seq(rewritten), batch);
  }

  /** Calls on the child's columns only: not constants, not lambda variables (transform(xs, x -> ...)). */
  private static void collect(Expression e, AttributeSet input, Map<BertEncode, Attribute> results) {
    if (e instanceof BertEncode encode && !encode.foldable() && encode.references().subsetOf(input)) {
      results.computeIfAbsent(encode, k -> new AttributeReference("bert_encode_" + results.size(), k.dataType(),
          true, Metadata.empty(), NamedExpression.newExprId(),
          Scala.seq(List.of())));
      return;
    }
    Scala.list(e.children()).forEach(child -> collect(child, input, results));
  }

  private static Expression replace(Expression e, Map<BertEncode, Attribute> results) {
    Attribute result = e instanceof BertEncode ? results.get(e) : null;
    return result != null ? result : e.mapChildren(child -> replace(child, results));
  }
}
