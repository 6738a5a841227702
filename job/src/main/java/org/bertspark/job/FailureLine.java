package org.bertspark.job;

/**
 * A failed run as the one line a user reads: the innermost cause, however deep Spark wrapped it (a task's error
 * arrives inside a stage failure with the executor's stack trace in its message), and where the full log is.
 */
final class FailureLine {
  /** The log file submit.sh names for this run (conf/log4j2.properties writes Spark's log there). */
  static final String LOG_PROPERTY = "bert.spark.log";

  private FailureLine() {}

  /**
   * The innermost exception's class and the first line of its message (Spark's SQL errors go on with the statement
   * and a caret under the position, which the first line already gives as line and column).
   */
  static String cause(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = root.getMessage() == null ? "" : root.getMessage().strip();
    return root.getClass().getName() + ": " + message.lines().findFirst().orElse("");
  }

  /** " (Spark's log: FILE)" when the run logs into a file, else nothing. */
  static String logPointer() {
    String log = System.getProperty(LOG_PROPERTY);
    return log == null || log.isEmpty() ? "" : " (Spark's log: " + log + ")";
  }
}
