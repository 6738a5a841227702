package org.bertspark.udf

import org.apache.spark.sql.catalyst.expressions.{BinaryExpression, Expression, ImplicitCastInputTypes}
import org.apache.spark.sql.catalyst.expressions.codegen.CodegenFallback
import org.apache.spark.sql.catalyst.util.ArrayData
import org.apache.spark.sql.types.{ArrayType, DataType, DoubleType}

/**
 * `bert_cosine(vec_a, vec_b)`: cosine similarity of two vectors (float arrays are widened to double). Null when
 * either is null or has no direction (all zeros), so such rows sort last in `ORDER BY ... DESC`.
 */
case class BertCosine(left: Expression, right: Expression)
    extends BinaryExpression with CodegenFallback with ImplicitCastInputTypes {

  override protected def nullSafeEval(a: Any, b: Any): Any = {
    val x = a.asInstanceOf[ArrayData]
    val y = b.asInstanceOf[ArrayData]
    if (x.numElements() != y.numElements()) {
      throw new IllegalArgumentException(BertFunctions.COSINE + ": vectors of different lengths, "
        + x.numElements() + " and " + y.numElements())
    }
    var dot = 0.0
    var xx = 0.0
    var yy = 0.0
    for (i <- 0 until x.numElements()) {
      if (x.isNullAt(i) || y.isNullAt(i)) {
        return null
      }
      val xi = x.getDouble(i)
      val yi = y.getDouble(i)
      dot += xi * yi
      xx += xi * xi
      yy += yi * yi
    }
    if (xx == 0 || yy == 0) null else dot / math.sqrt(xx * yy)
  }

  override def dataType: DataType = DoubleType

  override def nullable: Boolean = true

  override def inputTypes: Seq[DataType] = Seq(ArrayType(DoubleType), ArrayType(DoubleType))

  override def prettyName: String = BertFunctions.COSINE

  override protected def withNewChildrenInternal(newLeft: Expression, newRight: Expression): BertCosine =
    copy(left = newLeft, right = newRight)
}
