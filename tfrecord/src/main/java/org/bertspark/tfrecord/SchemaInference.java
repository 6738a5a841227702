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
 * BytesList string; an array of those when any record holds other than one value; a SequenceExample feature list
 * is an array of arrays. A feature that is an Int64List in some records and a FloatList in others is float.
 * Columns appear in the order their features are first seen.
 */
final class SchemaInference {
  private final RecordType recordType;
  private final Map<String, Column> columns = new LinkedHashMap<>();

  private static final class Column {
    Feature.KindCase kind = Feature.KindCase.KIND_NOT_SET;
    boolean array;
    boolean featureList;
  }

  SchemaInference(RecordType recordType) {
    this.recordType = recordType;
  }

  /** Adds one record; one that contradicts the records before it is rejected and leaves the schema as it was. */
  void add(byte[] record) throws InvalidRecordException {
    if (recordType == RecordType.SEQUENCE_EXAMPLE) {
      SequenceExample example = RecordConverter.parseSequenceExample(record);
      check(example.getContext(), false);
      for (Map.Entry<String, FeatureList> list : example.getFeatureLists().getFeatureListMap().entrySet()) {
        if (example.getContext().containsFeature(list.getKey())) {
          throw new InvalidRecordException(
              "feature " + list.getKey() + " is both a context feature and a feature list");
        }
        check(list.getKey(), null, true);
        for (Feature feature : list.getValue().getFeatureList()) {
          check(list.getKey(), feature, true);
        }
      }
      add(example.getContext(), false);
      for (Map.Entry<String, FeatureList> list : example.getFeatureLists().getFeatureListMap().entrySet()) {
        for (Feature feature : list.getValue().getFeatureList()) {
          add(list.getKey(), feature, true);
        }
        columns.computeIfAbsent(list.getKey(), name -> new Column()).featureList = true;
      }
    } else {
      Features features = RecordConverter.parseExample(record).getFeatures();
      check(features, false);
      add(features, false);
    }
  }

  /** The schema, empty (no columns) when no sampled feature had a type. */
  StructType schema() {
    StructType schema = new StructType();
    for (Map.Entry<String, Column> entry : columns.entrySet()) {
      Column column = entry.getValue();
      if (column.kind != Feature.KindCase.KIND_NOT_SET) {
        DataType type = switch (column.kind) {
          case INT64_LIST -> DataTypes.LongType;
          case FLOAT_LIST -> DataTypes.FloatType;
          default -> DataTypes.StringType;
        };
        if (column.featureList) {
          type = DataTypes.createArrayType(DataTypes.createArrayType(type));
        } else if (column.array) {
          type = DataTypes.createArrayType(type);
        }
        schema = schema.add(entry.getKey(), type, true);
      }
    }
    return schema;
  }

  private void check(Features features, boolean featureList) throws InvalidRecordException {
    for (Map.Entry<String, Feature> feature : features.getFeatureMap().entrySet()) {
      check(feature.getKey(), feature.getValue(), featureList);
    }
  }

  /** @param feature null to check only that a feature list is not also a context feature */
  private void check(String name, Feature feature, boolean featureList) throws InvalidRecordException {
    Column column = columns.get(name);
    if (column == null) {
      return;
    }
    if (column.featureList != featureList) {
      throw new InvalidRecordException("feature " + name + " is both a context feature and a feature list");
    }
    if (feature == null) {
      return;
    }
    Feature.KindCase kind = feature.getKindCase();
    if (kind != Feature.KindCase.KIND_NOT_SET && column.kind != Feature.KindCase.KIND_NOT_SET
        && (kind == Feature.KindCase.BYTES_LIST) != (column.kind == Feature.KindCase.BYTES_LIST)) {
      throw new InvalidRecordException("feature " + name + " is " + RecordConverter.kindName(kind)
          + " here but " + RecordConverter.kindName(column.kind) + " in earlier records; pass a schema");
    }
  }

  private void add(Features features, boolean featureList) {
    for (Map.Entry<String, Feature> feature : features.getFeatureMap().entrySet()) {
      add(feature.getKey(), feature.getValue(), featureList);
    }
  }

  private void add(String name, Feature feature, boolean featureList) {
    Column column = columns.computeIfAbsent(name, key -> new Column());
    column.featureList = featureList;
    column.array |= RecordConverter.count(feature) != 1;
    Feature.KindCase kind = feature.getKindCase();
    // Int64List and FloatList values of one feature meet in float.
    if (kind != Feature.KindCase.KIND_NOT_SET
        && (column.kind == Feature.KindCase.KIND_NOT_SET || kind == Feature.KindCase.FLOAT_LIST)) {
      column.kind = kind;
    }
  }
}
