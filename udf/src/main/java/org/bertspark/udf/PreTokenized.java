package org.bertspark.udf;

import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.bertspark.spark.InputColumn;

/**
 * Pre-tokenized input (bert-as-service's is_tokenized): a text argument that is an array is a list of words
 * ({@link InputColumn}); any other argument is text.
 */
final class PreTokenized {
  private PreTokenized() {}

  /** What an argument is cast to: array&lt;string&gt; for an array (of any element type), else string. */
  static DataType inputType(Expression text) {
    return InputColumn.holdsWords(text.dataType()) ? DataTypes.createArrayType(DataTypes.StringType, true)
        : DataTypes.StringType;
  }
}
