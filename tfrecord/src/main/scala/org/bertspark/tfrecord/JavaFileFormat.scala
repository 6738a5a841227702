package org.bertspark.tfrecord

import scala.jdk.CollectionConverters._

import org.apache.hadoop.conf.Configuration
import org.apache.hadoop.fs.FileStatus
import org.apache.spark.sql.SparkSession
import org.apache.spark.sql.catalyst.InternalRow
import org.apache.spark.sql.execution.datasources.{FileFormat, PartitionedFile}
import org.apache.spark.sql.sources.Filter
import org.apache.spark.sql.types.StructType

/**
 * [[FileFormat]]'s methods that take a Scala `Seq`, over Java lists. Scala because `Seq` is `scala.collection.Seq` in
 * Spark 3.5's Scala 2.12 and `scala.collection.immutable.Seq` in Spark 4's 2.13: Java would need a source for each.
 */
abstract class JavaFileFormat extends FileFormat {

  def inferSchema(session: SparkSession, options: Map[String, String],
      files: java.util.List[FileStatus]): Option[StructType]

  def buildReader(session: SparkSession, dataSchema: StructType, requiredSchema: StructType,
      options: Map[String, String], hadoopConf: Configuration): PartitionedFile => Iterator[InternalRow]

  final override def inferSchema(session: SparkSession, options: Map[String, String],
      files: Seq[FileStatus]): Option[StructType] = inferSchema(session, options, files.asJava)

  /** Filters are hints; the rows are filtered again above the scan. */
  final override def buildReader(session: SparkSession, dataSchema: StructType, partitionSchema: StructType,
      requiredSchema: StructType, filters: Seq[Filter], options: Map[String, String],
      hadoopConf: Configuration): PartitionedFile => Iterator[InternalRow] =
    buildReader(session, dataSchema, requiredSchema, options, hadoopConf)
}
