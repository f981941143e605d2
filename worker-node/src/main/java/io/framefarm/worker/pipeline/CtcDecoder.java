package io.framefarm.worker.pipeline;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Greedy CTC decoding over a PaddleOCR dictionary: class 0 is the blank, class i the dictionary's
 * line i (1-based), and the class after the last line a space (PaddleOCR's {@code use_space_char}).
 * Repeats are merged unless a blank separates them.
 */
final class CtcDecoder {

  /** Text and the mean probability of its characters (0 for no text). */
  record Decoded(String text, float confidence) {}

  private final List<String> symbols;

  CtcDecoder(List<String> symbols) {
    this.symbols = List.copyOf(symbols);
  }

  static CtcDecoder load(Path dictionary) {
    try {
      return new CtcDecoder(Files.readAllLines(dictionary, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the dictionary " + dictionary, e);
    }
  }

  int symbolCount() {
    return symbols.size();
  }

  /** Decodes scores [steps, classes] starting at index 0 of {@code scores}. */
  Decoded decode(FloatBuffer scores, int steps, int classes) {
    StringBuilder text = new StringBuilder();
    double confidence = 0;
    int kept = 0;
    int previous = 0;
    for (int t = 0; t < steps; t++) {
      int row = t * classes;
      int best = 0;
      float bestScore = scores.get(row);
      for (int c = 1; c < classes; c++) {
        float s = scores.get(row + c);
        if (s > bestScore) {
          best = c;
          bestScore = s;
        }
      }
      if (best != 0 && best != previous) {
        text.append(symbol(best));
        confidence += bestScore;
        kept++;
      }
      previous = best;
    }
    return new Decoded(text.toString(), kept == 0 ? 0 : (float) (confidence / kept));
  }

  private String symbol(int index) {
    if (index <= symbols.size()) {
      return symbols.get(index - 1);
    }
    return index == symbols.size() + 1 ? " " : "";
  }
}
