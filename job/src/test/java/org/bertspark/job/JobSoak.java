package org.bertspark.job;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * A long run of the job in local mode, watching the resident memory of this JVM, which does the encoding: VmRSS from
 * /proc/self/status every few seconds. A leak per batch (an unclosed tensor, a growing cache) shows as growth between
 * an early and a late window after warm-up; warm-up ends when a third of the tasks have finished (model loaded, JIT
 * settled). Run it with a fixed, pre-touched heap (-Xms = -Xmx, -XX:+AlwaysPreTouch) so that heap sizing does not
 * pass for a leak. See BENCHMARKS.md, "Soak", and job/soak.sh.
 *
 * <p>Arguments: {@code rows [model_dir|default] [max_growth_percent]}; prints a report and exits with status 1 when
 * growth exceeds max_growth_percent.
 */
public final class JobSoak {
  private static final String[] WORDS = ("the of and to in is that for it as was with be by on not he this are or "
      + "his from at which but have an had they you were their one all we can her has there been if more when will "
      + "would who so no she other its may these what them than some him time into only do could new about two "
      + "first then also after any like should people well how our out up my many made over such me very good day "
      + "year way man world life work hello cat dog sat mat house car city water tree book music food friend love "
      + "happy sad big small old young run walk play read write speak think know see look come go spark data model "
      + "text word sentence machine learning language computer").split(" ");
  private static final int ROWS_PER_TASK = 2000;
  private static final long SAMPLE_MS = Long.getLong("soak.sampleMs", 2000);

  private JobSoak() {}

  /** One RSS sample: seconds since start, resident kB, tasks finished. */
  record Sample(double seconds, long rssKb, int tasksDone) {}

  public static void main(String[] args) throws Exception {
    long rows = args.length > 0 ? Long.parseLong(args[0]) : 100_000;
    String modelDir = args.length > 1 && !args[1].equals("default") ? args[1] : null;
    double maxGrowth = args.length > 2 ? Double.parseDouble(args[2]) : 5.0;
    int tasks = (int) Math.max(5, (rows + ROWS_PER_TASK - 1) / ROWS_PER_TASK);
    Path dir = Files.createTempDirectory("bert-spark-soak");
    SparkSession spark = SparkSession.builder().master(System.getProperty("spark.master", "local[2]"))
        .appName("bert-spark-soak").config("spark.ui.enabled", "false")
        // one task per input file: warm-up and windows are counted in tasks
        .config("spark.sql.files.openCostInBytes", Long.toString(128L << 20)).getOrCreate();
    AtomicInteger tasksDone = new AtomicInteger();
    List<Sample> samples = new ArrayList<>();
    ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
    try {
      String in = dir.resolve("in").toString();
      StructType schema = new StructType().add("id", DataTypes.LongType).add("text", DataTypes.StringType);
      spark.range(0, rows, 1, tasks).map((MapFunction<Long, Row>) id -> RowFactory.create(id, sentence(id)),
          Encoders.row(schema)).write().parquet(in);
      spark.sparkContext().addSparkListener(new SparkListener() {
        @Override
        public void onTaskEnd(SparkListenerTaskEnd end) {
          tasksDone.incrementAndGet();
        }
      });
      long start = System.nanoTime();
      sampler.scheduleAtFixedRate(() -> {
        synchronized (samples) {
          samples.add(new Sample((System.nanoTime() - start) / 1e9, rssKb(), tasksDone.get()));
        }
      }, 0, SAMPLE_MS, TimeUnit.MILLISECONDS);
      List<String> job = new ArrayList<>(List.of("--input", in, "--output", dir.resolve("out").toString(),
          "--max_seq_len", "25"));
      if (modelDir != null) {
        job.addAll(List.of("--model_dir", modelDir));
      }
      JobSummary summary = BertEmbeddingJob.run(spark, JobOptions.parse(job.toArray(String[]::new)));
      sampler.shutdown();
      sampler.awaitTermination(10, TimeUnit.SECONDS);
      double growth = report(summary, samples, tasks);
      if (summary.inputRows() != rows || growth > maxGrowth) {
        System.out.printf("FAILED: %d of %d rows, growth %.1f%% (limit %.1f%%)%n", summary.inputRows(), rows,
            growth, maxGrowth);
        System.exit(1);
      }
    } finally {
      sampler.shutdownNow();
      spark.stop();
      deleteRecursively(dir);
    }
  }

  /** Prints the figures and returns the RSS growth in percent, late window against early window. */
  private static double report(JobSummary summary, List<Sample> samples, int tasks) {
    int warm = (tasks + 2) / 3;
    List<Sample> after = samples.stream().filter(s -> s.tasksDone() >= warm).toList();
    if (after.size() < 4) {
      throw new IllegalStateException("only " + after.size() + " samples after warm-up in " + summary.wallSeconds()
          + " s: use more rows or -Dsoak.sampleMs lower than " + SAMPLE_MS);
    }
    int window = Math.max(2, after.size() / 4);
    long early = median(after.subList(0, window));
    long late = median(after.subList(after.size() - window, after.size()));
    double growth = 100.0 * (late - early) / early;
    long peak = samples.stream().mapToLong(Sample::rssKb).max().orElse(0);
    System.out.printf("soak: %d rows, %d tasks, %.0f s, %.1f rows/s%n", summary.inputRows(), tasks,
        summary.wallSeconds(), summary.rowsPerSecond());
    System.out.printf("rss MB: start %d, after warm-up (%d tasks, %.0f s) %d, end %d, peak %d; %d samples%n",
        samples.get(0).rssKb() / 1024, warm, after.get(0).seconds(), after.get(0).rssKb() / 1024,
        samples.get(samples.size() - 1).rssKb() / 1024, peak / 1024, samples.size());
    System.out.printf("rss growth after warm-up: %.2f%% (median of last %d samples %d MB vs first %d: %d MB)%n",
        growth, window, late / 1024, window, early / 1024);
    return growth;
  }

  private static long median(List<Sample> samples) {
    long[] rss = samples.stream().mapToLong(Sample::rssKb).sorted().toArray();
    return rss[rss.length / 2];
  }

  /** Resident set size of this JVM in kB. */
  static long rssKb() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot read /proc/self/status (Linux only)", e);
    }
    throw new IllegalStateException("no VmRSS in /proc/self/status");
  }

  /** 3 to 40 words, the same for the same id: some sentences longer than max_seq_len 25. */
  static String sentence(long id) {
    Random random = new Random(id);
    int n = 3 + random.nextInt(38);
    String[] words = new String[n];
    for (int i = 0; i < n; i++) {
      words[i] = WORDS[random.nextInt(WORDS.length)];
    }
    return String.join(" ", words) + (id % 10 == 0 ? "!" : ".");
  }

  private static void deleteRecursively(Path dir) throws IOException {
    try (var paths = Files.walk(dir)) {
      paths.sorted((a, b) -> b.compareTo(a)).forEach(p -> p.toFile().delete());
    }
  }
}
