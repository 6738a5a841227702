package org.bertspark.udf.testing;

import java.io.IOException;
import java.net.URI;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.util.Progressable;

/**
 * Local files under another scheme, {@code bertfs:///path}: a Hadoop filesystem that is not the default one, as hdfs:
 * or s3a: would be, for tests. Install with {@code spark.hadoop.fs.bertfs.impl}.
 */
public final class OtherSchemeFileSystem extends FileSystem {
  public static final String SCHEME = "bertfs";
  private final RawLocalFileSystem local = new RawLocalFileSystem();

  @Override
  public void initialize(URI name, Configuration conf) throws IOException {
    super.initialize(name, conf);
    local.initialize(URI.create("file:///"), conf);
  }

  @Override
  public String getScheme() {
    return SCHEME;
  }

  @Override
  public URI getUri() {
    return URI.create(SCHEME + ":///");
  }

  private static Path local(Path p) {
    return new Path("file", null, p.toUri().getPath());
  }

  private static FileStatus ours(FileStatus s) {
    return new FileStatus(s.getLen(), s.isDirectory(), s.getReplication(), s.getBlockSize(), s.getModificationTime(),
        s.getAccessTime(), s.getPermission(), s.getOwner(), s.getGroup(),
        new Path(SCHEME, null, s.getPath().toUri().getPath()));
  }

  @Override
  public FSDataInputStream open(Path f, int bufferSize) throws IOException {
    return local.open(local(f), bufferSize);
  }

  @Override
  public FSDataOutputStream create(Path f, FsPermission permission, boolean overwrite, int bufferSize,
      short replication, long blockSize, Progressable progress) throws IOException {
    return local.create(local(f), permission, overwrite, bufferSize, replication, blockSize, progress);
  }

  @Override
  public FSDataOutputStream append(Path f, int bufferSize, Progressable progress) throws IOException {
    return local.append(local(f), bufferSize, progress);
  }

  @Override
  public boolean rename(Path src, Path dst) throws IOException {
    return local.rename(local(src), local(dst));
  }

  @Override
  public boolean delete(Path f, boolean recursive) throws IOException {
    return local.delete(local(f), recursive);
  }

  @Override
  public FileStatus[] listStatus(Path f) throws IOException {
    FileStatus[] statuses = local.listStatus(local(f));
    FileStatus[] out = new FileStatus[statuses.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = ours(statuses[i]);
    }
    return out;
  }

  @Override
  public void setWorkingDirectory(Path dir) {
    local.setWorkingDirectory(local(dir));
  }

  @Override
  public Path getWorkingDirectory() {
    return new Path(SCHEME, null, local.getWorkingDirectory().toUri().getPath());
  }

  @Override
  public boolean mkdirs(Path f, FsPermission permission) throws IOException {
    return local.mkdirs(local(f), permission);
  }

  @Override
  public FileStatus getFileStatus(Path f) throws IOException {
    return ours(local.getFileStatus(local(f)));
  }
}
