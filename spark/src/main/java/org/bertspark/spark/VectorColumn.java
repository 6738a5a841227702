package org.bertspark.spark;

import java.io.Serializable;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
import org.apache.spark.sql.catalyst.util.GenericArrayData;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.bertspark.encoder.Embedding;
import org.bertspark.encoder.EncoderOptions;
import org.bertspark.encoder.ResolvedOptions;

/**
 * An {@link Embedding} as a Spark column: {@code array<float>}, or Spark ML's vector type when asked for; with
 * pooling NONE one vector per real token, {@code array<array<float>>}.
 */
public final class VectorColumn implements Serializable {
  private static final long serialVersionUID = 1L;
  private final boolean tokenLevel;
  private final boolean mlVector;

  /**
   * The column of the encoder for {@code options}, known before the model is read ({@link ResolvedOptions#perToken}).
   * {@code mlVector}: Spark ML's vector type instead of {@code array<float>} (not for pooling NONE).
   */
  public VectorColumn(EncoderOptions options, boolean mlVector) {
    this.tokenLevel = ResolvedOptions.perToken(options);
    this.mlVector = mlVector && !tokenLevel;
  }

  public DataType dataType() {
    DataType vector = DataTypes.createArrayType(DataTypes.FloatType, false);
    if (tokenLevel) {
      return DataTypes.createArrayType(vector, false);
    }
    return mlVector ? SQLDataTypes.VectorType() : vector;
  }

  /** The Catalyst value of {@code e}; null for null. */
  public Object toCatalyst(Embedding e) {
    if (e == null) {
      return null;
    }
    if (tokenLevel) {
      Object[] tokens = new Object[e.tokenVectors().length];
      for (int i = 0; i < tokens.length; i++) {
        tokens[i] = UnsafeArrayData.fromPrimitiveArray(e.tokenVectors()[i]);
      }
      return new GenericArrayData(tokens);
    }
    if (!mlVector) {
      return UnsafeArrayData.fromPrimitiveArray(e.vector());
    }
    double[] d = new double[e.vector().length];
    for (int i = 0; i < d.length; i++) {
      d[i] = e.vector()[i];
    }
    return new VectorUDT().serialize(Vectors.dense(d));
  }
}
