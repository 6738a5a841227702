package org.bertspark.tfrecord;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.tensorflow.proto.Feature;
import org.tensorflow.proto.FeatureList;
import org.tensorflow.proto.Features;
import org.tensorflow.proto.SequenceExample;

/**
 * A schema inferred from sample records, by linkedin/spark-tfrecord's rules: Int64List is long, FloatList float,
 * BytesList string, and a feature whose records (or time steps) disagree takes the widest of its kinds,
 * Int64List &lt; FloatList &lt; BytesList (long and float make float; bytes with anything make string). A feature is
 * an array when any record holds other than one value; a SequenceExample feature list is an array of arrays. A
 * feature seen only with empty lists is a {@code NullType} column (always null). Columns appear in the order their
 * features are first seen.
 */
final class SchemaInference {
  private final RecordType recordType;
  private final Map<String, Column> columns = new LinkedHashMap<>();

  private static final class Column {
    /** The widest kind seen with at least one value; KIND_NOT_SET while none was. */
    Feature.KindCase kind = Feature.KindCase.KIND_NOT_SET;
    boolean array;
    boolean featureList;
  }

  SchemaInference(RecordType recordType) {
    this.recordType = recordType;
  }

  /**
   * Adds one record; one that makes a feature both a context feature and a feature list is rejected and leaves the
   * schema as it was.
   */
  void add(byte[] record) throws InvalidRecordException {
    if (recordType == RecordType.SEQUENCE_EXAMPLE) {
      SequenceExample example = RecordConverter.parseSequenceExample(record);
      Map<String, Feature> context = example.getContext().getFeatureMap();
      Map<String, FeatureList> lists = example.getFeatureLists().getFeatureListMap();
      for (String name : lists.keySet()) {
        if (context.containsKey(name)) {
          throw new SchemaMismatchException("feature " + name + " is both a context feature and a feature list");
        }
        checkSameAsEarlier(name, true);
      }
      for (String name : context.keySet()) {
        checkSameAsEarlier(name, false);
      }
      add(example.getContext(), false);
      for (Map.Entry<String, FeatureList> list : lists.entrySet()) {
        Column column = columns.computeIfAbsent(list.getKey(), name -> new Column());
        column.featureList = true;
        for (Feature feature : list.getValue().getFeatureList()) {
          widen(column, feature);
        }
      }
    } else {
      add(RecordConverter.parseExample(record).getFeatures(), false);
    }
  }

  /** The schema, empty (no columns) when no record had a feature. */
  StructType schema() {
    StructType schema = new StructType();
    for (Map.Entry<String, Column> entry : columns.entrySet()) {
      Column column = entry.getValue();
      DataType type = switch (column.kind) {
        case INT64_LIST -> DataTypes.LongType;
        case FLOAT_LIST -> DataTypes.FloatType;
        case BYTES_LIST -> DataTypes.StringType;
        case KIND_NOT_SET -> DataTypes.NullType;
      };
      if (column.kind != Feature.KindCase.KIND_NOT_SET) {
        if (column.featureList) {
          type = DataTypes.createArrayType(DataTypes.createArrayType(type));
        } else if (column.array) {
          type = DataTypes.createArrayType(type);
        }
      }
      schema = schema.add(entry.getKey(), type, true);
    }
    return schema;
  }

  /** A feature is a context feature or a feature list, in all records alike: a list of lists cannot widen a value. */
  private void checkSameAsEarlier(String name, boolean featureList) throws SchemaMismatchException {
    Column column = columns.get(name);
    if (column != null && column.featureList != featureList) {
      throw new SchemaMismatchException("feature " + name + " is " + (featureList ? "a feature list" : "a context feature")
          + " here but " + (featureList ? "a context feature" : "a feature list") + " in earlier records; pass a schema");
    }
  }

  private void add(Features features, boolean featureList) {
    for (Map.Entry<String, Feature> feature : features.getFeatureMap().entrySet()) {
      Column column = columns.computeIfAbsent(feature.getKey(), key -> new Column());
      column.featureList = featureList;
      column.array |= RecordConverter.count(feature.getValue()) != 1;
      widen(column, feature.getValue());
    }
  }

  private static void widen(Column column, Feature feature) {
    if (RecordConverter.count(feature) > 0 && rank(feature.getKindCase()) > rank(column.kind)) {
      column.kind = feature.getKindCase();
    }
  }

  /** Int64List &lt; FloatList &lt; BytesList: each reads into the next one's column (RecordConverter converts). */
  private static int rank(Feature.KindCase kind) {
    return switch (kind) {
      case KIND_NOT_SET -> 0;
      case INT64_LIST -> 1;
      case FLOAT_LIST -> 2;
      case BYTES_LIST -> 3;
    };
  }
}
