package org.bertspark.udf;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/** {@link BertFunctions#register} gives a session without the extension the same functions and batching. */
class BertFunctionsRegisterTest {

  @Test
  void registerInstallsFunctionsAndBatching() {
    SparkSession spark = SparkSession.builder().master("local[1]").appName("BertFunctionsRegisterTest")
        .config("spark.ui.enabled", "false").getOrCreate();
    try {
      String sql = "SELECT id, bert_encode(CAST(id AS STRING)) FROM range(3)";
      assertThrows(AnalysisException.class, () -> spark.sql(sql));
      BertFunctions.register(spark);
      BertFunctions.register(spark); // twice is harmless
      String plan = spark.sql(sql).queryExecution().executedPlan().toString();
      assertTrue(plan.contains("BatchBertEncode ["), plan);
      assertTrue(spark.sql("DESCRIBE FUNCTION bert_tokenize").collectAsList().toString().contains("Usage"));
    } finally {
      spark.stop();
    }
  }
}
