package org.bertspark.encoder;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.bertspark.encoder.model.ModelDirectory;

/**
 * What a vector depends on, as one digest: the content of every file of the model's directories (model_dir, and
 * tuned_model_dir when set) and every option that changes a vector, resolved for the model. Two encodings with equal
 * fingerprints give the same vectors (to float rounding across batch compositions); an earlier output is reused only
 * under the same fingerprint.
 */
public final class ModelFingerprint {
  /**
   * The options that never change a vector: where the model lies (its files' content counts instead), and how the
   * work is scheduled. Every other option is in the fingerprint, so a new option counts unless it is listed here.
   */
  private static final List<EncoderOption<?>> NO_CHANGE = List.of(EncoderOption.MODEL_DIR,
      EncoderOption.TUNED_MODEL_DIR, EncoderOption.MAX_BATCH_SIZE, EncoderOption.CPU, EncoderOption.XLA,
      EncoderOption.DEVICE_MAP, EncoderOption.GPU_MEMORY_FRACTION, EncoderOption.NUM_THREADS);
  /** Changes when what goes into the digest changes, so that older fingerprints never match. */
  private static final String FORMAT = "bert-spark fingerprint 1";

  private ModelFingerprint() {}

  /** The fingerprint of the model and options, reading the model files named by {@code options} (local paths). */
  public static String of(EncoderOptions options) {
    EncoderOptions resolved = ResolvedOptions.of(options, ModelDirectory.resolve(options)).options();
    MessageDigest digest = sha256();
    update(digest, FORMAT);
    for (EncoderOption<?> option : EncoderOption.all()) {
      if (!NO_CHANGE.contains(option)) {
        update(digest, option.key() + "=" + option.formatIn(resolved));
      }
    }
    for (Path dir : ModelDirectory.directories(options)) {
      update(digest, "directory");
      List<Path> files;
      try (Stream<Path> walk = Files.walk(dir)) {
        files = walk.filter(Files::isRegularFile).sorted().toList();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot list the model files in " + dir, e);
      }
      for (Path file : files) {
        update(digest, dir.relativize(file).toString().replace('\\', '/'));
        update(digest, contentDigest(file));
      }
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  private static String contentDigest(Path file) {
    MessageDigest content = sha256();
    try (InputStream in = new DigestInputStream(Files.newInputStream(file), content)) {
      in.transferTo(OutputStream.nullOutputStream());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the model file " + file, e);
    }
    return HexFormat.of().formatHex(content.digest());
  }

  /** Each value with its length first, so that no two lists of values digest alike. */
  private static void update(MessageDigest digest, String value) {
    byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
    digest.update((bytes.length + ":").getBytes(StandardCharsets.US_ASCII));
    digest.update(bytes);
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java has SHA-256", e);
    }
  }
}
