package org.bertspark.tfrecord;

import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.execution.datasources.FileFormat;
import org.apache.spark.sql.execution.datasources.PartitionedFile;
import org.apache.spark.sql.sources.Filter;
import org.apache.spark.sql.types.StructType;
import scala.Function1;
import scala.Option;
import scala.collection.JavaConverters;
import scala.collection.Seq;
import scala.collection.immutable.Map;

/** {@link FileFormat}'s methods that take a Scala Seq, over Java lists: Spark 3.5 (Scala 2.12), scala.collection.Seq. */
abstract class JavaFileFormat implements FileFormat {

  abstract Option<StructType> inferSchema(SparkSession session, Map<String, String> options, List<FileStatus> files);

  abstract Function1<PartitionedFile, scala.collection.Iterator<InternalRow>> buildReader(
      SparkSession session, StructType dataSchema, StructType requiredSchema, Map<String, String> options,
      Configuration hadoopConf);

  @Override
  public final Option<StructType> inferSchema(SparkSession session, Map<String, String> options, Seq<FileStatus> files) {
    return inferSchema(session, options, JavaConverters.seqAsJavaList(files));
  }

  /** Filters are hints; the rows are filtered again above the scan. */
  @Override
  public final Function1<PartitionedFile, scala.collection.Iterator<InternalRow>> buildReader(
      SparkSession session, StructType dataSchema, StructType partitionSchema, StructType requiredSchema,
      Seq<Filter> filters, Map<String, String> options, Configuration hadoopConf) {
    return buildReader(session, dataSchema, requiredSchema, options, hadoopConf);
  }
}
