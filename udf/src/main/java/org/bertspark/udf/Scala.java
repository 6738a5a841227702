package org.bertspark.udf;

import java.util.List;
import scala.collection.JavaConverters;
import scala.collection.Seq;

/**
 * Java and Scala collections, both ways (Scala 2.12 has no javaapi converters). Scala lists go to Spark: a Scala List
 * is the Seq of Scala 2.12 (scala.collection.Seq) and of 2.13 (scala.collection.immutable.Seq) alike, so one source
 * serves the Spark 3.5 and Spark 4 builds.
 */
final class Scala {
  private Scala() {}

  static <T> scala.collection.immutable.List<T> seq(List<T> list) {
    return JavaConverters.asScalaBuffer(list).toList();
  }

  static <T> List<T> list(Seq<T> seq) {
    return JavaConverters.seqAsJavaList(seq);
  }
}
