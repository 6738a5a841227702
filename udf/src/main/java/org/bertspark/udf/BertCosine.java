package org.bertspark.udf;

import java.io.Serializable;
import java.util.List;
import org.apache.spark.sql.catalyst.analysis.TypeCheckResult;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.ImplicitCastInputTypes;
import org.apache.spark.sql.catalyst.expressions.codegen.CodegenContext;
import org.apache.spark.sql.catalyst.expressions.codegen.CodegenFallback;
import org.apache.spark.sql.catalyst.expressions.codegen.ExprCode;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.types.AbstractDataType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import scala.collection.IndexedSeq;
import scala.collection.Seq;

/**
 * {@code bert_cosine(vec_a, vec_b)}: cosine similarity of two vectors (float arrays are widened to double). Null when
 * either is null or has no direction (all zeros), so such rows sort last in {@code ORDER BY ... DESC}.
 */
public final class BertCosine extends Expression implements CodegenFallback, ImplicitCastInputTypes, Serializable {
  private static final long serialVersionUID = 1L;
  private final Expression left;
  private final Expression right;

  public BertCosine(Expression left, Expression right) {
    this.left = left;
    this.right = right;
  }

  @Override
  public Object eval(InternalRow row) {
    ArrayData x = (ArrayData) left.eval(row);
    ArrayData y = x == null ? null : (ArrayData) right.eval(row);
    if (y == null) {
      return null;
    }
    if (x.numElements() != y.numElements()) {
      throw new IllegalArgumentException(BertFunctions.COSINE + ": vectors of different lengths, "
          + x.numElements() + " and " + y.numElements());
    }
    double dot = 0;
    double xx = 0;
    double yy = 0;
    for (int i = 0; i < x.numElements(); i++) {
      if (x.isNullAt(i) || y.isNullAt(i)) {
        return null;
      }
      double xi = x.getDouble(i);
      double yi = y.getDouble(i);
      dot += xi * yi;
      xx += xi * xi;
      yy += yi * yi;
    }
    return xx == 0 || yy == 0 ? null : dot / Math.sqrt(xx * yy);
  }

  @Override
  public DataType dataType() {
    return DataTypes.DoubleType;
  }

  @Override
  public boolean nullable() {
    return true;
  }

  @Override
  public Seq<AbstractDataType> inputTypes() {
    DataType vector = DataTypes.createArrayType(DataTypes.DoubleType);
    return Scala.seq(List.of(vector, vector));
  }

  @Override
  public TypeCheckResult checkInputDataTypes() {
    return ImplicitCastInputTypes.super.checkInputDataTypes();
  }

  @Override
  public ExprCode doGenCode(CodegenContext ctx, ExprCode ev) {
    return CodegenFallback.super.doGenCode(ctx, ev);
  }

  @Override
  public boolean foldable() {
    return left.foldable() && right.foldable();
  }

  @Override
  public Seq<Expression> children() {
    return Scala.seq(List.of(left, right));
  }

  @Override
  public Expression withNewChildrenInternal(IndexedSeq<Expression> newChildren) {
    return new BertCosine(newChildren.apply(0), newChildren.apply(1));
  }

  @Override
  public String prettyName() {
    return BertFunctions.COSINE;
  }

  @Override
  public int productArity() {
    return 2;
  }

  @Override
  public Object productElement(int n) {
    return switch (n) {
      case 0 -> left;
      case 1 -> right;
      default -> throw new IndexOutOfBoundsException(Integer.toString(n));
    };
  }

  @Override
  public boolean canEqual(Object other) {
    return other instanceof BertCosine;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof BertCosine other && left.equals(other.left) && right.equals(other.right);
  }

  @Override
  public int hashCode() {
    return 31 * left.hashCode() + right.hashCode();
  }
}
