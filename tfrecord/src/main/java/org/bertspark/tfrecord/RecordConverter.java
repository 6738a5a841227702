package org.bertspark.tfrecord;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import java.io.Serializable;
import java.util.Map;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.SpecializedGetters;
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.catalyst.util.GenericArrayData;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.types.UTF8String;
import org.tensorflow.proto.BytesList;
import org.tensorflow.proto.Example;
import org.tensorflow.proto.Feature;
import org.tensorflow.proto.FeatureList;
import org.tensorflow.proto.FeatureLists;
import org.tensorflow.proto.Features;
import org.tensorflow.proto.FloatList;
import org.tensorflow.proto.Int64List;
import org.tensorflow.proto.SequenceExample;

/**
 * Converts between a record's bytes and a Spark row of a schema: tf.train.Example features (SequenceExample:
 * context features, and feature lists for {@code array<array<…>>} columns), or the raw bytes as column
 * {@code value}. A null column is an absent feature; a {@code NullType} column is always null. Reading widens as
 * schema inference does: an Int64List reads into a float or double column, and any number into a string column
 * as the decimal text of Spark's {@code CAST(… AS STRING)} (Java's {@code Long.toString}, {@code Float.toString}).
 */
final class RecordConverter implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The schema of recordType ByteArray. */
  static final StructType BYTE_ARRAY_SCHEMA = new StructType().add("value", DataTypes.BinaryType);

  private final RecordType recordType;
  private final StructType schema;

  /** @throws IllegalArgumentException naming the first column that the record type cannot hold */
  RecordConverter(RecordType recordType, StructType schema) {
    if (recordType == RecordType.BYTE_ARRAY && schema.size() > 1) {
      throw new IllegalArgumentException("recordType ByteArray holds one binary column, value; got "
          + schema.simpleString());
    }
    for (StructField field : schema.fields()) {
      checkColumn(recordType, field);
    }
    this.recordType = recordType;
    this.schema = schema;
  }

  /** Whether a column of this type can be a feature, as a value, a list, or a list of lists, or is NullType. */
  static boolean isSupported(DataType type) {
    if (type.equals(DataTypes.NullType)) {
      return true; // what inference makes of a feature seen only with empty lists
    }
    if (type instanceof ArrayType array) {
      DataType element = array.elementType();
      return isSupportedElement(element)
          || (element instanceof ArrayType inner && isSupportedElement(inner.elementType()));
    }
    return isSupportedElement(type);
  }

  InternalRow decode(byte[] record) throws InvalidRecordException {
    return switch (recordType) {
      case BYTE_ARRAY -> schema.isEmpty() ? new GenericInternalRow(0) : new GenericInternalRow(new Object[] {record});
      case EXAMPLE -> decode(parseExample(record).getFeatures(), FeatureLists.getDefaultInstance());
      case SEQUENCE_EXAMPLE -> {
        SequenceExample example = parseSequenceExample(record);
        yield decode(example.getContext(), example.getFeatureLists());
      }
    };
  }

  byte[] encode(InternalRow row) {
    return switch (recordType) {
      case BYTE_ARRAY -> {
        if (row.isNullAt(0)) {
          throw new IllegalArgumentException("Column " + schema.fields()[0].name()
              + " is null: recordType ByteArray cannot write a null record");
        }
        yield row.getBinary(0);
      }
      case EXAMPLE -> Example.newBuilder().setFeatures(encodeFeatures(row)).build().toByteArray();
      case SEQUENCE_EXAMPLE -> SequenceExample.newBuilder()
          .setContext(encodeFeatures(row))
          .setFeatureLists(encodeFeatureLists(row))
          .build()
          .toByteArray();
    };
  }

  static Example parseExample(byte[] record) throws InvalidRecordException {
    try {
      return Example.parseFrom(record);
    } catch (InvalidProtocolBufferException e) {
      throw new InvalidRecordException("not a tf.train.Example: " + e.getMessage(), e);
    }
  }

  static SequenceExample parseSequenceExample(byte[] record) throws InvalidRecordException {
    try {
      return SequenceExample.parseFrom(record);
    } catch (InvalidProtocolBufferException e) {
      throw new InvalidRecordException("not a tf.train.SequenceExample: " + e.getMessage(), e);
    }
  }

  private static void checkColumn(RecordType recordType, StructField field) {
    DataType type = field.dataType();
    boolean fits = switch (recordType) {
      case BYTE_ARRAY -> type.equals(DataTypes.BinaryType);
      case EXAMPLE -> isSupported(type) && !isNested(type);
      case SEQUENCE_EXAMPLE -> isSupported(type);
    };
    if (!fits) {
      String hint = switch (recordType) {
        case BYTE_ARRAY -> "recordType ByteArray holds one binary column, value";
        case EXAMPLE -> isSupported(type)
            ? "feature lists (array<array<…>>) need recordType SequenceExample"
            : "features hold int, long, float, double, string, binary and arrays of them";
        case SEQUENCE_EXAMPLE ->
            "features hold int, long, float, double, string, binary, arrays and arrays of arrays of them";
      };
      throw new IllegalArgumentException(
          "Column " + field.name() + " of type " + type.simpleString() + " cannot be a TFRecord feature: " + hint);
    }
  }

  private static boolean isSupportedElement(DataType type) {
    return type.equals(DataTypes.IntegerType) || type.equals(DataTypes.LongType)
        || type.equals(DataTypes.FloatType) || type.equals(DataTypes.DoubleType)
        || type.equals(DataTypes.StringType) || type.equals(DataTypes.BinaryType);
  }

  private static boolean isNested(DataType type) {
    return type instanceof ArrayType array && array.elementType() instanceof ArrayType;
  }

  // ---- decoding

  private InternalRow decode(Features context, FeatureLists lists) throws InvalidRecordException {
    Map<String, Feature> features = context.getFeatureMap();
    Map<String, FeatureList> featureLists = lists.getFeatureListMap();
    StructField[] fields = schema.fields();
    Object[] values = new Object[fields.length];
    for (int i = 0; i < fields.length; i++) {
      String name = fields[i].name();
      DataType type = fields[i].dataType();
      if (type.equals(DataTypes.NullType)) {
        Feature feature = features.get(name);
        FeatureList list = featureLists.get(name);
        if ((feature != null && count(feature) > 0) || (list != null && list.getFeatureList().stream().anyMatch(f -> count(f) > 0))) {
          // inferred from records where it was always empty (option inferRecords): never read as a silent null
          throw new SchemaMismatchException("feature " + name + " has values, but column " + name + " is void "
              + "(NullType: empty in every record schema inference read); give the schema (.schema(...), the job's "
              + "--schema) or infer from every record (no inferRecords)");
        }
        values[i] = null;
      } else if (isNested(type)) {
        if (features.containsKey(name)) {
          throw new SchemaMismatchException(
              "feature " + name + " is a context feature, but column " + name + " is a feature list");
        }
        FeatureList list = featureLists.get(name);
        values[i] = list == null ? null : decodeFeatureList(list, name, (ArrayType) ((ArrayType) type).elementType());
      } else {
        if (featureLists.containsKey(name)) {
          throw new SchemaMismatchException(
              "feature " + name + " is a feature list, but column " + name + " is " + type.simpleString());
        }
        Feature feature = features.get(name);
        values[i] = feature == null ? null : decodeFeature(feature, name, type);
      }
    }
    return new GenericInternalRow(values);
  }

  private static ArrayData decodeFeatureList(FeatureList list, String column, ArrayType type)
      throws InvalidRecordException {
    Object[] steps = new Object[list.getFeatureCount()];
    for (int i = 0; i < steps.length; i++) {
      steps[i] = decodeFeature(list.getFeature(i), column, type);
    }
    return new GenericArrayData(steps);
  }

  private static Object decodeFeature(Feature feature, String column, DataType type) throws InvalidRecordException {
    boolean isArray = type instanceof ArrayType;
    DataType element = isArray ? ((ArrayType) type).elementType() : type;
    Feature.KindCase kind = feature.getKindCase();
    int count = count(feature);
    // An empty list of any kind is an empty list in any column, as inference ignores its kind.
    if (count > 0 && !fits(kind, element)) {
      throw new SchemaMismatchException(
          "feature " + column + " is " + kindName(kind) + ", column " + column + " is " + type.simpleString());
    }
    if (!isArray) {
      if (count > 1) {
        throw new SchemaMismatchException("feature " + column + " holds " + count + " values, column " + column
            + " is " + type.simpleString() + " (a schema with array<" + type.simpleString() + "> reads it)");
      }
      return count == 0 ? null : element(feature, 0, element, column);
    }
    if (kind == Feature.KindCase.INT64_LIST && element.equals(DataTypes.LongType)) {
      Int64List longs = feature.getInt64List();
      long[] values = new long[longs.getValueCount()];
      for (int i = 0; i < values.length; i++) {
        values[i] = longs.getValue(i);
      }
      return UnsafeArrayData.fromPrimitiveArray(values);
    }
    if (kind == Feature.KindCase.FLOAT_LIST && element.equals(DataTypes.FloatType)) {
      FloatList floats = feature.getFloatList();
      float[] values = new float[floats.getValueCount()];
      for (int i = 0; i < values.length; i++) {
        values[i] = floats.getValue(i);
      }
      return UnsafeArrayData.fromPrimitiveArray(values);
    }
    Object[] values = new Object[count];
    for (int i = 0; i < count; i++) {
      values[i] = element(feature, i, element, column);
    }
    return new GenericArrayData(values);
  }

  /** What a column reads: its own kind, or a narrower one widened as schema inference widens (a long as float…). */
  private static boolean fits(Feature.KindCase kind, DataType element) {
    return switch (kind) {
      case INT64_LIST -> element.equals(DataTypes.LongType) || element.equals(DataTypes.IntegerType)
          || element.equals(DataTypes.FloatType) || element.equals(DataTypes.DoubleType)
          || element.equals(DataTypes.StringType);
      case FLOAT_LIST -> element.equals(DataTypes.FloatType) || element.equals(DataTypes.DoubleType)
          || element.equals(DataTypes.StringType);
      case BYTES_LIST -> element.equals(DataTypes.StringType) || element.equals(DataTypes.BinaryType);
      case KIND_NOT_SET -> true;
    };
  }

  static int count(Feature feature) {
    return switch (feature.getKindCase()) {
      case INT64_LIST -> feature.getInt64List().getValueCount();
      case FLOAT_LIST -> feature.getFloatList().getValueCount();
      case BYTES_LIST -> feature.getBytesList().getValueCount();
      case KIND_NOT_SET -> 0;
    };
  }

  static String kindName(Feature.KindCase kind) {
    return switch (kind) {
      case INT64_LIST -> "an Int64List";
      case FLOAT_LIST -> "a FloatList";
      case BYTES_LIST -> "a BytesList";
      case KIND_NOT_SET -> "empty";
    };
  }

  private static Object element(Feature feature, int i, DataType element, String column)
      throws InvalidRecordException {
    switch (feature.getKindCase()) {
      case INT64_LIST -> {
        long value = feature.getInt64List().getValue(i);
        if (element.equals(DataTypes.LongType)) {
          return value;
        } else if (element.equals(DataTypes.IntegerType)) {
          if (value != (int) value) {
            throw new SchemaMismatchException(
                "feature " + column + " holds " + value + ", which overflows int column " + column);
          }
          return (int) value;
        } else if (element.equals(DataTypes.FloatType)) {
          return (float) value;
        } else if (element.equals(DataTypes.DoubleType)) {
          return (double) value;
        }
        return UTF8String.fromString(Long.toString(value));
      }
      case FLOAT_LIST -> {
        float value = feature.getFloatList().getValue(i);
        if (element.equals(DataTypes.FloatType)) {
          return value;
        } else if (element.equals(DataTypes.DoubleType)) {
          return (double) value;
        }
        return UTF8String.fromString(Float.toString(value));
      }
      default -> {
        byte[] value = feature.getBytesList().getValue(i).toByteArray();
        return element.equals(DataTypes.StringType) ? UTF8String.fromBytes(value) : value;
      }
    }
  }

  // ---- encoding

  private Features encodeFeatures(InternalRow row) {
    Features.Builder features = Features.newBuilder();
    StructField[] fields = schema.fields();
    for (int i = 0; i < fields.length; i++) {
      if (!row.isNullAt(i) && !isNested(fields[i].dataType())) {
        features.putFeature(fields[i].name(), encodeFeature(row, i, fields[i].dataType(), fields[i].name()));
      }
    }
    return features.build();
  }

  private FeatureLists encodeFeatureLists(InternalRow row) {
    FeatureLists.Builder lists = FeatureLists.newBuilder();
    StructField[] fields = schema.fields();
    for (int i = 0; i < fields.length; i++) {
      DataType type = fields[i].dataType();
      if (!row.isNullAt(i) && isNested(type)) {
        String column = fields[i].name();
        DataType inner = ((ArrayType) type).elementType();
        ArrayData steps = row.getArray(i);
        FeatureList.Builder list = FeatureList.newBuilder();
        for (int step = 0; step < steps.numElements(); step++) {
          checkNotNull(steps, step, column);
          list.addFeature(encodeFeature(steps, step, inner, column));
        }
        lists.putFeatureList(column, list.build());
      }
    }
    return lists.build();
  }

  /** The value at {@code ordinal} of a row or array as a feature; {@code type} is a scalar or an array of one. */
  private static Feature encodeFeature(SpecializedGetters values, int ordinal, DataType type, String column) {
    if (type instanceof ArrayType array) {
      ArrayData elements = values.getArray(ordinal);
      for (int i = 0; i < elements.numElements(); i++) {
        checkNotNull(elements, i, column);
      }
      return encodeElements(elements, 0, elements.numElements(), array.elementType());
    }
    return encodeElements(values, ordinal, 1, type);
  }

  private static Feature encodeElements(SpecializedGetters values, int from, int count, DataType type) {
    Feature.Builder feature = Feature.newBuilder();
    if (type.equals(DataTypes.LongType) || type.equals(DataTypes.IntegerType)) {
      Int64List.Builder list = Int64List.newBuilder();
      for (int i = from; i < from + count; i++) {
        list.addValue(type.equals(DataTypes.LongType) ? values.getLong(i) : values.getInt(i));
      }
      feature.setInt64List(list);
    } else if (type.equals(DataTypes.FloatType) || type.equals(DataTypes.DoubleType)) {
      FloatList.Builder list = FloatList.newBuilder();
      for (int i = from; i < from + count; i++) {
        list.addValue(type.equals(DataTypes.FloatType) ? values.getFloat(i) : (float) values.getDouble(i));
      }
      feature.setFloatList(list);
    } else {
      BytesList.Builder list = BytesList.newBuilder();
      for (int i = from; i < from + count; i++) {
        list.addValue(ByteString.copyFrom(
            type.equals(DataTypes.StringType) ? values.getUTF8String(i).getBytes() : values.getBinary(i)));
      }
      feature.setBytesList(list);
    }
    return feature.build();
  }

  private static void checkNotNull(ArrayData elements, int i, String column) {
    if (elements.isNullAt(i)) {
      throw new IllegalArgumentException(
          "Column " + column + " holds a null element at index " + i + ": a TFRecord feature cannot hold nulls");
    }
  }
}
