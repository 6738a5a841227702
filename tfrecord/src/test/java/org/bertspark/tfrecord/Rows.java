package org.bertspark.tfrecord;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import scala.collection.JavaConverters;
import scala.collection.Seq;

/** Collected rows as comparable values: Row.equals compares nested byte arrays by reference. */
final class Rows {
  private Rows() {}

  /** The rows ordered by {@code key}, columns in {@code columns} order. */
  static List<List<Object>> of(Dataset<Row> df, String key, String... columns) {
    List<List<Object>> rows = new ArrayList<>();
    for (Row row : df.orderBy(key).selectExpr(columns).collectAsList()) {
      List<Object> values = new ArrayList<>();
      for (int i = 0; i < row.size(); i++) {
        values.add(comparable(row.get(i)));
      }
      rows.add(values);
    }
    return rows;
  }

  private static Object comparable(Object value) {
    if (value instanceof byte[] bytes) {
      return "bytes" + Arrays.toString(bytes);
    }
    if (value instanceof Seq<?> seq) {
      List<Object> elements = new ArrayList<>();
      for (Object element : JavaConverters.seqAsJavaList(seq)) {
        elements.add(comparable(element));
      }
      return elements;
    }
    return value;
  }
}
