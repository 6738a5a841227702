package org.bertspark.encoder.testing;

import java.util.ArrayList;
import java.util.List;
import org.bertspark.encoder.tokenizer.Input;

/** Lists of {@link Input}s from lists of texts or words, as tests write them. */
public final class Inputs {
  private Inputs() {}

  public static List<Input> texts(List<String> texts) {
    List<Input> out = new ArrayList<>(texts.size());
    texts.forEach(t -> out.add(Input.text(t)));
    return out;
  }

  public static List<Input> pairs(List<String> first, List<String> second) {
    List<Input> out = new ArrayList<>(first.size());
    for (int i = 0; i < first.size(); i++) {
      out.add(new Input.Text(first.get(i), second.get(i)));
    }
    return out;
  }

  public static List<Input> words(List<List<String>> words) {
    List<Input> out = new ArrayList<>(words.size());
    words.forEach(w -> out.add(Input.words(w)));
    return out;
  }

  public static List<Input> wordPairs(List<List<String>> first, List<List<String>> second) {
    List<Input> out = new ArrayList<>(first.size());
    for (int i = 0; i < first.size(); i++) {
      out.add(new Input.Words(first.get(i), second.get(i)));
    }
    return out;
  }
}
