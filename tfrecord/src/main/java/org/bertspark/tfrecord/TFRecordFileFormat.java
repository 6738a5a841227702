package org.bertspark.tfrecord;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.mapreduce.Job;
import org.apache.spark.TaskContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.util.CompressionCodecs;
import org.apache.spark.sql.execution.datasources.CodecStreams;
import org.apache.spark.sql.execution.datasources.OutputWriterFactory;
import org.apache.spark.sql.execution.datasources.PartitionedFile;
import org.apache.spark.sql.sources.DataSourceRegister;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.AccumulatorContext;
import org.apache.spark.util.AccumulatorV2;
import org.apache.spark.util.SerializableConfiguration;
import org.apache.spark.util.TaskCompletionListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Function1;
import scala.Option;
import scala.collection.JavaConverters; // Scala 2.12: no scala.jdk.javaapi
import scala.collection.immutable.Map;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction1;

/**
 * The {@code tfrecord} data source: TFRecord files of tf.train.Example, SequenceExample or raw bytes (option
 * {@code recordType}), gzip or another Hadoop codec by file suffix (option {@code codec} when writing), malformed
 * records failing or skipped (option {@code mode}), records longer than option {@code maxRecordLength} refused.
 * Files are not split: TFRecord has no sync markers.
 */
public final class TFRecordFileFormat extends JavaFileFormat implements DataSourceRegister, Serializable {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(TFRecordFileFormat.class);

  /**
   * Makes the reads of {@code reader} add the records that {@code mode=DROPMALFORMED} skips to {@code counter},
   * which must be registered with the session's SparkContext; the log has one line per file either way.
   */
  public static DataFrameReader countDropped(DataFrameReader reader, DroppedRecords counter) {
    if (!counter.isRegistered()) {
      throw new IllegalArgumentException("The dropped-record counter must be registered with the SparkContext");
    }
    return reader.option(TFRecordOptions.DROPPED_COUNTER, counter.id());
  }

  @Override
  public String shortName() {
    return "tfrecord";
  }

  @Override
  public Option<StructType> inferSchema(SparkSession session, Map<String, String> options, List<FileStatus> statuses) {
    TFRecordOptions parsed = TFRecordOptions.from(JavaConverters.mapAsJavaMap(options));
    if (parsed.recordType() == RecordType.BYTE_ARRAY) {
      return Option.apply(RecordConverter.BYTE_ARRAY_SCHEMA);
    }
    Configuration conf = session.sessionState().newHadoopConfWithOptions(options);
    SchemaInference inference = new SchemaInference(parsed.recordType());
    long sampled = 0;
    long[] added = {0};
    boolean more = false;
    for (int i = 0; i < statuses.size() && !more; i++) {
      Path path = statuses.get(i).getPath();
      try (RecordFileIterator<byte[]> records = new RecordFileIterator<>(
          CodecStreams.createInputStream(conf, path), path.toString(), parsed, record -> {
            if (added[0]++ < parsed.inferRecords()) { // not the record hasNext() looks ahead to past the sample
              inference.add(record);
            }
            return record;
          })) {
        for (; sampled < parsed.inferRecords() && records.hasNext(); sampled++) {
          records.next();
        }
        more = sampled == parsed.inferRecords() && (records.hasNext() || i < statuses.size() - 1);
      }
    }
    StructType schema = inference.schema();
    if (more) {
      LOG.warn("TFRecord schema inferred from the first {} records only (option inferRecords): a feature first seen "
          + "later gets NO column, and one empty in every sampled record (NullType) fails the read where a later "
          + "record has values; read every record (no inferRecords) or give the schema (.schema(...), the job's "
          + "--schema). Inferred: {}", sampled, schema.simpleString());
    }
    return schema.isEmpty() ? Option.empty() : Option.apply(schema);
  }

  @Override
  public OutputWriterFactory prepareWrite(
      SparkSession session, Job job, Map<String, String> options, StructType dataSchema) {
    TFRecordOptions parsed = TFRecordOptions.from(JavaConverters.mapAsJavaMap(options));
    RecordConverter converter = new RecordConverter(parsed.recordType(), dataSchema);
    parsed.codecClassName().ifPresent(codec -> CompressionCodecs.setCodecConfiguration(job.getConfiguration(), codec));
    return new TFRecordOutputWriter.Factory(converter);
  }

  @Override
  public Function1<PartitionedFile, scala.collection.Iterator<InternalRow>> buildReader(SparkSession session,
      StructType dataSchema, StructType requiredSchema, Map<String, String> options, Configuration hadoopConf) {
    TFRecordOptions parsed = TFRecordOptions.from(JavaConverters.mapAsJavaMap(options));
    new RecordConverter(parsed.recordType(), dataSchema); // names a column the record type cannot hold
    Broadcast<SerializableConfiguration> conf = session.sparkContext().broadcast(
        new SerializableConfiguration(hadoopConf), ClassTag$.MODULE$.apply(SerializableConfiguration.class));
    DroppedRecords dropped = parsed.droppedCounter().map(TFRecordFileFormat::registeredCounter).orElse(null);
    return new FileReader(conf, parsed, new RecordConverter(parsed.recordType(), requiredSchema), dropped);
  }

  /** On the driver, where the program that set option droppedRecordCounter registered it. */
  private static DroppedRecords registeredCounter(long id) {
    Option<AccumulatorV2<?, ?>> counter = AccumulatorContext.get(id);
    if (counter.isEmpty() || !(counter.get() instanceof DroppedRecords)) {
      throw new IllegalArgumentException("Option " + TFRecordOptions.DROPPED_COUNTER + " " + id
          + " names no registered DroppedRecords: set it with TFRecordFileFormat.countDropped");
    }
    return (DroppedRecords) counter.get();
  }

  @Override
  public boolean supportDataType(DataType type) {
    return RecordConverter.isSupported(type);
  }

  @Override
  public String toString() {
    return "TFRecord";
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof TFRecordFileFormat;
  }

  @Override
  public int hashCode() {
    return TFRecordFileFormat.class.hashCode();
  }

  /** Runs in each task: one file's rows. */
  private static final class FileReader
      extends AbstractFunction1<PartitionedFile, scala.collection.Iterator<InternalRow>> implements Serializable {
    private static final long serialVersionUID = 1L;
    private final Broadcast<SerializableConfiguration> conf;
    private final TFRecordOptions options;
    private final RecordConverter converter;
    private final DroppedRecords dropped;

    /** @param dropped counts skipped records, or null */
    FileReader(Broadcast<SerializableConfiguration> conf, TFRecordOptions options, RecordConverter converter,
        DroppedRecords dropped) {
      this.conf = conf;
      this.options = options;
      this.converter = converter;
      this.dropped = dropped;
    }

    @Override
    public scala.collection.Iterator<InternalRow> apply(PartitionedFile file) {
      Path path = file.toPath();
      RecordFileIterator<InternalRow> rows = new RecordFileIterator<>(
          CodecStreams.createInputStream(conf.value().value(), path), path.toString(), options, converter::decode);
      TaskContext task = TaskContext.get();
      if (task != null) {
        task.addTaskCompletionListener((TaskCompletionListener) context -> {
          rows.close();
          if (dropped != null) {
            // a failed attempt's updates are never merged; a re-run stage's replace this file's count
            dropped.add(new DroppedRecords.InFile(path.toString(), rows.skipped()));
          }
        });
      }
      return JavaConverters.asScalaIterator(rows);
    }
  }
}
