package org.bertspark.udf

import org.apache.spark.sql.catalyst.InternalRow
import org.apache.spark.sql.catalyst.analysis.TypeCheckResult
import org.apache.spark.sql.catalyst.expressions.{Expression, UnaryExpression}
import org.apache.spark.sql.catalyst.expressions.codegen.CodegenFallback
import org.apache.spark.sql.catalyst.util.GenericArrayData
import org.apache.spark.sql.types.{ArrayType, DataType, DoubleType, UserDefinedType}

/**
 * `vector_to_array(v)`: a Spark ML vector (the job's `--vector_type vector`), dense or sparse, as `array<double>`,
 * as Spark ML's DataFrame function of that name gives it. Read from the vector's stored struct (type, size, indices,
 * values), so SQL needs no Spark ML class for it; `bert_cosine` reads vectors through it.
 */
case class VectorToArray(child: Expression) extends UnaryExpression with CodegenFallback {

  override def checkInputDataTypes(): TypeCheckResult =
    if (VectorToArray.isVector(child.dataType)) {
      TypeCheckResult.TypeCheckSuccess
    } else {
      TypeCheckResult.TypeCheckFailure(
        s"$prettyName needs a Spark ML vector, got ${child.dataType.simpleString}")
    }

  override protected def nullSafeEval(input: Any): Any = {
    val vector = input.asInstanceOf[InternalRow]
    val values = vector.getArray(3).toDoubleArray()
    if (vector.getByte(0) == VectorToArray.DENSE) {
      new GenericArrayData(values)
    } else {
      val dense = new Array[Double](vector.getInt(1))
      val indices = vector.getArray(2).toIntArray()
      for (i <- indices.indices) {
        dense(indices(i)) = values(i)
      }
      new GenericArrayData(dense)
    }
  }

  override def dataType: DataType = ArrayType(DoubleType, containsNull = false)

  override def prettyName: String = BertFunctions.VECTOR_TO_ARRAY

  override protected def withNewChildInternal(newChild: Expression): VectorToArray = copy(child = newChild)
}

object VectorToArray {
  /** The stored struct's type byte of a dense vector (0 is sparse), as Spark ML's VectorUDT writes it. */
  private val DENSE: Byte = 1
  private val VECTOR_TYPES = Set("org.apache.spark.ml.linalg.VectorUDT", "org.apache.spark.mllib.linalg.VectorUDT")

  /** Whether `t` is Spark ML's vector type (or the older mllib one, stored alike). */
  def isVector(t: DataType): Boolean = t match {
    case udt: UserDefinedType[_] => VECTOR_TYPES.contains(udt.getClass.getName)
    case _ => false
  }
}
