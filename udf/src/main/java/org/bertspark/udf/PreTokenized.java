package org.bertspark.udf;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;

/**
 * Pre-tokenized input (bert-as-service's is_tokenized): a text argument that is an array is a list of words, handed
 * to the encoder's word methods; any other argument is text.
 */
final class PreTokenized {
  private PreTokenized() {}

  static boolean is(DataType type) {
    return type instanceof ArrayType;
  }

  /** What an argument is cast to: array&lt;string&gt; for an array (of any element type), else string. */
  static DataType inputType(Expression text) {
    return is(text.dataType()) ? DataTypes.createArrayType(DataTypes.StringType, true) : DataTypes.StringType;
  }

  /** The row's words, null where the array is null; a null element stays null (it has no word piece). */
  static List<String> words(Expression words, InternalRow row) {
    return words((ArrayData) words.eval(row));
  }

  static List<String> words(ArrayData array) {
    if (array == null) {
      return null;
    }
    List<String> out = new ArrayList<>(array.numElements());
    for (int i = 0; i < array.numElements(); i++) {
      out.add(array.isNullAt(i) ? null : array.getUTF8String(i).toString());
    }
    return out;
  }
}
