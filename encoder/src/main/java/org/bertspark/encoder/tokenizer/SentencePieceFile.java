package org.bertspark.encoder.tokenizer;

import com.google.protobuf.CodedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * XLM-RoBERTa's {@code sentencepiece.bpe.model} (a SentencePiece ModelProto, despite its name a Unigram model) as
 * transformers converts it to a fast tokenizer: fairseq's ids ({@code <s>} 0, {@code <pad>} 1, {@code </s>} 2,
 * {@code <unk>} 3, each further piece one past its SentencePiece id, {@code <mask>} last), the model's precompiled
 * charsmap then runs of spaces made one, Metaspace, and {@code <s> A </s>} / {@code <s> A </s></s> B </s>}.
 */
public final class SentencePieceFile {
  private static final int UNIGRAM = 1;
  private static final List<String> FAIRSEQ = List.of("<s>", "<pad>", "</s>", "<unk>");
  private static final String MASK = "<mask>";

  private SentencePieceFile() {}

  /**
   * @throws IllegalArgumentException when the file is not a SentencePiece Unigram model
   */
  public static HuggingFaceTokenizer xlmRoberta(Path file) {
    List<String> pieces = new ArrayList<>(FAIRSEQ);
    List<Double> scores = new ArrayList<>(List.of(0.0, 0.0, 0.0, 0.0));
    byte[] charsmap = null;
    int modelType = UNIGRAM;
    int spmPieces = 0;
    try (InputStream in = Files.newInputStream(file)) {
      CodedInputStream model = CodedInputStream.newInstance(in);
      model.setSizeLimit(Integer.MAX_VALUE);
      for (int tag = model.readTag(); tag != 0; tag = model.readTag()) {
        switch (tag) {
          case 1 << 3 | 2 -> { // pieces: piece 1, score 2
            CodedInputStream piece = CodedInputStream.newInstance(model.readByteArray());
            String text = "";
            float score = 0;
            for (int t = piece.readTag(); t != 0; t = piece.readTag()) {
              if (t == (1 << 3 | 2)) {
                text = piece.readStringRequireUtf8();
              } else if (t == (2 << 3 | 5)) {
                score = piece.readFloat();
              } else {
                piece.skipField(t);
              }
            }
            if (spmPieces++ >= FAIRSEQ.size() - 1) { // SentencePiece's <unk>, <s>, </s> become fairseq's four
              pieces.add(text);
              scores.add((double) score);
            }
          }
          case 2 << 3 | 2 -> { // trainer_spec: model_type 3
            CodedInputStream spec = CodedInputStream.newInstance(model.readByteArray());
            for (int t = spec.readTag(); t != 0; t = spec.readTag()) {
              if (t == (3 << 3)) {
                modelType = spec.readEnum();
              } else {
                spec.skipField(t);
              }
            }
          }
          case 3 << 3 | 2 -> { // normalizer_spec: precompiled_charsmap 2
            CodedInputStream spec = CodedInputStream.newInstance(model.readByteArray());
            for (int t = spec.readTag(); t != 0; t = spec.readTag()) {
              if (t == (2 << 3 | 2)) {
                charsmap = spec.readByteArray();
              } else {
                spec.skipField(t);
              }
            }
          }
          default -> model.skipField(tag);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read SentencePiece model " + file + ": " + e.getMessage(), e);
    }
    if (modelType != UNIGRAM || spmPieces < FAIRSEQ.size()) {
      throw new IllegalArgumentException("SentencePiece model " + file + " is not a Unigram model with pieces "
          + "(model_type " + modelType + ", " + spmPieces + " pieces)");
    }
    pieces.add(MASK);
    scores.add(0.0);
    UnigramModel unigram = new UnigramModel(pieces.toArray(String[]::new),
        scores.stream().mapToDouble(Double::doubleValue).toArray(), FAIRSEQ.indexOf("<unk>"), false);
    Normalizer spaces = new ReplaceNormalizer(Pattern.compile(" {2,}"), " ");
    Normalizer normalizer = charsmap == null || charsmap.length == 0 ? spaces
        : Normalizer.sequence(new PrecompiledNormalizer(charsmap), spaces);
    List<AddedTokens.Token> added = new ArrayList<>();
    for (String special : List.of("<s>", "<pad>", "</s>", "<unk>", MASK)) {
      added.add(new AddedTokens.Token(special, unigram.id(special), false, false, false, false));
    }
    return new HuggingFaceTokenizer(added, normalizer, new Metaspace('\u2581', Metaspace.Prepend.ALWAYS, true),
        unigram, unigram.size(), unigram::piece, Template.roberta(unigram.id("<s>"), unigram.id("</s>")), false);
  }
}
