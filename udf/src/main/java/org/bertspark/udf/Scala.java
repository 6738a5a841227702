package org.bertspark.udf;

import java.util.List;
import scala.collection.JavaConverters;
import scala.collection.Seq;

/** Java and Scala collections, both ways (Scala 2.12 has no javaapi converters). */
final class Scala {
  private Scala() {}

  static <T> Seq<T> seq(List<T> list) {
    return JavaConverters.asScalaBuffer(list).toList();
  }

  /** Scala's Seq is covariant; Java's generics need telling. */
  @SuppressWarnings("unchecked")
  static <T> Seq<T> upcast(Seq<? extends T> seq) {
    return (Seq<T>) seq;
  }

  static <T> List<T> list(Seq<T> seq) {
    return JavaConverters.seqAsJavaList(seq);
  }
}
