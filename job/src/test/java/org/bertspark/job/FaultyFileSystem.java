package org.bertspark.job;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSInputStream;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.TaskContext;

/**
 * The local filesystem with one injected fault, for tests: the first attempt of the Spark task that reads past
 * {@link #OFFSET} bytes of a file whose name contains {@link #FILE} either throws an IOException ({@link #ACTION}
 * {@code throw}) or writes its JVM's pid into {@link #MARKER} and hangs until the test kills the JVM ({@code hang}).
 * Installed as {@code fs.file.impl} through the Hadoop configuration that Spark ships to executors, so no main code
 * knows of it.
 */
public final class FaultyFileSystem extends LocalFileSystem {
  static final String FILE = "faulty.file";
  static final String OFFSET = "faulty.offset";
  static final String ACTION = "faulty.action";
  static final String MARKER = "faulty.marker";

  private String file;
  private long offset;
  private String action;
  private String marker;

  /** Routes file: paths of {@code conf} (and of what Spark ships from it) through this class. */
  static void install(Configuration conf, String file, long offset, String action, String marker) {
    conf.set("fs.file.impl", FaultyFileSystem.class.getName());
    conf.setBoolean("fs.file.impl.disable.cache", true);
    conf.set(FILE, file);
    conf.setLong(OFFSET, offset);
    conf.set(ACTION, action);
    conf.set(MARKER, marker == null ? "" : marker);
  }

  static void uninstall(Configuration conf) {
    conf.unset("fs.file.impl");
    conf.unset("fs.file.impl.disable.cache");
    conf.set(ACTION, "none");
  }

  @Override
  public void initialize(java.net.URI name, Configuration conf) throws IOException {
    super.initialize(name, conf);
    file = conf.get(FILE, "");
    offset = conf.getLong(OFFSET, Long.MAX_VALUE);
    action = conf.get(ACTION, "none");
    marker = conf.get(MARKER, "");
  }

  @Override
  public FSDataInputStream open(Path f, int bufferSize) throws IOException {
    FSDataInputStream in = super.open(f, bufferSize);
    TaskContext task = TaskContext.get();
    boolean armed = !action.equals("none") && !file.isEmpty() && f.getName().contains(file)
        && task != null && task.attemptNumber() == 0;
    return armed ? new FSDataInputStream(new Faulty(in, f)) : in;
  }

  private void fail(Path f, long position) throws IOException {
    if (action.equals("throw")) {
      throw new IOException("injected read fault at byte " + position + " of " + f);
    }
    java.nio.file.Path tmp = Paths.get(marker + ".tmp");
    Files.writeString(tmp, Long.toString(ProcessHandle.current().pid()), StandardCharsets.UTF_8);
    Files.move(tmp, Paths.get(marker), StandardCopyOption.ATOMIC_MOVE);
    try {
      Thread.sleep(Long.MAX_VALUE); // until the test kills this JVM
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while waiting to be killed", e);
    }
  }

  /** Delegates to the real stream until a read would pass the offset. */
  private final class Faulty extends FSInputStream {
    private final FSDataInputStream in;
    private final Path path;

    Faulty(FSDataInputStream in, Path path) {
      this.in = in;
      this.path = path;
    }

    private void check(int length) throws IOException {
      if (in.getPos() + length > offset) {
        fail(path, in.getPos());
      }
    }

    @Override
    public int read() throws IOException {
      check(1);
      return in.read();
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      check(len);
      return in.read(b, off, len);
    }

    @Override
    public void seek(long pos) throws IOException {
      in.seek(pos);
    }

    @Override
    public long getPos() throws IOException {
      return in.getPos();
    }

    @Override
    public boolean seekToNewSource(long targetPos) throws IOException {
      return in.seekToNewSource(targetPos);
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }

  /** Reads the pid a hanging task wrote, or -1 while there is none. */
  static long markedPid(java.nio.file.Path marker) {
    try {
      return Files.exists(marker) ? Long.parseLong(Files.readString(marker).trim()) : -1;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
