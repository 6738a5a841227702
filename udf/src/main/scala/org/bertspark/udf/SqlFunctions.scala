package org.bertspark.udf

import scala.jdk.CollectionConverters._

import org.apache.spark.sql.SparkSessionExtensions
import org.apache.spark.sql.catalyst.FunctionIdentifier
import org.apache.spark.sql.catalyst.analysis.FunctionRegistry
import org.apache.spark.sql.catalyst.expressions.{Expression, ExpressionInfo}

/**
 * [[BertFunctions]] as Spark's function registries take them. A builder is a function of Scala's default Seq,
 * scala.collection.Seq in Scala 2.12 (Spark 3.5) and scala.collection.immutable.Seq in 2.13 (Spark 4): Scala names
 * both alike, Java cannot.
 */
private[udf] object SqlFunctions {

  def inject(extensions: SparkSessionExtensions): Unit =
    BertFunctions.functions().asScala.foreach(info => extensions.injectFunction((id(info), info, builder(info))))

  def register(registry: FunctionRegistry): Unit = BertFunctions.functions().asScala.foreach { info =>
    try registry.registerFunction(id(info), info, builder(info))
    catch {
      // Spark 4.2's session registry asserts a qualified name: it keeps temporary functions as system.session.name,
      // as its SessionCatalog registers them; Spark 3.5 takes the plain name.
      case _: AssertionError =>
        registry.registerFunction(id(info).copy(database = Some("session"), catalog = Some("system")), info,
          builder(info))
    }
  }

  private def id(info: ExpressionInfo): FunctionIdentifier = FunctionIdentifier(info.getName)

  private def builder(info: ExpressionInfo): Seq[Expression] => Expression =
    args => BertFunctions.build(info.getName, args.asJava)
}
