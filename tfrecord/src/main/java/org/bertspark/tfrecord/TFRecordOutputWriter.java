package org.bertspark.tfrecord;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.mapreduce.TaskAttemptContext;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.execution.datasources.CodecStreams;
import org.apache.spark.sql.execution.datasources.OutputWriter;
import org.apache.spark.sql.execution.datasources.OutputWriterFactory;
import org.apache.spark.sql.types.StructType;

/** Writes one task's rows to one TFRecord file, compressed by the job's codec. */
final class TFRecordOutputWriter extends OutputWriter {
  private final String path;
  private final RecordConverter converter;
  private final TFRecordWriter writer;

  private TFRecordOutputWriter(String path, RecordConverter converter, TaskAttemptContext context) {
    this.path = path;
    this.converter = converter;
    this.writer = new TFRecordWriter(CodecStreams.createOutputStream(context, new Path(path)));
  }

  @Override
  public void write(InternalRow row) {
    try {
      writer.write(converter.encode(row));
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write " + path, e);
    }
  }

  @Override
  public void close() {
    try {
      writer.close();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot close " + path, e);
    }
  }

  @Override
  public String path() {
    return path;
  }

  /** Made on the driver, shipped to each writing task. */
  static final class Factory extends OutputWriterFactory {
    private static final long serialVersionUID = 1L;
    private final RecordConverter converter;

    Factory(RecordConverter converter) {
      this.converter = converter;
    }

    @Override
    public String getFileExtension(TaskAttemptContext context) {
      return ".tfrecord" + CodecStreams.getCompressionExtension(context);
    }

    @Override
    public OutputWriter newInstance(String path, StructType dataSchema, TaskAttemptContext context) {
      return new TFRecordOutputWriter(path, converter, context);
    }
  }
}
