package org.bertspark.encoder.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VocabularyTest {
  @TempDir Path dir;

  @Test
  void idsAreLineNumbers() throws IOException {
    Path file = dir.resolve("vocab.txt");
    Files.writeString(file, "[PAD]\n[UNK]\r\n[CLS]\n[SEP]\n  hello \n\nwörld\n", StandardCharsets.UTF_8);
    Vocabulary vocab = Vocabulary.load(file);
    assertEquals(7, vocab.size());
    assertEquals(0, vocab.id("[PAD]"));
    assertEquals(1, vocab.unkId());
    assertEquals(2, vocab.clsId());
    assertEquals(3, vocab.sepId());
    assertEquals(4, vocab.id("hello")); // stripped, as Google's load_vocab does
    assertEquals(5, vocab.id("")); // an empty line still takes an id
    assertEquals(6, vocab.id("wörld"));
    assertEquals("wörld", vocab.token(6));
    assertEquals(-1, vocab.id("absent"));
    assertThrows(IndexOutOfBoundsException.class, () -> vocab.token(7));
  }

  @Test
  void repeatedTokenMapsToItsLastLine() {
    Vocabulary vocab = Vocabulary.of(List.of("[PAD]", "a", "[UNK]", "[CLS]", "[SEP]", "a"));
    assertEquals(5, vocab.id("a"));
    assertEquals("a", vocab.token(1));
    assertEquals(6, vocab.size());
  }

  @Test
  void missingSpecialTokensAreNamedWithTheFile() throws IOException {
    Path file = dir.resolve("bad-vocab.txt");
    Files.writeString(file, "[PAD]\n[UNK]\nhello\n");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Vocabulary.load(file));
    assertTrue(e.getMessage().contains("[CLS], [SEP]"), e.getMessage());
    assertTrue(e.getMessage().contains(file.toString()), e.getMessage());

    e = assertThrows(IllegalArgumentException.class, () -> Vocabulary.of(List.of("[CLS]", "[SEP]")));
    assertTrue(e.getMessage().contains("[UNK], [PAD]"), e.getMessage());
  }

  @Test
  void unreadableFileIsNamed() throws IOException {
    Path missing = dir.resolve("missing.txt");
    UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> Vocabulary.load(missing));
    assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());

    Path latin1 = dir.resolve("latin1.txt");
    Files.write(latin1, "[PAD]\n[UNK]\n[CLS]\n[SEP]\nw\u00f6rld\n".getBytes(StandardCharsets.ISO_8859_1));
    e = assertThrows(UncheckedIOException.class, () -> Vocabulary.load(latin1));
    assertTrue(e.getMessage().contains(latin1.toString()), e.getMessage());
  }

  @Test
  void longestMatchFindsTheLongestPrefixToken() {
    Vocabulary vocab = Vocabulary.of(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "a", "abc", "##b", "##bcd", ""));
    assertEquals(vocab.id("abc"), vocab.longestMatch("xabcd", 1, 5, false));
    assertEquals(vocab.id("a"), vocab.longestMatch("xabcd", 1, 3, false)); // the end bounds the match
    assertEquals(vocab.id("##bcd"), vocab.longestMatch("abcd", 1, 4, true));
    assertEquals(vocab.id("##b"), vocab.longestMatch("abcd", 1, 3, true));
    assertEquals(-1, vocab.longestMatch("abcd", 1, 4, false)); // "b" alone is no word-initial token
    assertEquals(-1, vocab.longestMatch("zzz", 0, 3, false)); // the empty token never matches
  }
}
