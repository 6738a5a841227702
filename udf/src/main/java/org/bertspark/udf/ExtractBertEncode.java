package org.bertspark.udf;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.catalyst.expressions.And;
import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.catalyst.expressions.AttributeReference;
import org.apache.spark.sql.catalyst.expressions.AttributeSet;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.NamedExpression;
import org.apache.spark.sql.catalyst.expressions.NamedLambdaVariable;
import org.apache.spark.sql.catalyst.expressions.WindowExpression;
import org.apache.spark.sql.catalyst.expressions.aggregate.AggregateExpression;
import org.apache.spark.sql.catalyst.plans.Cross$;
import org.apache.spark.sql.catalyst.plans.Inner$;
import org.apache.spark.sql.catalyst.plans.logical.Filter;
import org.apache.spark.sql.catalyst.plans.logical.Join;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.catalyst.plans.logical.Project;
import org.apache.spark.sql.catalyst.plans.logical.Subquery;
import org.apache.spark.sql.catalyst.rules.Rule;
import org.apache.spark.sql.types.Metadata;
import scala.Option;

/**
 * Moves {@code bert_encode} calls out of any operator (Project, Filter, Aggregate, Sort, Join, Window, Generate, …)
 * into a {@link BatchBertEncode} below it, referenced there as a column, so rows are encoded many at a time (one BERT
 * run per batch instead of per row), as Spark's ExtractPythonUDFs does for Python UDFs. A Project on top keeps the
 * operator's output as it was. Identical calls in one operator are encoded once. A join condition's call on columns
 * of both sides moves, for inner joins, to a Filter above the join, and is batched there.
 *
 * <p>Left to the row-at-a-time fallback (same answers, the model versions pinned here, on the driver): calls on
 * aggregate or window results, calls in lambdas (transform(xs, x -> ...)), calls over both sides of an outer join,
 * and calls in correlated subqueries. Constant calls are batched too: encoded once per task.
 */
final class ExtractBertEncode extends Rule<LogicalPlan> {

  @Override
  public LogicalPlan apply(LogicalPlan plan) {
    if (!plan.exists(ExtractBertEncode::hasCall)) {
      return plan; // the common case: no bert_encode anywhere, one walk of the plan
    }
    return PinnedModels.apply(plan instanceof Subquery s && s.correlated() ? plan : rewrite(plan));
  }

  private static LogicalPlan rewrite(LogicalPlan plan) {
    LogicalPlan withChildren = plan.mapChildren(ExtractBertEncode::rewrite);
    if (withChildren instanceof BatchBertEncode || !hasCall(withChildren)) {
      return withChildren;
    }
    return extract(splitJoinCondition(withChildren));
  }

  private static boolean hasCall(LogicalPlan plan) {
    return !(plan instanceof BatchBertEncode)
        && plan.expressions().exists(e -> e.find(x -> x instanceof BertEncode).isDefined());
  }

  /** An inner join's conjuncts with calls over both sides go to a Filter above the join, where they can be batched. */
  private static LogicalPlan splitJoinCondition(LogicalPlan plan) {
    if (!(plan instanceof Join join) || join.condition().isEmpty()
        || !(join.joinType() == Inner$.MODULE$ || join.joinType() == Cross$.MODULE$)) {
      return plan;
    }
    List<Expression> stay = new ArrayList<>();
    List<Expression> above = new ArrayList<>();
    for (Expression conjunct : conjuncts(join.condition().get())) {
      boolean acrossSides = conjunct.exists(e -> e instanceof BertEncode call && evaluable(call)
          && !call.references().subsetOf(join.left().outputSet())
          && !call.references().subsetOf(join.right().outputSet()));
      (acrossSides ? above : stay).add(conjunct);
    }
    if (above.isEmpty()) {
      return plan;
    }
    Join inner = join.copy(join.left(), join.right(), join.joinType(),
        stay.isEmpty() ? Option.empty() : Option.apply(and(stay)), join.hint());
    return new Filter(and(above), inner);
  }

  private static List<Expression> conjuncts(Expression e) {
    List<Expression> out = new ArrayList<>();
    if (e instanceof And and) {
      out.addAll(conjuncts(and.left()));
      out.addAll(conjuncts(and.right()));
    } else {
      out.add(e);
    }
    return out;
  }

  private static Expression and(List<Expression> conjuncts) {
    Expression out = conjuncts.get(0);
    for (int i = 1; i < conjuncts.size(); i++) {
      out = new And(out, conjuncts.get(i));
    }
    return out;
  }

  /**
   * The operator with its calls on one child's columns evaluated in a {@link BatchBertEncode} below that child's
   * place, and replaced by its result column.
   */
  private static LogicalPlan extract(LogicalPlan plan) {
    List<LogicalPlan> children = Scala.list(plan.children());
    Map<Expression, Attribute> results = new LinkedHashMap<>();
    List<LogicalPlan> newChildren = new ArrayList<>();
    for (LogicalPlan child : children) {
      Map<Expression, BertEncode> calls = new LinkedHashMap<>();
      for (Expression e : Scala.list(plan.expressions())) {
        collect(e, child.outputSet(), calls);
      }
      calls.keySet().removeAll(results.keySet()); // a call on columns that two children share goes to the first
      if (calls.isEmpty()) {
        newChildren.add(child);
        continue;
      }
      List<Attribute> attrs = new ArrayList<>();
      for (Map.Entry<Expression, BertEncode> call : calls.entrySet()) {
        Attribute attr = new AttributeReference("bert_encode_" + results.size(), call.getValue().dataType(), true,
            Metadata.empty(), NamedExpression.newExprId(), Scala.seq(List.of()));
        results.put(call.getKey(), attr);
        attrs.add(attr);
      }
      newChildren.add(new BatchBertEncode(Scala.seq(new ArrayList<>(calls.values())), Scala.seq(attrs), child));
    }
    if (results.isEmpty()) {
      return plan; // only calls the fallback evaluates
    }
    LogicalPlan rewritten = plan.withNewChildren(Scala.seq(newChildren))
        .mapExpressions(e -> replace(e, results));
    return rewritten.output().equals(plan.output()) ? rewritten : new Project(
        Scala.seq(new ArrayList<NamedExpression>(Scala.list(plan.output()))), rewritten);
  }

  /** Batchable calls on {@code input}'s columns, each distinct call once (keyed by its canonical form). */
  private static void collect(Expression e, AttributeSet input, Map<Expression, BertEncode> calls) {
    if (e instanceof BertEncode call && evaluable(call) && call.references().subsetOf(input)) {
      calls.putIfAbsent(call.canonicalized(), call);
      return;
    }
    Scala.list(e.children()).forEach(child -> collect(child, input, calls));
  }

  /** A call that a batch node below the operator can evaluate row by row of its input. */
  private static boolean evaluable(BertEncode call) {
    return !call.exists(e -> e instanceof AggregateExpression || e instanceof WindowExpression
        || e instanceof NamedLambdaVariable);
  }

  private static Expression replace(Expression e, Map<Expression, Attribute> results) {
    Attribute result = e instanceof BertEncode ? results.get(e.canonicalized()) : null;
    return result != null ? result : e.mapChildren(child -> replace(child, results));
  }
}
