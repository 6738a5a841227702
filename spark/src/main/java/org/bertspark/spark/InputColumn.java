package org.bertspark.spark;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.bertspark.encoder.tokenizer.Input;

/**
 * A Spark text column's values as the encoder's {@link Input}: a string is text, an array&lt;string&gt; pre-tokenized
 * words (bert-as-service's is_tokenized), for the job and SQL alike.
 */
public final class InputColumn {
  /** Every input without a first sentence is encoded alike: a null vector for null text. */
  private static final Input NONE = Input.text(null);

  private InputColumn() {}

  /** Whether a column of this type holds pre-tokenized words rather than text. */
  public static boolean holdsWords(DataType type) {
    return type instanceof ArrayType;
  }

  /**
   * Why two columns cannot be a sentence pair, or null when they can: both text, or both words.
   *
   * @param first the first column as its caller names it (an option, an argument)
   */
  public static String pairMismatch(String first, DataType firstType, String second, DataType secondType) {
    return holdsWords(firstType) == holdsWords(secondType) ? null
        : second + " is " + secondType.simpleString() + " but " + first + " is " + firstType.simpleString()
            + ": both must be strings, or both array<string> (pre-tokenized words)";
  }

  /**
   * The input of a row's Catalyst values (a UTF8String, or an ArrayData of strings): the first sentence, and the
   * second where {@code second} is not null (of the same kind, {@link #pairMismatch}).
   */
  public static Input of(Object first, Object second) {
    if (first == null) {
      return NONE;
    }
    if (first instanceof ArrayData words) {
      return new Input.Words(words(words), words((ArrayData) second));
    }
    return new Input.Text(first.toString(), second == null ? null : second.toString());
  }

  /** An array's words, null for null; a null element stays null (it has no word piece). */
  public static List<String> words(ArrayData array) {
    if (array == null) {
      return null;
    }
    List<String> out = new ArrayList<>(array.numElements());
    for (int i = 0; i < array.numElements(); i++) {
      out.add(array.isNullAt(i) ? null : array.getUTF8String(i).toString());
    }
    return out;
  }
}
