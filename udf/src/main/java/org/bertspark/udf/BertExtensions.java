package org.bertspark.udf;

import org.apache.spark.sql.SparkSessionExtensions;
import scala.runtime.AbstractFunction1;
import scala.runtime.BoxedUnit;

/**
 * {@code spark.sql.extensions=org.bertspark.udf.BertExtensions}: the bert_* functions in every session, and
 * {@code bert_encode} evaluated in batches wherever it appears ({@link ExtractBertEncode},
 * {@link BatchBertEncodeExec}).
 */
public final class BertExtensions extends AbstractFunction1<SparkSessionExtensions, BoxedUnit> {

  @Override
  public BoxedUnit apply(SparkSessionExtensions extensions) {
    SqlFunctions.inject(extensions);
    extensions.injectOptimizerRule(session -> new ExtractBertEncode());
    extensions.injectPlannerStrategy(session -> new BatchBertEncodeStrategy());
    return BoxedUnit.UNIT;
  }
}
